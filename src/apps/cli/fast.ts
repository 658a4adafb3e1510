/**
 * The lean entry for `sentinel validate` and `sentinel exec` (and the `docker` wrapper name).
 * It loads only the argv parser, the policy and the decision function, so a docker command is
 * judged in little more than Node's own start-up time. The full CLI (main.ts) delegates here too.
 */
import { readFileSync } from "node:fs"
import { Either } from "effect"
import { parseDockerCommand } from "../../adapters/docker-cli/parse.ts"
import { loadActivePolicySync } from "../../adapters/policy-store/resolve.ts"
import { configPaths } from "../../adapters/config.ts"
import { decide } from "../../domain/decide-impl.ts"
import type { Decision } from "../../domain/decide.ts"
import type { DecisionEvent } from "../../domain/events.ts"
import type { LoadedPolicy } from "../../domain/policy.ts"
import type { DockerRequest } from "../../domain/request.ts"
import { newDecisionId } from "../../services/Ids.ts"
import { c, printJson, printJsonError } from "./output.ts"

export interface FastOptions {
  readonly json: boolean
  readonly force: boolean
  readonly policy?: string | undefined
  readonly noAudit: boolean
  readonly dockerArgs: ReadonlyArray<string>
}

/** Split sentinel's own flags from the docker command line (`--` separates them; optional). */
export const splitArgs = (args: ReadonlyArray<string>): FastOptions | { readonly error: string } => {
  let json = false
  let force = false
  let noAudit = false
  let policy: string | undefined
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i] ?? ""
    if (a === "--") {
      i++
      break
    }
    if (a === "--json" || a === "-j") json = true
    else if (a === "--force" || a === "-f") force = true
    else if (a === "--no-audit") noAudit = true
    else if (a === "--policy" || a === "-p") {
      policy = args[++i]
      if (policy === undefined) return { error: "--policy needs a policy name or a path to a policy file" }
    } else if (a.startsWith("--policy=")) policy = a.slice("--policy=".length)
    else if (a.startsWith("-") && a !== "-") return { error: `unknown flag ${a} (sentinel flags go before \`--\`: --json, --policy NAME|PATH, --force, --no-audit)` }
    else break
  }
  return { json, force, noAudit, policy, dockerArgs: args.slice(i) }
}

interface Outcome {
  readonly decision: Decision
  readonly policy: LoadedPolicy
  readonly command: string
  readonly auditWarning?: string | undefined
  /** what the scan gates found, for the user (secret values redacted) */
  readonly scanReport: ReadonlyArray<string>
  readonly secretsFound: boolean
}

const usageExit = (json: boolean, code: string, message: string): number => {
  if (json) printJsonError(code, message)
  else process.stderr.write(`${c.red("Error", process.stderr)} [${code}]: ${message}\n`)
  return 2
}

/** Persist the decision's events in the audit store (`<config dir>/audit`). */
const audit = async (events: ReadonlyArray<DecisionEvent>): Promise<string | undefined> => {
  try {
    const { AuditStore } = await import("../../adapters/audit/store.ts")
    const { storeOptionsFromConfig } = await import("../../adapters/audit/layer.ts")
    const paths = configPaths()
    const store = new AuditStore(paths.auditDir, storeOptionsFromConfig(paths.dir))
    try {
      store.appendSync(events)
    } finally {
      store.close()
    }
    return undefined
  } catch (e) {
    return `the decision could not be written to the audit log: ${e instanceof Error ? e.message : String(e)}`
  }
}

/** `lookUpVolumes` (exec only): ask the local daemon for the options of named volumes mounted by name (volume-lookup.ts). */
const judge = async (opts: FastOptions, lookUpVolumes = false): Promise<Outcome | number> => {
  const args = opts.dockerArgs
  if (args.length === 0) return usageExit(opts.json, "MISSING_COMMAND", "No docker command provided (usage: sentinel validate -- docker run IMAGE ...)")
  if (args.length === 1 && args[0] === "docker") return usageExit(opts.json, "MISSING_SUBCOMMAND", "docker needs a subcommand, e.g. `docker run IMAGE`")
  const parsed = parseDockerCommand(args, { readFile: (p) => readFileSync(p, "utf8"), cwd: process.cwd() })
  if (parsed._tag === "UsageError") return usageExit(opts.json, "PARSE_ERROR", parsed.message)
  const loaded = loadActivePolicySync({ pinned: opts.policy })
  if (Either.isLeft(loaded)) {
    const msg = loaded.left.message
    if (opts.json) printJsonError("POLICY_ERROR", msg)
    else process.stderr.write(`${c.red("Error", process.stderr)} [POLICY_ERROR]: ${msg}\n`)
    return 2
  }
  const policy = loaded.right.loaded
  const now = new Date()
  const decisionId = newDecisionId(now.getTime())
  const named = lookUpVolumes && (parsed.request.container ?? parsed.request.service?.container)?.mounts.some((m) => m.type === "volume" && m.source !== "") === true
  const request = named ? await (await import("./volume-lookup.ts")).lookUpVolumes(parsed.request, args) : parsed.request
  // the scanner stack is loaded only when a scan gate applies (initialising it costs ~25 ms)
  const gate = needsGate(request, policy)
    ? await (await import("./push-gate.ts")).runCliGate(request, policy, { decisionId, now: now.toISOString() })
    : undefined
  const decision = decide(request, policy, {
    decisionId,
    now: now.toISOString(),
    source: "cli",
    command: parsed.command,
    user: process.env["SUDO_USER"] ?? process.env["USER"],
    scans: gate?.scans,
    extraFindings: gate?.findings
  })
  const auditWarning = opts.noAudit ? undefined : await audit(decision.events)
  return { decision, policy, command: parsed.command, auditWarning, scanReport: gate?.report ?? [], secretsFound: gate?.secretsFound ?? false }
}

/** Does this request need a scan before it can be decided under this policy? (push secrets, require_image_scan) */
export const needsGate = (request: DockerRequest, lp: LoadedPolicy): boolean =>
  (request.action === "image.push" && request.image !== undefined && lp.policy.settings?.secret_scanning?.enabled !== false) ||
  (request.action === "container.create" && lp.policy.settings?.require_image_scan === true && request.container?.image !== undefined)

const levelText = (level: string): string => `[${level.toUpperCase()}]`

const printHuman = (o: Outcome): void => {
  const v = o.decision.verdict
  const out: Array<string> = []
  const name = o.policy.policy.name
  out.push(v.allowed ? c.green("✓ Command ALLOWED") : c.red("✗ Command BLOCKED"))
  out.push(`Risk Score: ${v.score}/100 (max ${v.maxScore}, policy ${name}, mode ${v.mode})`)
  out.push("─".repeat(50))
  if (v.violations.length > 0) {
    out.push(v.allowed ? "Risks Detected (not blocking in this mode):" : "Risks Detected:")
    for (const f of v.violations) {
      const line = `  ${levelText(f.level)} ${f.category}: ${f.message} (${f.rule})`
      out.push(f.level === "critical" || f.level === "high" ? c.red(line) : c.yellow(line))
    }
  }
  if (v.warnings.length > 0) {
    out.push("Warnings:")
    for (const f of v.warnings) out.push(c.yellow(`  ⚠ ${f.message} (${f.rule})`))
  }
  if (!v.allowed && v.violations.length === 0) out.push(`  score ${v.score} exceeds the policy's max_risk_score ${v.maxScore}`)
  if (v.mitigations.length > 0) {
    out.push("Recommended Mitigations:")
    for (const m of v.mitigations) out.push(c.cyan(`  → ${m}`))
  }
  process.stdout.write(`${out.join("\n")}\n`)
}

const jsonData = (o: Outcome) => {
  const v = o.decision.verdict
  const decided = o.decision.events.find((e) => e._tag === "Decided")
  return {
    allowed: v.allowed,
    decision: v.decision,
    risk_score: v.score,
    max_score: v.maxScore,
    command: o.command,
    mode: v.mode,
    policy: { name: o.policy.policy.name, sha256: o.policy.sha256, source: o.policy.source },
    decision_id: decided?.decisionId,
    ...(v.violations.length > 0
      ? { risks: v.violations.map((f) => ({ level: f.level, category: f.category, description: f.message, rule: f.rule })) }
      : {}),
    ...(v.warnings.length > 0 ? { warnings: v.warnings.map((f) => f.message) } : {}),
    ...(v.mitigations.length > 0 ? { mitigations: [...v.mitigations] } : {}),
    ...(o.auditWarning !== undefined ? { audit_warning: o.auditWarning } : {})
  }
}

const HELP = {
  validate: `Usage: sentinel validate [--json] [--policy NAME|PATH] [--no-audit] -- docker <command> [args...]

Decide a docker command line with the active policy (or --policy), without running it.
Exit status: 0 allowed, 1 blocked, 2 usage or parse error. Every decision is recorded in the
audit log (<config dir>/audit) unless --no-audit is given.

  -j, --json        print the JSON envelope {success, timestamp, data|error}
  -p, --policy P    a policy name (config dir policies/ or a built-in template) or a file path
      --no-audit    do not record the decision
`,
  exec: `Usage: sentinel exec [--force] [--policy NAME|PATH] [--no-audit] -- docker <command> [args...]

Validate the command, then run the real docker with the same arguments and return docker's exit
status. A blocked command is not run (exit 1) unless --force is given; the decision is recorded
either way. \`docker push\` is scanned for secrets first.

  -f, --force       run the command even when the policy blocks it (recorded as denied)
  -p, --policy P    a policy name or a file path
      --no-audit    run without recording the decision
`
}

const wantsHelp = (args: ReadonlyArray<string>): boolean => {
  for (const a of args) {
    if (a === "--help" || a === "-h") return true
    if (a === "--" || !a.startsWith("-")) return false
  }
  return false
}

/** `sentinel validate [--json] [--policy P] -- docker …`: exit 0 allowed, 1 blocked, 2 usage/parse error. */
export const validate = async (args: ReadonlyArray<string>): Promise<number> => {
  if (wantsHelp(args)) {
    process.stdout.write(HELP.validate)
    return 0
  }
  const opts = splitArgs(args)
  if ("error" in opts) return usageExit(args.includes("--json") || args.includes("-j"), "INVALID_FLAG", opts.error)
  const o = await judge(opts)
  if (typeof o === "number") return o
  if (opts.json) printJson(jsonData(o), o.decision.verdict.allowed)
  else printHuman(o)
  if (o.auditWarning !== undefined) process.stderr.write(`${c.yellow("warning", process.stderr)}: ${o.auditWarning}\n`)
  return o.decision.verdict.allowed ? 0 : 1
}

/** `sentinel exec [--force] -- docker …`: validate, then run the real docker with inherited stdio. */
export const exec = async (args: ReadonlyArray<string>): Promise<number> => {
  if (wantsHelp(args)) {
    process.stdout.write(HELP.exec)
    return 0
  }
  const opts = splitArgs(args)
  if ("error" in opts) return usageExit(false, "INVALID_FLAG", opts.error)
  const o = await judge(opts, true)
  if (typeof o === "number") return o
  const v = o.decision.verdict
  if (o.auditWarning !== undefined) {
    process.stderr.write(`${c.red("Error", process.stderr)} [AUDIT_ERROR]: ${o.auditWarning}; refusing to run an unaudited command (use --no-audit to run without the audit log)\n`)
    return 1
  }
  if (o.scanReport.length > 0) process.stderr.write(`${o.scanReport.join("\n")}\n`)
  if (!v.allowed && !opts.force) {
    if (o.secretsFound) process.stderr.write(c.red("🔐 SECRETS DETECTED - PUSH BLOCKED\n", process.stderr))
    printHuman(o)
    process.stderr.write(`${c.red("Error", process.stderr)} [VALIDATION_FAILED]: ${o.secretsFound ? "Push blocked: secrets found in image; " : ""}Command blocked due to security policy violations (risk score ${v.score}/100, max allowed ${v.maxScore}; policy ${o.policy.policy.name})\n`)
    return 1
  }
  if (!v.allowed) process.stderr.write(c.yellow(`⚠ running a BLOCKED command because --force was given (decision ${o.decision.events[0]?.decisionId ?? ""} is recorded as denied)\n`, process.stderr))
  else for (const w of v.warnings) process.stderr.write(c.yellow(`⚠ ${w.message} (${w.rule})\n`, process.stderr))
  const { runDocker } = await import("./exec-docker.ts")
  const dockerArgs = opts.dockerArgs[0] === "docker" ? opts.dockerArgs.slice(1) : opts.dockerArgs
  return runDocker(dockerArgs)
}

/** Entry used by bin/sentinel.js for the lean path. */
export const main = async (argv: ReadonlyArray<string>, asDocker: boolean): Promise<void> => {
  let code: number
  try {
    // a bare `docker` only prints docker's help: nothing to judge
    if (asDocker && argv.length === 0) code = await (await import("./exec-docker.ts")).runDocker([])
    else if (asDocker) code = await exec(["--", "docker", ...argv])
    else if (argv[0] === "validate") code = await validate(argv.slice(1))
    else code = await exec(argv.slice(1))
  } catch (e) {
    process.stderr.write(`Error [INTERNAL]: ${e instanceof Error ? e.message : String(e)}\n`)
    code = 1
  }
  process.exitCode = code
}

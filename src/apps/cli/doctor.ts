/**
 * `sentinel doctor [--json]`: checks the things that make Sentinel work or silently not work —
 * the daemon and its engine version (AuthZ body-forwarding CVEs), config and policies, the
 * audit store, scanners, and whether the plugin is running and registered with dockerd.
 */
import { Command, Options } from "@effect/cli"
import { Effect, Either } from "effect"
import { spawnSync } from "node:child_process"
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs"
import { delimiter, join } from "node:path"
import { configPaths, loadConfig } from "../../adapters/config.ts"
import { listPoliciesSync, loadActivePolicySync } from "../../adapters/policy-store/resolve.ts"
import { getJson, socketPathOf } from "../../adapters/docker-api.ts"
import { callPlugin } from "../authz/control.ts"
import { c, printJson } from "./output.ts"

export type CheckStatus = "ok" | "warning" | "error"
export interface Check {
  readonly name: string
  readonly status: CheckStatus
  readonly message: string
  readonly suggestion?: string
}

const ok = (name: string, message: string): Check => ({ name, status: "ok", message })
const warn = (name: string, message: string, suggestion: string): Check => ({ name, status: "warning", message, suggestion })
const err = (name: string, message: string, suggestion: string): Check => ({ name, status: "error", message, suggestion })

const onPath = (bin: string): string | undefined => {
  for (const dir of [...(process.env["PATH"] ?? "").split(delimiter), "/usr/local/bin", "/usr/bin"]) {
    if (dir === "") continue
    const p = join(dir, bin)
    try {
      accessSync(p, constants.X_OK)
      return p
    } catch {
      // next
    }
  }
  return undefined
}

/** Parse "20.10.24+dfsg1" / "27.1.1" into numbers. */
export const parseEngineVersion = (v: string): ReadonlyArray<number> =>
  (v.match(/^(\d+)\.(\d+)\.(\d+)/)?.slice(1) ?? []).map((n) => Number(n))

const atLeast = (v: ReadonlyArray<number>, min: ReadonlyArray<number>): boolean => {
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0
    const b = min[i] ?? 0
    if (a !== b) return a > b
  }
  return true
}

/**
 * Engine versions and the AuthZ bypasses they carry. CVE-2024-41110 (chunked/zero-length bodies
 * not forwarded) is fixed in 23.0.15, 25.0.6, 26.1.5, 27.1.1 and later; Debian backports it into
 * 20.10.24+dfsg1-1+deb12u1. CVE-2026-34040 (bodies ≥ 1 MiB not forwarded) is fixed in 29.3.1.
 */
export const engineAdvice = (version: string): Check => {
  const v = parseEngineVersion(version)
  if (v.length < 3) return warn("Engine version", `could not parse the engine version "${version}"`, "check `docker version`")
  const fixed41110 =
    (v[0] === 23 && atLeast(v, [23, 0, 15])) || (v[0] === 25 && atLeast(v, [25, 0, 6])) ||
    (v[0] === 26 && atLeast(v, [26, 1, 5])) || (v[0] === 27 && atLeast(v, [27, 1, 1])) || (v[0] ?? 0) >= 28
  // the API reports "20.10.24+dfsg1" without the Debian revision, so a backported fix cannot be confirmed
  const debian20 = version.includes("dfsg") && v[0] === 20
  const notes: Array<string> = []
  if (debian20) notes.push("CVE-2024-41110 (chunked bodies reach the daemon unseen) unless the Debian package is 20.10.24+dfsg1-1+deb12u1 or later: check `dpkg -l docker.io`")
  else if (!fixed41110) notes.push("CVE-2024-41110 (chunked bodies reach the daemon unseen)")
  if (!atLeast(v, [29, 3, 1])) notes.push("CVE-2026-34040 (bodies ≥ 1 MiB reach the daemon unseen; Sentinel denies body-less create/exec, but other endpoints are body-blind)")
  if (atLeast(v, [29, 2, 0])) notes.push("native h2c gRPC (BuildKit) bypasses AuthZ entirely since 29.2")
  if (notes.length === 0) return ok("Engine version", `Docker Engine ${version}`)
  return warn("Engine version", `Docker Engine ${version}: ${notes.join("; ")}`, "upgrade the engine; see docs/AUTHZ.md \"Honest limits\"")
}

const dockerCheck = async (dockerHost: string): Promise<ReadonlyArray<Check>> => {
  const host = process.env["DOCKER_HOST"] ?? dockerHost
  try {
    const v = (await getJson(socketPathOf(host), "/version", 3000)) as { Version?: string; ApiVersion?: string }
    return [ok("Docker Daemon", `reachable at ${host} (API ${v.ApiVersion ?? "?"})`), engineAdvice(v.Version ?? "")]
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e)
    const denied = /EACCES|permission denied/i.test(m)
    return [
      err(
        "Docker Daemon",
        `cannot reach ${host}: ${m}`,
        denied ? "run doctor as root or as a member of the docker group" : "start dockerd, or set DOCKER_HOST / authz.docker_host in config.yaml"
      )
    ]
  }
}

export const runDoctor = async (): Promise<ReadonlyArray<Check>> => {
  const paths = configPaths()
  const checks: Array<Check> = []
  const cfg = loadConfig(paths.dir)
  checks.push(...(await dockerCheck(Either.isRight(cfg) ? cfg.right.config.authz.docker_host : "unix:///var/run/docker.sock")))
  if (!existsSync(paths.dir)) checks.push(warn("Configuration Directory", `${paths.dir} does not exist (embedded defaults are used)`, "run `sentinel init`"))
  else {
    const st = statSync(paths.dir)
    if (!st.isDirectory()) checks.push(err("Configuration Directory", `${paths.dir} is not a directory`, "remove it and run `sentinel init`"))
    else if ((st.mode & 0o022) !== 0) checks.push(warn("Configuration Directory", `${paths.dir} is group/world-writable (mode ${(st.mode & 0o777).toString(8)}): anyone who can write a policy there changes enforcement`, `chmod 700 ${paths.dir}`))
    else checks.push(ok("Configuration Directory", paths.dir))
  }
  if (Either.isLeft(cfg)) checks.push(err("Configuration File", cfg.left.message, "fix config.yaml"))
  else if (cfg.right.ignoredKeys.length > 0)
    checks.push(warn("Configuration File", `ignored keys in ${cfg.right.path}: ${cfg.right.ignoredKeys.join(", ")}`, "these settings belong in the policy (see docs/POLICY.md)"))
  else checks.push(ok("Configuration File", cfg.right.exists ? cfg.right.path : "not present (defaults)"))
  const policies = listPoliciesSync(paths.dir)
  const invalid = policies.filter((p) => !p.valid)
  if (invalid.length > 0) checks.push(err("Policies", `${invalid.length} invalid: ${invalid.map((p) => `${p.source} (${p.error ?? "invalid"})`).join("; ")}`, "run `sentinel policy validate NAME`"))
  else checks.push(ok("Policies", `${policies.length} available (${policies.map((p) => p.name).join(", ")})`))
  const active = loadActivePolicySync()
  if (Either.isLeft(active)) checks.push(err("Active Policy", active.left.message, "fix the policy or `sentinel policy use default`"))
  else checks.push(ok("Active Policy", `${active.right.name} (${active.right.loaded.source}, mode ${active.right.loaded.policy.mode ?? "enforce"})`))
  try {
    const { AuditStore } = await import("../../adapters/audit/store.ts")
    if (existsSync(join(paths.auditDir, "audit.db"))) {
      const s = new AuditStore(paths.auditDir)
      s.close()
      checks.push(ok("Audit Store", `${join(paths.auditDir, "audit.db")} opens cleanly`))
    } else checks.push(warn("Audit Store", `no audit database yet in ${paths.auditDir}`, "it is created on the first decision"))
  } catch (e) {
    checks.push(err("Audit Store", `cannot open the audit store: ${e instanceof Error ? e.message : String(e)}`, `check permissions of ${paths.auditDir}`))
  }
  checks.push(ok("Built-in Secret Scanner", "available (needs only the docker CLI)"))
  for (const [name, bin, args] of [["Trivy Scanner", "trivy", ["--version"]], ["Grype Scanner", "grype", ["version"]], ["TruffleHog Scanner", "trufflehog", ["--version"]]] as const) {
    const p = onPath(bin)
    if (p === undefined) checks.push(warn(name, `${bin} not installed`, `install ${bin} to use --scanner ${bin}`))
    else {
      const r = spawnSync(p, [...args], { encoding: "utf8", timeout: 5000 })
      checks.push(ok(name, `${p} ${(r.stdout || r.stderr).split("\n")[0] ?? ""}`.trim()))
    }
  }
  const socket = Either.isRight(cfg) ? cfg.right.config.authz.socket : "/run/docker/plugins/sentinel.sock"
  try {
    const st = (await callPlugin(socket, "GET", "/Sentinel.Status", 2000)) as { policy?: { name?: string }; lastError?: string }
    checks.push(
      st.lastError !== undefined && st.lastError !== null
        ? warn("Authorization Plugin", `running on ${socket}, policy ${st.policy?.name ?? "?"}; last reload failed: ${st.lastError}`, "fix the policy file; the last good policy is still enforced")
        : ok("Authorization Plugin", `running on ${socket}, policy ${st.policy?.name ?? "?"}`)
    )
  } catch (e) {
    checks.push(warn("Authorization Plugin", e instanceof Error ? e.message : String(e), "sudo sentinel authz install --systemd --restart-docker"))
  }
  try {
    const dj = JSON.parse(readFileSync("/etc/docker/daemon.json", "utf8")) as { "authorization-plugins"?: ReadonlyArray<string> }
    if ((dj["authorization-plugins"] ?? []).includes("sentinel")) checks.push(ok("Daemon Registration", "/etc/docker/daemon.json lists sentinel in authorization-plugins"))
    else checks.push(warn("Daemon Registration", "dockerd is not configured to call Sentinel", "sudo sentinel authz install"))
  } catch {
    checks.push(warn("Daemon Registration", "/etc/docker/daemon.json missing or unreadable", "sudo sentinel authz install"))
  }
  return checks
}

export const doctorCommand = Command.make("doctor", { json: Options.boolean("json") }, ({ json }) =>
  Effect.promise(() => runDoctor()).pipe(
    Effect.map((checks) => {
      const summary = {
        total: checks.length,
        passed: checks.filter((x) => x.status === "ok").length,
        warnings: checks.filter((x) => x.status === "warning").length,
        failed: checks.filter((x) => x.status === "error").length
      }
      const healthy = summary.failed === 0
      if (json) printJson({ healthy, checks, summary }, healthy)
      else {
        for (const x of checks) {
          const icon = x.status === "ok" ? c.green("✓") : x.status === "warning" ? c.yellow("⚠") : c.red("✗")
          process.stdout.write(`${icon} ${x.name}\n    ${x.message}\n${x.suggestion !== undefined && x.status !== "ok" ? `    → ${x.suggestion}\n` : ""}`)
        }
        process.stdout.write(`\nPassed: ${summary.passed}  Warnings: ${summary.warnings}  Failed: ${summary.failed}\n`)
      }
      if (!healthy) process.exitCode = 1
    })
  )
).pipe(Command.withDescription("check the daemon, config, policies, audit store, scanners and plugin"))

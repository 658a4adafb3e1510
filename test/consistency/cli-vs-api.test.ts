/**
 * Issue 3: "for every fixture whose `command` is a docker run/create/exec line, the decision from
 * `sentinel validate -- <command>` equals the plugin's decision on the captured create/exec
 * request, under each shipped template".
 *
 * CLI side: the command line split like a shell would (shell-words.ts) → parseDockerCommand.
 * API side: the captured AuthZReq → decodeAuthZRequest, plus the target facts the plugin would have
 * learned from earlier AuthZRes envelopes (corpus.ts decodeCorpus, in capture order), with the
 * daemon's `User`. Both evaluated by the same `evaluate` under every shipped template; compared on
 * allowed, outcome, score and the sorted set of rule ids of counted findings — nothing ignored.
 * A sample is also run through the built CLI (`node bin/sentinel.js validate --json`).
 */
import { execFile, execFileSync } from "node:child_process"
import { existsSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"
import { decodeAuthZRequest, decodeAuthZResponse } from "../../src/adapters/engine-api/decode.ts"
import { evaluate } from "../../src/domain/decide-impl.ts"
import type { DockerRequest } from "../../src/domain/request.ts"
import { decodeCorpus, loadTemplates, REPO, shippedTemplateNames, summarize, TEMPLATES } from "./corpus.ts"
import { shellWords } from "./shell-words.ts"

/**
 * Commands that need a file which existed only on the capture host. The parser is given no file
 * access (every read fails), so each of these must fail with exactly this error; anything else
 * that fails to parse is a test failure, not a silent skip.
 */
const EXCLUDED: Record<string, { readonly reason: string; readonly error: RegExp }> = {
  "094": {
    reason: "--env-file /srv/cap/work/secrets.env: the env file was on the capture host and is not part of the fixtures",
    error: /^--env-file: cannot read \/srv\/cap\/work\/secrets\.env/
  }
}

const noFiles = { readFile: (p: string): string => { throw new Error(`${p} existed only on the capture host`) } }
const CREATE = "POST /containers/create"
const EXEC = "POST /containers/{name:.*}/exec"

interface Case {
  readonly id: string
  readonly file: string
  readonly command: string
  readonly argv: ReadonlyArray<string>
  readonly api: DockerRequest
  readonly user: string | undefined
}

const corpus = decodeCorpus()
const cases: Array<Case> = []
for (const { file, fx, decoded, request } of corpus) {
  if (!fx.command.startsWith("docker ") || (decoded.meta.route !== CREATE && decoded.meta.route !== EXEC)) continue
  const argv = shellWords(fx.command)
  if (argv[0] === "docker") cases.push({ id: file.slice(0, 3), file, command: fx.command, argv, api: request, user: decoded.meta.user })
}

const policies = loadTemplates()
const compared = cases.filter((c) => EXCLUDED[c.id] === undefined)
const cliRequest = (c: Case): DockerRequest => {
  const p = parseDockerCommand(c.argv, noFiles)
  if (p._tag !== "Parsed") throw new Error(`${c.file}: ${p.message}`)
  return p.request
}

describe("the fixture corpus for CLI/API parity", () => {
  it("covers every shipped template", () => expect([...TEMPLATES].sort()).toEqual(shippedTemplateNames()))
  it("has the docker run/create/exec captures, including exec and TLS-authenticated ones", () => {
    expect(cases.length).toBe(112)
    expect(cases.filter((c) => c.api.action === "container.exec").length).toBeGreaterThanOrEqual(10)
    expect(cases.filter((c) => c.user !== undefined).map((c) => c.id)).toEqual(["512", "513", "519"])
    // the exec target `web` is known to the plugin from the AuthZRes of its create (fixture 012)
    expect(cases.find((c) => c.id === "195")?.api.targetFacts?.privileged).toBe(false)
  })
  it("each CLI line parses into the action of its captured request, except the listed exclusions", () => {
    for (const c of cases) {
      const p = parseDockerCommand(c.argv, noFiles)
      const ex = EXCLUDED[c.id]
      if (ex !== undefined) {
        expect(p._tag, `${c.file} is excluded: ${ex.reason}`).toBe("UsageError")
        expect(p._tag === "UsageError" ? p.message : "").toMatch(ex.error)
        continue
      }
      expect(p._tag, `${c.file}: ${p._tag === "UsageError" ? p.message : ""}`).toBe("Parsed")
      if (p._tag === "Parsed") expect(p.request.action, c.file).toBe(c.api.action)
    }
    expect(Object.keys(EXCLUDED).every((id) => cases.some((c) => c.id === id))).toBe(true)
  })
})

describe("sentinel validate -- <command> decides as the plugin does on the captured request", () => {
  for (const t of TEMPLATES) {
    it(`under the ${t} template`, () => {
      const diffs: Array<string> = []
      for (const c of compared) {
        // the CLI has no daemon-authenticated identity; the plugin uses the envelope's User
        const cli = summarize(evaluate(cliRequest(c), policies[t]))
        const api = summarize(evaluate(c.api, policies[t], { user: c.user }))
        if (JSON.stringify(cli) !== JSON.stringify(api)) {
          diffs.push(`${c.file}\n  cli ${JSON.stringify(cli)}\n  api ${JSON.stringify(api)}`)
        }
      }
      expect(diffs.join("\n")).toBe("")
    })
  }
})

/**
 * `docker run` is more than its create: the CLI also attaches, starts and waits. When validate
 * allows the command line, the plugin must allow every request of that invocation too (the
 * attach is judged with the facts learned from the create), or `docker run` fails half-way.
 */
describe("a command line validate allows is allowed by the plugin end to end", () => {
  const invocations = new Map<string, Array<(typeof corpus)[number]>>()
  for (const f of corpus) {
    if (!compared.some((c) => c.command === f.fx.command) || f.decoded.meta.readOnly) continue
    invocations.set(f.fx.command, [...(invocations.get(f.fx.command) ?? []), f])
  }
  for (const t of TEMPLATES) {
    it(`every request of the captured invocations under ${t}`, () => {
      const bad: Array<string> = []
      for (const c of compared) {
        if (!evaluate(cliRequest(c), policies[t]).allowed) continue
        for (const f of invocations.get(c.command) ?? []) {
          const v = evaluate(f.request, policies[t], { user: f.decoded.meta.user })
          if (!v.allowed) bad.push(`${f.file}: ${v.violations.map((x) => x.rule).join(",")}`)
        }
      }
      expect(bad).toEqual([])
    })
  }
  it("docker run with a bind the policy allows is not refused at its attach (exec-into-host-mounted only counts mounts the policy refuses)", () => {
    // the real create of `docker create -v /srv/cap/work:/w:ro` and its AuthZRes; the attach of
    // fixture 009 re-targeted at that container (what `docker run` without -d sends next)
    const create = corpus.find((f) => f.file.startsWith("058-"))
    const attach = corpus.find((f) => f.file.startsWith("009-"))
    const learned = create?.fx.res === undefined ? {} : decodeAuthZResponse(create.fx.res)
    expect(learned.container?.facts.hostMounts).toEqual(["/srv/cap/work"])
    const id = learned.container?.facts.id ?? ""
    const uri = String(attach?.fx.req["RequestUri"]).replace(/containers\/[0-9a-f]{64}\//, `containers/${id}/`)
    const req = decodeAuthZRequest({ ...attach?.fx.req, RequestUri: uri }).request
    expect(req.target).toBe(id)
    const argv = ["docker", "run", "--rm", "-v", "/srv/cap/work:/w:ro", "busybox:local", "ls", "/w"]
    const p = parseDockerCommand(argv, noFiles)
    if (p._tag !== "Parsed" || learned.container === undefined) throw new Error("setup")
    for (const t of TEMPLATES) {
      const cli = evaluate(p.request, policies[t]).allowed
      const plugin = evaluate(create?.request ?? req, policies[t]).allowed && evaluate({ ...req, targetFacts: learned.container.facts }, policies[t]).allowed
      expect(plugin, t).toBe(cli)
    }
    // and a target with the host root or the Docker socket mounted still is an escalation
    for (const hostMounts of [["/"], ["/var/run/docker.sock"], ["/etc"]]) {
      const v = evaluate({ ...req, targetFacts: { ...learned.container.facts, hostMounts } }, policies.default)
      expect(v.violations.map((f) => f.rule), hostMounts[0]).toEqual(["api.exec-into-privileged"])
    }
  })
})

// ---- the real, built CLI on a sample -------------------------------------------------------

interface CliJson {
  readonly data: {
    readonly allowed: boolean
    readonly decision: string
    readonly risk_score: number
    readonly risks?: ReadonlyArray<{ readonly rule: string }>
    readonly warnings?: ReadonlyArray<string>
  }
}

const runCli = (configDir: string, template: string, argv: ReadonlyArray<string>): Promise<{ code: number; json: CliJson }> =>
  new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, SENTINEL_CONFIG_DIR: configDir, NO_COLOR: "1" }
    // validate passes $SUDO_USER/$USER to the decision; the plugin over the unix socket has no user
    delete env["USER"]
    delete env["SUDO_USER"]
    const args = [join(REPO, "bin", "sentinel.js"), "validate", "--json", "--no-audit", "--policy", template, "--", ...argv]
    execFile(process.execPath, args, { env, cwd: configDir, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1
      try {
        resolve({ code, json: JSON.parse(stdout) as CliJson })
      } catch {
        reject(new Error(`sentinel validate ${argv.join(" ")} (exit ${code}) printed no JSON: ${stdout}${stderr}`))
      }
    })
  })

/** 20 cases spread over the corpus (both actions, TLS-captured lines, benign and hostile). */
const SAMPLE = ["008", "015", "030", "035", "040", "046", "060", "067", "073", "084", "086", "093", "102", "132", "150", "154", "199", "211", "512", "519"]

describe("the built CLI (node bin/sentinel.js validate --json) gives the in-process answer", () => {
  beforeAll(() => {
    if (!existsSync(join(REPO, "dist", "fast.js"))) execFileSync(process.execPath, ["build.mjs"], { cwd: REPO, stdio: "ignore" })
  }, 120_000)

  it("on 20 captured commands, each under default and one other template (all templates covered)", async () => {
    const configDir = mkdtempSync(join(tmpdir(), "sentinel-consistency-cli-"))
    const sample = SAMPLE.map((id) => compared.find((c) => c.id === id))
    expect(sample.every((c) => c !== undefined)).toBe(true)
    const others = TEMPLATES.filter((t) => t !== "default")
    const jobs = sample.flatMap((c, i) => (c === undefined ? [] : [{ c, t: "default" as const }, { c, t: others[i % others.length] ?? "strict" }]))
    const diffs: Array<string> = []
    for (let i = 0; i < jobs.length; i += 4) {
      await Promise.all(jobs.slice(i, i + 4).map(async ({ c, t }) => {
        const { code, json } = await runCli(configDir, t, c.argv)
        const v = evaluate(cliRequest(c), policies[t])
        const api = summarize(evaluate(c.api, policies[t], { user: c.user }))
        const got = {
          code,
          allowed: json.data.allowed,
          decision: json.data.decision,
          score: json.data.risk_score,
          violations: (json.data.risks ?? []).map((r) => r.rule).sort(),
          warnings: [...(json.data.warnings ?? [])].sort()
        }
        const want = {
          code: v.allowed ? 0 : 1,
          allowed: api.allowed,
          decision: api.decision,
          score: api.score,
          violations: v.violations.map((f) => f.rule).sort(),
          warnings: v.warnings.map((f) => f.message).sort()
        }
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          diffs.push(`${c.file} [${t}]\n  bin ${JSON.stringify(got)}\n  want ${JSON.stringify(want)} (if src changed: node build.mjs)`)
        }
      }))
    }
    expect(diffs.join("\n")).toBe("")
  }, 120_000)
})

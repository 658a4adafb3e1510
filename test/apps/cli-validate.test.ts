/**
 * `sentinel validate` run as a user would: the built bin/sentinel, a fresh config dir, NO_COLOR.
 * Exit codes, the original's JSON envelope, --policy by name and path, and the human output.
 */
import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { ANSI, BIN, REPO, RFC3339_UTC, cliEnv, ensureBuilt, envelope, sentinel, tempDir, type Envelope } from "./cli-helpers.ts"

interface Risk { level: string; category: string; description: string; rule: string }
interface Data {
  allowed: boolean
  decision: string
  risk_score: number
  max_score: number
  command: string
  mode: string
  policy: { name: string; sha256: string; source: string }
  decision_id: string
  risks?: Array<Risk>
  warnings?: Array<string>
  mitigations?: Array<string>
}

const shippedMax = (name: string): number =>
  (parse(readFileSync(join(REPO, "policies", `${name}.yaml`), "utf8")) as { settings: { max_risk_score: number } }).settings.max_risk_score

const validateJson = async (args: ReadonlyArray<string>, configDir?: string) => {
  const r = await sentinel(["validate", "--json", ...args], configDir === undefined ? {} : { configDir })
  const empty: Envelope<Data> = { success: false, timestamp: "" }
  return { ...r, env: r.out === "" ? empty : envelope<Data>(r.out) }
}

beforeAll(ensureBuilt, 120_000)

describe("sentinel validate: exit codes", () => {
  it("0 for an allowed command, 1 for a blocked one", async () => {
    expect((await sentinel(["validate", "--", "docker", "run", "--rm", "nginx:1.25"])).code).toBe(0)
    expect((await sentinel(["validate", "--", "docker", "run", "--privileged", "ubuntu"])).code).toBe(1)
    // the `--` is optional and a leading `docker` too
    expect((await sentinel(["validate", "run", "--privileged", "ubuntu"])).code).toBe(1)
  })

  it.each([
    ["no docker command", [], "MISSING_COMMAND"],
    ["`docker` alone", ["docker"], "MISSING_SUBCOMMAND"],
    ["a docker parse error (run without an image)", ["docker", "run"], "PARSE_ERROR"],
    ["an unknown docker flag", ["docker", "run", "--frobnicate", "nginx"], "PARSE_ERROR"],
    ["a flag missing its value", ["docker", "run", "-e"], "PARSE_ERROR"]
  ])("2 for %s, with the code in the human and the JSON error", async (_, dockerArgs, code) => {
    const human = await sentinel(["validate", "--", ...dockerArgs])
    expect(human.code).toBe(2)
    expect(human.out).toBe("")
    expect(human.err).toContain(`Error [${code}]:`)
    const json = await sentinel(["validate", "--json", "--", ...dockerArgs])
    expect(json.code).toBe(2)
    expect(json.out).toBe("")
    const e = envelope<Data>(json.err)
    expect(Object.keys(e).sort()).toEqual(["error", "success", "timestamp"])
    expect(e.success).toBe(false)
    expect(e.timestamp).toMatch(RFC3339_UTC)
    expect(e.error?.code).toBe(code)
    expect(typeof e.error?.message).toBe("string")
    expect(e.error?.message.length).toBeGreaterThan(10)
  })

  it("2 for an unknown sentinel flag, naming it", async () => {
    const r = await sentinel(["validate", "--bogus", "--", "docker", "ps"])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/INVALID_FLAG.*unknown flag --bogus/)
    const j = await sentinel(["validate", "--json", "--bogus", "--", "docker", "ps"])
    expect(j.code).toBe(2)
    expect(envelope(j.err).error).toMatchObject({ code: "INVALID_FLAG" })
  })

  it("2 for a --policy that names no policy, or without its value", async () => {
    const r = await validateJson(["--policy", "no-such-policy", "--", "docker", "ps"])
    expect(r.code).toBe(2)
    expect(r.out).toBe("")
    const e = envelope(r.err)
    expect(e.error?.code).toBe("POLICY_ERROR")
    expect(e.error?.message).toContain("no-such-policy")
    expect(e.error?.message).toContain("default") // lists what is available
    const missing = await sentinel(["validate", "--policy"])
    expect(missing.code).toBe(2)
    expect(missing.err).toContain("--policy needs")
  })

  it("2 for a --policy file that is not a valid policy, naming the problem", async () => {
    const dir = tempDir("badpol")
    const file = join(dir, "bad.yaml")
    writeFileSync(file, "name: bad\nmode: sideways\n")
    const r = await sentinel(["validate", "--policy", file, "--", "docker", "ps"])
    expect(r.code).toBe(2)
    expect(r.err).toContain(file)
    expect(r.err).toContain("mode")
  })
})

describe("sentinel validate --json: the original's envelope", () => {
  it("a blocked command: success=false, data with risks, warnings and mitigations", async () => {
    const { code, out, err, env } = await validateJson(["--", "docker", "run", "--privileged", "-e", "DB_PASSWORD=hunter2", "ubuntu"])
    expect(code).toBe(1)
    expect(err).toBe("")
    expect(out.startsWith('{\n  "success": false,')).toBe(true) // two-space indent, key order of the original
    expect(Object.keys(env).sort()).toEqual(["data", "success", "timestamp"])
    expect(env.success).toBe(false)
    expect(env.timestamp).toMatch(RFC3339_UTC)
    expect(Math.abs(Date.parse(env.timestamp) - Date.now())).toBeLessThan(60_000)
    const d = env.data!
    expect(Object.keys(d).sort()).toEqual(
      ["allowed", "command", "decision", "decision_id", "max_score", "mitigations", "mode", "policy", "risk_score", "risks", "warnings"]
    )
    expect(d.allowed).toBe(false)
    expect(d.decision).toBe("denied")
    expect(d.risk_score).toBe(40)
    expect(d.max_score).toBe(shippedMax("default"))
    expect(d.command).toMatch(/^docker run --privileged -e DB_PASSWORD=\*+ ubuntu$/) // secret value redacted
    expect(out).not.toContain("hunter2")
    expect(d.policy).toMatchObject({ name: "default", source: "builtin:default" })
    expect(d.policy.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(d.decision_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(d.risks).toEqual([
      { level: "critical", category: "container_escape", description: "Privileged mode grants full host capabilities", rule: "runtime.privileged" }
    ])
    for (const r of d.risks!) expect(Object.keys(r).sort()).toEqual(["category", "description", "level", "rule"])
    expect(d.warnings).toEqual(["Potential secret in environment: DB_PASSWORD"])
    expect(d.mitigations?.length).toBeGreaterThanOrEqual(2)
    for (const m of d.mitigations!) expect(typeof m).toBe("string")
  })

  it("an allowed command: success=true and the empty lists omitted", async () => {
    const { code, env } = await validateJson(["--", "docker", "run", "--rm", "nginx:1.25"])
    expect(code).toBe(0)
    expect(env.success).toBe(true)
    expect(env.data).toMatchObject({ allowed: true, decision: "allowed", risk_score: 0, command: "docker run --rm nginx:1.25" })
    expect(env.data).not.toHaveProperty("risks")
    expect(env.data).not.toHaveProperty("warnings")
    expect(env.data).not.toHaveProperty("mitigations")
  })

  it("-j is --json; a command given without a leading docker is shown as a docker command", async () => {
    const { code, env } = await validateJson(["--", "ps", "-a"])
    expect(code).toBe(0)
    expect(env.data?.command).toBe("docker ps -a")
    const j = await sentinel(["validate", "-j", "--", "docker", "ps"])
    expect(envelope<Data>(j.out).data?.command).toBe("docker ps")
  })
})

describe("sentinel validate: the push secret gate", () => {
  it("docker push fails closed (blocked, scanning.unavailable) when the image cannot be scanned", async () => {
    const r = await sentinel(["validate", "--json", "--", "docker", "push", "registry.example.com/app:1"], {
      env: { DOCKER_HOST: "unix:///nonexistent-sentinel-test/docker.sock" }
    })
    expect(r.code).toBe(1)
    const d = envelope<Data>(r.out).data
    expect(d?.allowed).toBe(false)
    expect(d?.risks?.map((x) => x.rule)).toContain("scanning.unavailable")
    expect(d?.risks?.find((x) => x.rule === "scanning.unavailable")?.description).toContain("registry.example.com/app:1")
  })
})

describe("sentinel validate --policy", () => {
  it("by name: the shipped template, its max_risk_score as max_score", async () => {
    for (const name of ["strict", "ci-cd", "development", "permissive"]) {
      const { env } = await validateJson(["--policy", name, "--", "docker", "run", "--rm", "nginx:1.25"])
      expect(env.data?.policy.name).toBe(name)
      expect(env.data?.max_score).toBe(shippedMax(name))
    }
    const strict = await validateJson(["--policy=strict", "--", "docker", "run", "--rm", "nginx:1.25"])
    expect(strict.code).toBe(1) // strict wants non-root, limits, digests...
    expect(strict.env.data?.risks?.length).toBeGreaterThan(3)
  })

  it("by path: a policy file anywhere, its own max_risk_score; the score alone can block", async () => {
    const dir = tempDir("pol")
    const file = join(dir, "tight.yaml")
    writeFileSync(file, "name: tight\nmode: enforce\nsettings:\n  max_risk_score: 5\nrules:\n  privileged:\n    action: warn\n")
    const { code, env } = await validateJson(["--policy", file, "--", "docker", "run", "--privileged", "nginx:1.25"])
    expect(code).toBe(1)
    expect(env.data).toMatchObject({ allowed: false, max_score: 5, risk_score: 40, policy: { name: "tight", source: file } })
    expect(env.data).not.toHaveProperty("risks") // a warning, not a violation: blocked by score > max
    expect(env.data?.warnings).toEqual(["Privileged mode grants full host capabilities"])
    const human = await sentinel(["validate", "--policy", file, "--", "docker", "run", "--privileged", "nginx:1.25"])
    expect(human.out).toContain("score 40 exceeds the policy's max_risk_score 5")
  })

  it("a warn-mode policy allows (exit 0) but still reports the risks", async () => {
    const file = join(tempDir("warnpol"), "w.yaml")
    writeFileSync(file, "name: w\nmode: warn\nsettings:\n  max_risk_score: 10\nrules:\n  privileged:\n    action: block\n")
    const args = ["--policy", file, "--", "docker", "run", "--privileged", "ubuntu"]
    const { code, env } = await validateJson(args)
    expect(code).toBe(0)
    expect(env.success).toBe(true)
    expect(env.data).toMatchObject({ mode: "warn", decision: "warned", allowed: true, max_score: 10 })
    expect(env.data?.risks?.map((r) => r.rule)).toEqual(["runtime.privileged"])
    const human = await sentinel(["validate", ...args])
    expect(human.code).toBe(0)
    expect(human.out).toMatch(/ALLOWED[\s\S]*Risks Detected \(not blocking in this mode\):\n {2}\[CRITICAL\]/)
  })

  it("without --policy: the config's active_policy, else the embedded default", async () => {
    const dir = tempDir("active")
    expect((await validateJson(["--", "docker", "ps"], dir)).env.data?.policy).toMatchObject({ name: "default", source: "builtin:default" })
    writeFileSync(join(dir, "config.yaml"), "active_policy: strict\n", { mode: 0o600 })
    expect((await validateJson(["--", "docker", "ps"], dir)).env.data?.policy).toMatchObject({ name: "strict", source: "builtin:strict" })
  })
})

describe("sentinel validate: human output", () => {
  it("BLOCKED with the score, each risk with its level, and → mitigations", async () => {
    const r = await sentinel(["validate", "--", "docker", "run", "--privileged", "-v", "/:/host", "ubuntu"])
    expect(r.code).toBe(1)
    const lines = r.out.split("\n")
    expect(lines[0]).toBe("✗ Command BLOCKED")
    expect(lines[1]).toMatch(/^Risk Score: (\d+)\/100 \(max 50, policy default, mode enforce\)$/)
    expect(r.out).toContain("Risks Detected:")
    expect(r.out).toMatch(/^ {2}\[CRITICAL\] container_escape: Privileged mode grants full host capabilities \(runtime\.privileged\)$/m)
    expect(r.out).toMatch(/^ {2}\[CRITICAL\] data_exposure: .*root filesystem.* \(mounts\.blocked\)$/m)
    expect(r.out).toMatch(/^ {2}→ Remove volume mount: \/$/m)
    expect(r.out).toContain("Recommended Mitigations:")
    expect(r.out).toMatch(/^ {2}→ Remove --privileged flag/m)
    expect(r.out).not.toMatch(ANSI)
  })

  it("ALLOWED with Risk Score 0/100", async () => {
    const r = await sentinel(["validate", "--", "docker", "run", "--rm", "nginx:1.25"])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^✓ Command ALLOWED\nRisk Score: 0\/100 /)
    expect(r.err).toBe("")
  })

  it("no ANSI colour when piped even without NO_COLOR", async () => {
    const r = await sentinel(["validate", "--", "docker", "run", "--privileged", "ubuntu"], { env: { NO_COLOR: undefined } })
    expect(r.out).toContain("BLOCKED")
    expect(r.out).not.toMatch(ANSI)
    const e = await sentinel(["validate", "--", "docker"], { env: { NO_COLOR: undefined } })
    expect(e.err).not.toMatch(ANSI)
  })

  const hasScript = spawnSync("sh", ["-c", "command -v script"]).status === 0
  it.skipIf(!hasScript)("colour on a TTY, never with NO_COLOR", () => {
    const onTty = (noColor: boolean): string => {
      const env = cliEnv(tempDir("tty"), { NO_COLOR: noColor ? "1" : undefined, TERM: "xterm" })
      const r = spawnSync("script", ["-qec", `${BIN} validate --no-audit -- docker run --privileged ubuntu`, "/dev/null"], { env, encoding: "utf8", timeout: 20_000 })
      return r.stdout
    }
    const coloured = onTty(false)
    expect(coloured).toContain("BLOCKED")
    expect(coloured).toMatch(ANSI)
    const plain = onTty(true)
    expect(plain).toContain("BLOCKED")
    expect(plain).not.toMatch(ANSI)
  })
})

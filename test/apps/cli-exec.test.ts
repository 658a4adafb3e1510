/**
 * `sentinel exec` and the `docker` wrapper name, run as a user would, with a fake `docker` first
 * on PATH that records its argv and exits with a chosen code.
 */
import Database from "better-sqlite3"
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { BIN, BIN_JS, ensureBuilt, fakeDocker, recordedCalls, sentinel, tempDir, type RunOptions } from "./cli-helpers.ts"

const PATH = process.env["PATH"] ?? "/usr/bin:/bin"
const withPath = (dirs: ReadonlyArray<string>, o: RunOptions = {}): RunOptions => ({ ...o, env: { ...o.env, PATH: [...dirs, PATH].join(":") } })
const calls = (argvFile: string) => (existsSync(argvFile) ? recordedCalls(readFileSync(argvFile, "utf8")) : [])

const decisions = (configDir: string): ReadonlyArray<{ source: string; decision: string; command: string }> => {
  const db = new Database(join(configDir, "audit", "audit.db"), { readonly: true })
  try {
    return db.prepare("SELECT source, decision, command FROM decisions ORDER BY position").all() as Array<{ source: string; decision: string; command: string }>
  } finally {
    db.close()
  }
}

beforeAll(ensureBuilt, 120_000)

describe("sentinel exec", () => {
  it.each([
    ["bin/sentinel", false],
    ["node bin/sentinel.js", true]
  ])("%s: an allowed command runs docker with the same args and returns docker's exit code", async (_, plain) => {
    const fake = fakeDocker(3)
    const cfg = tempDir("exec")
    const r = await sentinel(["exec", "--", "docker", "run", "--rm", "nginx:1.25", "sh", "-c", "echo a  b"], withPath([fake.dir], { configDir: cfg, plain }))
    expect(r.code).toBe(3)
    expect(calls(fake.argvFile)).toEqual([["run", "--rm", "nginx:1.25", "sh", "-c", "echo a  b"]])
    // stdio is inherited: docker's own output reaches the user unchanged
    expect(r.out).toBe("fake docker stdout: run --rm nginx:1.25 sh -c echo a  b\n")
    expect(r.err).toBe("fake docker stderr\n")
    expect(decisions(cfg)).toEqual([{ source: "cli", decision: "allowed", command: "docker run --rm nginx:1.25 sh -c 'echo a  b'" }])
  })

  it("exit 0 from docker is exit 0; a command without the leading docker is run as is", async () => {
    const fake = fakeDocker(0)
    const r = await sentinel(["exec", "--", "ps", "-a"], withPath([fake.dir]))
    expect(r.code).toBe(0)
    expect(calls(fake.argvFile)).toEqual([["ps", "-a"]])
  })

  it("docker killed by a signal: 128 + the signal number", async () => {
    const fake = fakeDocker(0)
    const r = await sentinel(["exec", "--", "docker", "ps"], withPath([fake.dir], { env: { FAKE_DOCKER_KILL: "1" } }))
    expect(r.code).toBe(128 + 15)
  })

  it("a blocked command does not run docker and exits 1 with the reasons", async () => {
    const fake = fakeDocker(3)
    const cfg = tempDir("blocked")
    const r = await sentinel(["exec", "--", "docker", "run", "--privileged", "ubuntu"], withPath([fake.dir], { configDir: cfg }))
    expect(r.code).toBe(1)
    expect(existsSync(fake.argvFile)).toBe(false)
    expect(r.out).toContain("✗ Command BLOCKED")
    expect(r.out).toContain("[CRITICAL] container_escape")
    expect(r.err).toMatch(/Error \[VALIDATION_FAILED\]: Command blocked due to security policy violations \(risk score 40\/100, max allowed 50; policy default\)/)
    expect(decisions(cfg)).toEqual([{ source: "cli", decision: "denied", command: "docker run --privileged ubuntu" }])
  })

  it("--force runs a blocked command anyway, says so, and the audit records it as denied", async () => {
    const fake = fakeDocker(5)
    const cfg = tempDir("force")
    for (const flag of ["--force", "-f"]) {
      const r = await sentinel(["exec", flag, "--", "docker", "run", "--privileged", "ubuntu"], withPath([fake.dir], { configDir: cfg }))
      expect(r.code).toBe(5)
      expect(r.err).toMatch(/running a BLOCKED command because --force was given \(decision [0-9a-f-]{36} is recorded as denied\)/)
    }
    expect(calls(fake.argvFile)).toEqual([
      ["run", "--privileged", "ubuntu"],
      ["run", "--privileged", "ubuntu"]
    ])
    expect(decisions(cfg).map((d) => d.decision)).toEqual(["denied", "denied"])
  })

  it("usage errors exit 2 and run nothing", async () => {
    const fake = fakeDocker(0)
    for (const args of [["exec"], ["exec", "--", "docker"], ["exec", "--", "docker", "run"], ["exec", "--bogus", "--", "docker", "ps"]]) {
      const r = await sentinel(args, withPath([fake.dir]))
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/Error \[[A-Z_]+\]/)
    }
    expect(existsSync(fake.argvFile)).toBe(false)
  })

  it("refuses to run an unaudited command when the audit store cannot be written (unless --no-audit)", async () => {
    const fake = fakeDocker(0)
    const cfg = tempDir("noaudit")
    writeFileSync(join(cfg, "audit"), "not a directory")
    const r = await sentinel(["exec", "--", "docker", "ps"], withPath([fake.dir], { configDir: cfg }))
    expect(r.code).toBe(1)
    expect(r.err).toContain("AUDIT_ERROR")
    expect(existsSync(fake.argvFile)).toBe(false)
    const ok = await sentinel(["exec", "--no-audit", "--", "docker", "ps"], withPath([fake.dir], { configDir: cfg }))
    expect(ok.code).toBe(0)
    expect(calls(fake.argvFile)).toEqual([["ps"]])
  })
})

describe("sentinel installed as `docker` (the wrapper method)", () => {
  /** a dir with `docker` -> the launcher, as `ln -sf $(command -v sentinel) /usr/local/bin/docker` makes */
  const wrapperDir = (target: string): string => {
    const dir = tempDir("wrapper")
    symlinkSync(target, join(dir, "docker"))
    return dir
  }

  it.each([
    ["bin/sentinel (startup snapshot)", BIN],
    ["bin/sentinel.js (plain bundle)", BIN_JS]
  ])("%s: runs the next docker on PATH, never itself", async (_, target) => {
    const wrapper = wrapperDir(target)
    const fake = fakeDocker(4)
    const cfg = tempDir("wrap")
    const r = await sentinel(["run", "--rm", "nginx:1.25"], withPath([wrapper, fake.dir], { configDir: cfg, file: join(wrapper, "docker"), timeoutMs: 15_000 }))
    expect(r.code).toBe(4)
    expect(calls(fake.argvFile)).toEqual([["run", "--rm", "nginx:1.25"]])
    expect(decisions(cfg)).toEqual([{ source: "cli", decision: "allowed", command: "docker run --rm nginx:1.25" }])
    const blocked = await sentinel(["run", "--privileged", "ubuntu"], withPath([wrapper, fake.dir], { configDir: cfg, file: join(wrapper, "docker"), timeoutMs: 15_000 }))
    expect(blocked.code).toBe(1)
    expect(blocked.err).toContain("VALIDATION_FAILED")
    expect(calls(fake.argvFile)).toHaveLength(1)
  })

  it("a bare `docker` just runs docker (its help), nothing to judge", async () => {
    const wrapper = wrapperDir(BIN)
    const fake = fakeDocker(0)
    const r = await sentinel([], withPath([wrapper, fake.dir], { file: join(wrapper, "docker"), timeoutMs: 15_000 }))
    expect(r.code).toBe(0)
    expect(calls(fake.argvFile)).toEqual([[]])
  })

  it("a second link to the launcher further down PATH is skipped too", async () => {
    const first = wrapperDir(BIN)
    const second = wrapperDir(BIN_JS)
    const fake = fakeDocker(6)
    const r = await sentinel(["version"], withPath([first, second, fake.dir], { file: join(first, "docker"), timeoutMs: 15_000 }))
    expect(r.code).toBe(6)
    expect(calls(fake.argvFile)).toEqual([["version"]])
  })

  it("prefers docker-real (where the wrapper install moves the real binary) over docker on PATH", async () => {
    const wrapper = wrapperDir(BIN)
    const real = fakeDocker(7, "docker-real")
    const other = fakeDocker(8)
    const r = await sentinel(["ps"], withPath([wrapper, other.dir, real.dir], { file: join(wrapper, "docker"), timeoutMs: 15_000 }))
    expect(r.code).toBe(7)
    expect(r.out).toBe("fake docker-real stdout: ps\n")
    expect(calls(real.argvFile)).toEqual([["ps"]])
    expect(existsSync(other.argvFile)).toBe(false)
    // `sentinel exec` uses the same lookup
    const e = await sentinel(["exec", "--", "docker", "ps"], withPath([other.dir, real.dir]))
    expect(e.code).toBe(7)
  })

  it("a non-executable docker-real is not used", async () => {
    const real = fakeDocker(7, "docker-real")
    chmodSync(join(real.dir, "docker-real"), 0o644)
    const other = fakeDocker(8)
    const r = await sentinel(["exec", "--", "docker", "ps"], withPath([real.dir, other.dir]))
    expect(r.code).toBe(8)
  })
})

/** The runner against fake scanner executables (test/fixtures/fake-scanners/<mode>/trivy). */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { trivy } from "../../scanners/trivy.ts"
import { findExecutable, runAdapter } from "../../src/adapters/scan/runner.ts"

const FAKES = join(process.cwd(), "test/fixtures/fake-scanners")
const dir = (mode: string) => join(FAKES, mode)
const run = (mode: string, timeoutMs = 10_000) =>
  runAdapter(trivy, "app:1", { timeoutMs, path: dir(mode), backoffMs: 20, retries: 2 }).pipe(Effect.provide(NodeContext.layer))
const state = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] ?? "?"
  } catch {
    return "gone"
  }
}
/** running = exists and not a zombie (a killed grandchild may wait for init to reap it) */
const alive = (pid: number): boolean => {
  if (state(pid) === "Z") return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe("scan runner", () => {
  it.live("success: parses output, reads the version, passes the command line", () =>
    Effect.gen(function* () {
      const argsFile = join(mkdtempSync(join(tmpdir(), "sentinel-runner-")), "args")
      process.env["FAKE_ARGS"] = argsFile
      const r = yield* run("ok")
      delete process.env["FAKE_ARGS"]
      expect(r.version).toBe("0.99.0-fake")
      expect(r.attempts).toBe(1)
      expect(r.findings.map((f) => [f.id, f.severity])).toEqual([["CVE-2024-9999", "critical"], ["CVE-2024-9998", "high"]])
      expect(readFileSync(argsFile, "utf8").trim()).toBe("image --format json --quiet --list-all-pkgs=false --scanners vuln app:1")
    }))

  it.live("slow past the timeout: Timeout error, and the process group is gone", () =>
    Effect.gen(function* () {
      const pidFile = join(mkdtempSync(join(tmpdir(), "sentinel-runner-")), "pids")
      process.env["FAKE_PIDFILE"] = pidFile
      const started = Date.now()
      const e = yield* Effect.flip(run("slow", 700))
      delete process.env["FAKE_PIDFILE"]
      expect(e.reason).toBe("Timeout")
      expect(e.message).toMatch(/did not finish within 1s and was killed; raise the timeout/)
      expect(Date.now() - started).toBeLessThan(5000)
      const pids = readFileSync(pidFile, "utf8").trim().split("\n").map(Number)
      expect(pids).toHaveLength(2)
      yield* Effect.sleep("200 millis")
      for (const pid of pids) expect(alive(pid), `${pid}: ${state(pid)}`).toBe(false)
    }))

  it.live("a tool that ignores SIGTERM is killed after the grace period", () =>
    Effect.gen(function* () {
      const pidFile = join(mkdtempSync(join(tmpdir(), "sentinel-runner-")), "pids")
      process.env["FAKE_PIDFILE"] = pidFile
      const started = Date.now()
      const e = yield* Effect.flip(run("stubborn", 500))
      delete process.env["FAKE_PIDFILE"]
      expect(e.reason).toBe("Timeout")
      expect(Date.now() - started).toBeLessThan(8000)
      const pids = readFileSync(pidFile, "utf8").trim().split("\n").map(Number)
      yield* Effect.sleep("200 millis")
      for (const pid of pids) expect(alive(pid), `${pid}: ${state(pid)}`).toBe(false)
    }))

  it.live("crash: Crashed with the tool's stderr and exit code, not retried", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(run("crash"))
      expect(e.reason).toBe("Crashed")
      expect(e.exitCode).toBe(1)
      expect(e.message).toContain("disk I/O error")
      expect(e.message).not.toContain("gave up")
    }))

  it.live("garbage output: OutputInvalid naming the tool version", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(run("garbage"))
      expect(e.reason).toBe("OutputInvalid")
      expect(e.message).toMatch(/could not read trivy 0\.99\.0-fake output \(not JSON/)
    }))

  it.live("missing binary: NotInstalled with an install hint", () =>
    Effect.gen(function* () {
      const empty = mkdtempSync(join(tmpdir(), "sentinel-empty-"))
      expect(findExecutable("trivy", empty)).toBeUndefined()
      const e = yield* Effect.flip(runAdapter(trivy, "app:1", { timeoutMs: 1000, path: empty }).pipe(Effect.provide(NodeContext.layer)))
      expect(e.reason).toBe("NotInstalled")
      expect(e.message).toMatch(/trivy is not installed .*install Trivy/)
    }))

  it.live("transient failure then success: retried with backoff", () =>
    Effect.gen(function* () {
      process.env["FAKE_STATE"] = join(mkdtempSync(join(tmpdir(), "sentinel-runner-")), "n")
      const r = yield* run("flaky")
      expect(r.attempts).toBe(3)
      expect(r.findings).toHaveLength(2)
      // with fewer retries than failures it gives up with a Crashed error that says so
      process.env["FAKE_STATE"] = join(mkdtempSync(join(tmpdir(), "sentinel-runner-")), "n")
      const e = yield* Effect.flip(runAdapter(trivy, "app:1", { timeoutMs: 5000, path: dir("flaky"), backoffMs: 10, retries: 1 }).pipe(Effect.provide(NodeContext.layer)))
      delete process.env["FAKE_STATE"]
      expect(e.reason).toBe("Crashed")
      expect(e.message).toMatch(/TOOMANYREQUESTS.*gave up after 2 attempts/)
    }))

  it.live("image not found: ImageNotFound", () =>
    Effect.gen(function* () {
      const e = yield* Effect.flip(run("notfound"))
      expect(e.reason).toBe("ImageNotFound")
      expect(e.message).toMatch(/pull or build it first/)
    }))
})

/** `sentinel scan` / `scan-secrets` in process, with fake scanner executables on PATH. */
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { scanCommand, scanSecretsCommand } from "../../src/apps/cli/scan.ts"

const FAKES = join(process.cwd(), "test/fixtures/fake-scanners")
const root = Command.make("sentinel").pipe(Command.withSubcommands([scanCommand, scanSecretsCommand]))
const cli = Command.run(root, { name: "sentinel", version: "test" })

let savedPath: string | undefined
beforeEach(() => {
  savedPath = process.env["PATH"]
  process.env["SENTINEL_CONFIG_DIR"] = mkdtempSync(join(tmpdir(), "sentinel-scan-cli-"))
  process.env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" // no daemon: no digest, no cache
})
afterEach(() => {
  process.env["PATH"] = savedPath
  delete process.env["DOCKER_HOST"]
})

const run = async (mode: string, ...args: Array<string>) => {
  process.env["PATH"] = `${join(FAKES, mode)}:/usr/bin:/bin`
  const out: Array<string> = []
  const err: Array<string> = []
  const ow = process.stdout.write.bind(process.stdout)
  const ew = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write
  process.exitCode = 0
  try {
    await Effect.runPromise(cli(["node", "sentinel", ...args]).pipe(Effect.provide(NodeContext.layer)))
  } finally {
    process.stdout.write = ow
    process.stderr.write = ew
  }
  const code = process.exitCode ?? 0
  process.exitCode = 0
  return { code, stdout: out.join(""), stderr: err.join("") }
}

describe("sentinel scan", () => {
  it("--json --fail-on: seed envelope, threshold exceeded -> exit 1", async () => {
    const r = await run("ok", "scan", "app:1", "--json", "--fail-on")
    expect(r.code).toBe(1)
    const j = JSON.parse(r.stdout)
    expect(j.success).toBe(false)
    expect(j.data.summary).toEqual({ total_critical: 1, total_high: 1, total_medium: 0, total_low: 0 })
    expect(j.data.threshold_exceeded).toBe(true)
    expect(j.data.results[0]).toMatchObject({ Scanner: "trivy", TotalCritical: 1, FromCache: false })
  })
  it("within thresholds exits 0; --severity filters; a missing second scanner is a warning", async () => {
    const r = await run("ok", "scan", "app:1", "--json", "--fail-on", "--max-critical", "1", "--scanner", "trivy,grype", "--severity", "HIGH")
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.data.results[0].Vulnerabilities.map((v: { cve: string }) => v.cve)).toEqual(["CVE-2024-9998"])
    expect(j.data.errors).toEqual([expect.objectContaining({ scanner: "grype", reason: "NotInstalled" })])
  })
  it("usage errors: MISSING_ARGUMENT, INVALID_ARGUMENT (scheme prefix), INVALID_FLAG (unknown scanner, bad max-high)", async () => {
    expect(JSON.parse((await run("ok", "scan", "--json")).stderr).error.code).toBe("MISSING_ARGUMENT")
    const bad = await run("ok", "scan", "docker-archive:/etc/shadow", "--json")
    expect(bad.code).toBe(2)
    expect(JSON.parse(bad.stderr).error).toMatchObject({ code: "INVALID_ARGUMENT" })
    expect(JSON.parse((await run("ok", "scan", "app:1", "--scanner", "clair", "--json")).stderr).error.code).toBe("INVALID_FLAG")
    expect(JSON.parse((await run("ok", "scan", "app:1", "--max-high", "-5", "--json")).stderr).error.code).toBe("INVALID_ARGUMENT")
  })
  it("every scanner failing is SCAN_ERROR (exit 1) with each reason", async () => {
    const r = await run("crash", "scan", "app:1", "--json", "--scanner", "trivy", "--scanner", "grype")
    expect(r.code).toBe(1)
    const e = JSON.parse(r.stderr).error
    expect(e.code).toBe("SCAN_ERROR")
    expect(e.message).toContain("disk I/O error")
    expect(e.message).toContain("grype is not installed")
  })
  it("human output lists counts and findings", async () => {
    const r = await run("ok", "scan", "app:1")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Critical: 1  High: 1")
    expect(r.stdout).toContain("CVE-2024-9999 [CRITICAL] busybox 1.36.1-r15 (fixed in 1.36.1-r16)")
  })
})

describe("sentinel scan-secrets", () => {
  it("trufflehog missing -> MISSING_DEPENDENCY; unknown scanner -> INVALID_FLAG", async () => {
    const r = await run("ok", "scan-secrets", "app:1", "--scanner", "trufflehog", "--json")
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stderr).error.code).toBe("MISSING_DEPENDENCY")
    expect(JSON.parse((await run("ok", "scan-secrets", "app:1", "--scanner", "gitleaks", "--json")).stderr).error.code).toBe("INVALID_FLAG")
  })
  it("builtin without a reachable daemon is a SCAN_ERROR, never an empty result", async () => {
    const r = await run("ok", "scan-secrets", "app:1", "--json")
    expect(r.code).toBe(1)
    expect(["SCAN_ERROR", "MISSING_DEPENDENCY"]).toContain(JSON.parse(r.stderr).error.code)
  })
})

describe("config.yaml scanners section", () => {
  it("offline: true adds the tool's offline flags; a bad key is a CONFIG_ERROR", async () => {
    const { writeFileSync } = await import("node:fs")
    const dir = process.env["SENTINEL_CONFIG_DIR"]!
    writeFileSync(join(dir, "config.yaml"), "scanners:\n  offline: true\n  timeout: 30s\n", { mode: 0o600 })
    const argsFile = join(dir, "args")
    process.env["FAKE_ARGS"] = argsFile
    const r = await run("ok", "scan", "app:1", "--json")
    delete process.env["FAKE_ARGS"]
    expect(r.code).toBe(0)
    const { readFileSync } = await import("node:fs")
    expect(readFileSync(argsFile, "utf8")).toContain("--skip-db-update --skip-java-db-update --offline-scan --skip-version-check --disable-telemetry app:1")
    writeFileSync(join(dir, "config.yaml"), "scanners:\n  ofline: true\n", { mode: 0o600 })
    const bad = await run("ok", "scan", "app:1", "--json")
    expect(bad.code).toBe(1)
    const e = JSON.parse(bad.stderr).error
    expect(e.code).toBe("CONFIG_ERROR")
    expect(e.message).toContain("ofline")
  })
})

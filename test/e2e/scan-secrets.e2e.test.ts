/**
 * Secret scanning against a real dockerd: an image with a planted AWS key, a private key and
 * a secret env var is found by `sentinel scan-secrets` (built-in scanner), its push is blocked
 * before docker is reached, and a clean image passes through to docker.
 */
import { spawnSync } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { busyboxRootfsTar, e2ePrerequisites, startDaemon, type Daemon } from "./harness.ts"

const missing = e2ePrerequisites()
if (missing !== undefined && process.env["CI"] !== undefined) throw new Error(`e2e prerequisites missing in CI: ${missing}`)

// fake credentials built at run time (no secret-looking literal in the repository)
const FILE_KEY_ID = ["AKIA", "E2EF", "ILEK", "EY7Q", "M2XZ"].join("")
const ENV_KEY_ID = ["AKIA", "E2EE", "NVKE", "Y9WP", "L4RT"].join("")
const PEM = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()

// the real, built CLI (npm ci builds it); validate/exec start from the startup snapshot
const BIN = join(process.cwd(), "bin/sentinel")

describe.skipIf(missing !== undefined)("scan-secrets against a real dockerd", () => {
  let d: Daemon
  let env: NodeJS.ProcessEnv
  let policyFile: string
  const sentinel = (args: ReadonlyArray<string>) => {
    const r = spawnSync(BIN, args, { env, encoding: "utf8", timeout: 150_000 })
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" }
  }

  beforeAll(async () => {
    d = await startDaemon({ preload: { "clean:1": busyboxRootfsTar() } })
    const leaky = busyboxRootfsTar((rootfs) => {
      mkdirSync(join(rootfs, "app"), { recursive: true })
      writeFileSync(join(rootfs, "app", ".env"), `APP_NAME=demo\nAWS_ACCESS_KEY_ID=${FILE_KEY_ID}\n`)
      mkdirSync(join(rootfs, "root", ".ssh"), { recursive: true })
      writeFileSync(join(rootfs, "root", ".ssh", "id_rsa"), PEM, { mode: 0o600 })
    })
    const imp = d.docker(["import", "--change", 'CMD ["sh"]', "--change", `ENV AWS_ACCESS_KEY_ID=${ENV_KEY_ID}`, leaky, "leaky:1"])
    expect(imp.code, imp.stderr).toBe(0)
    const cfg = mkdtempSync(join(tmpdir(), "sentinel-e2e-cfg-"))
    policyFile = join(cfg, "push.yaml")
    writeFileSync(policyFile, "name: e2e-push\nmode: enforce\nsettings:\n  max_risk_score: 100\n  secret_scanning:\n    enabled: true\n    scanner: builtin\n")
    env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.root, "cli-config"), SENTINEL_CONFIG_DIR: cfg, NO_COLOR: "1" }
    delete env["DOCKER_CONTEXT"]
  })
  afterAll(async () => {
    await d?.stop()
  })

  it("finds the AWS key and private key in files and the key in the env var, never printing them", () => {
    const r = sentinel(["scan-secrets", "leaky:1", "--json", "--fail-on-secrets"])
    expect(r.code, r.stderr).toBe(1)
    const out = JSON.parse(r.stdout) as { success: boolean; data: { secrets_found: number; secrets: Array<{ detector: string; file: string; severity: string }> } }
    expect(out.success).toBe(false)
    const found = out.data.secrets.map((s) => `${s.detector} ${s.file} ${s.severity}`)
    expect(found).toContain("AWS /app/.env HIGH")
    expect(found).toContain("PrivateKey /root/.ssh/id_rsa HIGH")
    expect(found).toContain("AWS image-config:env:AWS_ACCESS_KEY_ID HIGH")
    for (const secret of [FILE_KEY_ID, ENV_KEY_ID, PEM.split("\n")[1]!]) {
      expect(r.stdout).not.toContain(secret)
      expect(r.stderr).not.toContain(secret)
    }
  })

  it("a clean image has no secrets (exit 0); a missing image is IMAGE_NOT_FOUND", () => {
    const clean = sentinel(["scan-secrets", "clean:1", "--json", "--fail-on-secrets"])
    expect(clean.code, clean.stderr).toBe(0)
    const cleanData = JSON.parse(clean.stdout).data
    expect(cleanData.secrets_found).toBe(0)
    expect(cleanData.coverage).toMatchObject({ layers: 1, files_skipped_too_large: 0 })
    expect(cleanData.coverage.files).toBeGreaterThanOrEqual(3)
    const again = JSON.parse(sentinel(["scan-secrets", "clean:1", "--json"]).stdout)
    expect(again.data.from_cache).toBe(true)
    expect(again.data.image_digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    const none = sentinel(["scan-secrets", "nosuch:404", "--json"])
    expect(none.code).toBe(1)
    expect(JSON.parse(none.stderr).error.code).toBe("IMAGE_NOT_FOUND")
  })

  it("vulnerability scan results are cached per image digest and scanner version (fake trivy)", () => {
    const saved = env["PATH"]
    env["PATH"] = `${join(process.cwd(), "test/fixtures/fake-scanners/ok")}:${saved ?? ""}`
    const first = JSON.parse(sentinel(["scan", "clean:1", "--json"]).stdout)
    const second = JSON.parse(sentinel(["scan", "clean:1", "--json"]).stdout)
    const fresh = JSON.parse(sentinel(["scan", "clean:1", "--json", "--no-cache"]).stdout)
    env["PATH"] = saved
    expect(first.data.results[0]).toMatchObject({ FromCache: false, ScannerVersion: "0.99.0-fake", ImageDigest: expect.stringMatching(/^sha256:/) })
    expect(second.data.results[0]).toMatchObject({ FromCache: true, TotalCritical: 1, ImageDigest: first.data.results[0].ImageDigest })
    expect(fresh.data.results[0].FromCache).toBe(false)
  })

  it("a push of the leaky image is blocked before docker is reached", () => {
    const r = sentinel(["exec", "--policy", policyFile, "--", "docker", "push", "leaky:1"])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain("SECRETS DETECTED - PUSH BLOCKED")
    expect(r.stderr).toContain("Push blocked")
    expect(r.stdout + r.stderr).not.toContain("The push refers to repository")
    expect(r.stdout + r.stderr).not.toContain(FILE_KEY_ID)
  })

  it("a push of the clean image goes through to docker (which then fails: no registry here)", () => {
    const r = sentinel(["exec", "--policy", policyFile, "--", "docker", "push", "clean:1"])
    expect(r.code).not.toBe(0)
    expect(r.stdout + r.stderr).toContain("The push refers to repository [docker.io/library/clean]")
    expect(r.stderr).not.toContain("VALIDATION_FAILED")
    expect(r.stderr).not.toContain("PUSH BLOCKED")
  })
})

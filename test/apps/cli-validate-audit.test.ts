/**
 * `sentinel validate` and the audit store, start-up paths and environments: every decision lands
 * in <config>/audit/audit.db (source "cli", no secret values), `--no-audit` writes nothing, it
 * works without root and without init, and the startup-snapshot path (bin/sentinel) answers
 * exactly like the plain bundle (node bin/sentinel.js).
 */
import Database from "better-sqlite3"
import { chmodSync, existsSync, readFileSync, readdirSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { REPO, envelope, ensureBuilt, sentinel, tempDir, type Run } from "./cli-helpers.ts"

interface Data { allowed: boolean; decision: string; decision_id: string; risk_score: number; command: string }
interface EventRow { decision_id: string; type: string; payload: string }

const readEvents = (configDir: string, decisionId: string): ReadonlyArray<EventRow & { body: Record<string, unknown> }> => {
  const db = new Database(join(configDir, "audit", "audit.db"), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare("SELECT decision_id, type, payload FROM events WHERE decision_id = ? ORDER BY position").all(decisionId) as Array<EventRow>
    return rows.map((r) => ({ ...r, body: JSON.parse(r.payload) as Record<string, unknown> }))
  } finally {
    db.close()
  }
}

/** Every byte of every file under the audit dir (db, -wal, -shm, jsonl). */
const auditBytes = (configDir: string): Buffer => {
  const dir = join(configDir, "audit")
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))))
}

beforeAll(ensureBuilt, 120_000)

describe("sentinel validate: the audit trail", () => {
  it("a blocked decision is recorded as RequestReceived, RuleEvaluated…, Decided with source cli", async () => {
    const cfg = tempDir("audit")
    const r = await sentinel(["validate", "--json", "--", "docker", "run", "--privileged", "-e", "DB_PASSWORD=hunter2", "ubuntu"], { configDir: cfg })
    expect(r.code).toBe(1)
    expect(r.err).toBe("") // no audit_warning
    const d = envelope<Data>(r.out).data!
    const events = readEvents(cfg, d.decision_id)
    expect(events.map((e) => e.type)).toEqual(["RequestReceived", "RuleEvaluated", "RuleEvaluated", "Decided"])
    expect(events[0]?.body).toMatchObject({ _tag: "RequestReceived", source: "cli", decisionId: d.decision_id })
    expect(events[0]?.body["command"]).toMatch(/^docker run --privileged -e DB_PASSWORD=\*+ ubuntu$/)
    const rules = events.filter((e) => e.type === "RuleEvaluated").map((e) => (e.body["finding"] as { rule: string }).rule)
    expect(rules.sort()).toEqual(["environment.secret", "runtime.privileged"])
    expect(events[3]?.body).toMatchObject({ _tag: "Decided", allowed: false, decision: "denied", score: d.risk_score, maxScore: 50 })
    // the decisions index row agrees
    const db = new Database(join(cfg, "audit", "audit.db"), { readonly: true })
    const row = db.prepare("SELECT source, decision, allowed FROM decisions WHERE decision_id = ?").get(d.decision_id)
    db.close()
    expect(row).toEqual({ source: "cli", decision: "denied", allowed: 0 })
  })

  it("never stores an env secret value, in any file of the audit dir", async () => {
    const cfg = tempDir("secret")
    for (const args of [
      ["docker", "run", "-e", "DB_PASSWORD=hunter2", "nginx:1.25"],
      ["docker", "run", "--env=API_TOKEN=hunter2", "--privileged", "nginx:1.25"],
      ["docker", "exec", "-e", "SECRET_KEY=hunter2", "web", "sh"]
    ]) {
      const r = await sentinel(["validate", "--json", "--", ...args], { configDir: cfg })
      expect(r.out).not.toContain("hunter2")
      expect(readEvents(cfg, envelope<Data>(r.out).data!.decision_id).length).toBeGreaterThanOrEqual(2)
    }
    const bytes = auditBytes(cfg)
    expect(bytes.length).toBeGreaterThan(0)
    expect(bytes.includes("hunter2")).toBe(false)
    expect(bytes.includes("DB_PASSWORD")).toBe(true) // the key is kept: the scan did see the data
  })

  it("an allowed decision is audited too, with tight modes on a fresh config dir", async () => {
    const cfg = join(tempDir("fresh"), "sentinel")
    const r = await sentinel(["validate", "--json", "--", "docker", "run", "--rm", "nginx:1.25"], { configDir: cfg })
    expect(r.code).toBe(0)
    const events = readEvents(cfg, envelope<Data>(r.out).data!.decision_id)
    expect(events.map((e) => e.type)).toEqual(["RequestReceived", "Decided"])
    expect(events[1]?.body).toMatchObject({ decision: "allowed" })
    expect(statSync(join(cfg, "audit")).mode & 0o777).toBe(0o700)
    expect(statSync(join(cfg, "audit", "audit.db")).mode & 0o777).toBe(0o600)
  })

  it("--no-audit writes nothing at all (not even the config dir)", async () => {
    const cfg = join(tempDir("noaudit"), "sentinel")
    const r = await sentinel(["validate", "--no-audit", "--json", "--", "docker", "run", "--privileged", "ubuntu"], { configDir: cfg })
    expect(r.code).toBe(1)
    expect(envelope<Data>(r.out).data?.decision).toBe("denied")
    expect(existsSync(cfg)).toBe(false)
  })

  it("an unwritable audit store does not change the verdict; it is reported", async () => {
    const cfg = tempDir("ro")
    const { writeFileSync } = await import("node:fs")
    writeFileSync(join(cfg, "audit"), "not a directory")
    const r = await sentinel(["validate", "--json", "--", "docker", "run", "--privileged", "ubuntu"], { configDir: cfg })
    expect(r.code).toBe(1)
    const d = envelope<Data & { audit_warning?: string }>(r.out).data!
    expect(d.audit_warning).toMatch(/audit log/)
    expect(r.err).toMatch(/warning: the decision could not be written to the audit log/)
  })
})

describe("sentinel validate: without root, without init", () => {
  const root = process.getuid?.() === 0
  // uid 65534 must be able to reach bin/sentinel: every directory above the checkout needs o+x
  // (a checkout under a 0700 mktemp dir is not reachable, which says nothing about Sentinel)
  const reachable = (() => {
    let dir = process.cwd()
    for (;;) {
      if ((statSync(dir).mode & 0o001) === 0) return false
      const up = dirname(dir)
      if (up === dir) return true
      dir = up
    }
  })()
  it.skipIf(!root || !reachable)("works as an unprivileged user (nobody) on a fresh machine with the embedded defaults", async () => {
    const base = tempDir("nobody")
    chmodSync(base, 0o777)
    const cfg = join(base, "sentinel")
    const r = await sentinel(["validate", "--json", "--", "docker", "run", "--privileged", "ubuntu"], { configDir: cfg, uid: 65534, gid: 65534, cwd: base })
    expect(r.err).toBe("")
    expect(r.code).toBe(1)
    const d = envelope<Data & { policy: { source: string } }>(r.out).data!
    expect(d.policy.source).toBe("builtin:default")
    expect(statSync(join(cfg, "audit", "audit.db")).uid).toBe(65534)
    const ok = await sentinel(["validate", "--", "docker", "run", "--rm", "nginx:1.25"], { configDir: cfg, uid: 65534, gid: 65534, cwd: base })
    expect(ok.code).toBe(0)
  })
})

describe("the snapshot path and the plain bundle answer identically", () => {
  const cases: ReadonlyArray<ReadonlyArray<string>> = [
    ["--json", "--", "docker", "run", "--privileged", "-e", "DB_PASSWORD=hunter2", "-v", "/var/run/docker.sock:/var/run/docker.sock", "ubuntu"],
    ["--json", "--", "docker", "run", "--rm", "--read-only", "--user", "1000", "nginx:1.25"],
    ["--json", "--policy", "strict", "--", "docker", "run", "--cap-add", "SYS_ADMIN", "alpine:3"],
    ["--json", "--policy", "ci-cd", "--", "docker", "pull", "registry.example.com/app:1"],
    ["--json", "--", "docker", "exec", "--privileged", "web", "sh"],
    ["--json", "--", "docker", "build", "-t", "x:1", "--build-arg", "TOKEN=hunter2", "."],
    ["--json", "--", "docker", "run"],
    ["--json", "--policy", "nope", "--", "docker", "ps"],
    ["--", "docker", "run", "--privileged", "--pid=host", "ubuntu"]
  ]
  // (no push: it would run the secret gate, a real scan that needs a daemon)
  const runnable = cases

  const normalise = (r: Run): unknown => {
    const strip = (t: string): unknown => {
      if (!t.startsWith("{")) return t
      const e = JSON.parse(t) as { timestamp?: string; data?: Record<string, unknown> }
      delete e.timestamp
      if (e.data !== undefined) delete e.data["decision_id"]
      return e
    }
    return { code: r.code, out: strip(r.out), err: strip(r.err) }
  }

  it.each(runnable.map((c) => [c.join(" "), c] as const))("%s", async (_, args) => {
    const cfg = tempDir("parity")
    const launcher = await sentinel(["validate", "--no-audit", ...args], { configDir: cfg })
    const plain = await sentinel(["validate", "--no-audit", ...args], { configDir: cfg, plain: true })
    expect(normalise(launcher)).toEqual(normalise(plain))
    expect(launcher.out + launcher.err).not.toContain("hunter2")
  })

  const blob = join(REPO, "dist", "fast.blob")
  it.skipIf(!existsSync(blob))("the startup snapshot itself (node --snapshot-blob dist/fast.blob) gives the same data", async () => {
    for (const args of runnable) {
      const cfg = tempDir("blob")
      const viaBlob = await sentinel(["--snapshot-blob", blob, "validate", "--no-audit", ...args], {
        configDir: cfg,
        file: process.execPath,
        env: { SENTINEL_HOME: REPO }
      })
      const plain = await sentinel(["validate", "--no-audit", ...args], { configDir: cfg, plain: true })
      expect(normalise(viaBlob)).toEqual(normalise(plain))
    }
    // and it audits through the run-time loaded better-sqlite3
    const cfg = tempDir("blob-audit")
    const r = await sentinel(["--snapshot-blob", blob, "validate", "--json", "--", "docker", "run", "--privileged", "ubuntu"], {
      configDir: cfg,
      file: process.execPath,
      env: { SENTINEL_HOME: REPO }
    })
    expect(r.err).toBe("")
    expect(readEvents(cfg, envelope<Data>(r.out).data!.decision_id).at(-1)?.type).toBe("Decided")
  })
})

import { describe, expect, it } from "vitest"
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs"
import { join } from "node:path"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { prune } from "../../src/adapters/audit/prune.ts"
import { rebuildIndex } from "../../src/adapters/audit/rebuild.ts"
import type { DecisionEvent } from "../../src/domain/events.ts"
import { decisionEvents, finding, tempDir } from "./audit-fixtures.ts"

const open = (opts: ConstructorParameters<typeof AuditStore>[1] = {}) => new AuditStore(join(tempDir(), "audit"), opts)

describe("audit store", () => {
  it("round-trips every event type through append and show", async () => {
    const store = open()
    const d = decisionEvents({ user: "alice", findings: [finding("runtime.privileged", 40)], command: "docker run --privileged nginx:1.25" })
    const id = d[0]!.decisionId
    const scan: DecisionEvent = { _tag: "ScanCompleted", version: 1, decisionId: id, at: d[0]!.at, scanner: "trivy", kind: "vulnerabilities",
      image: "nginx:1.25", fromCache: false, ok: true, counts: { critical: 1, high: 2, medium: 3, low: 4, unknown: 0 }, durationMs: 12 }
    const events = [d[0]!, scan, ...d.slice(1)]
    await store.append(events)
    const pruned: DecisionEvent = { _tag: "AuditPruned", version: 1, decisionId: "p1", at: d[0]!.at, keepDays: 3, removedEvents: 0, before: d[0]!.at }
    const replayed: DecisionEvent = { _tag: "Replayed", version: 1, decisionId: "r1", at: d[0]!.at, originalDecisionId: id,
      policy: { name: "strict", sha256: "cd".repeat(32) }, allowed: false, decision: "denied", score: 40, reasons: ["x"] }
    store.appendSync([pruned], [replayed])
    expect(store.show(id).map((e) => e.event)).toEqual(events)
    expect(store.show("p1").map((e) => e.event)).toEqual([pruned])
    expect(store.show("r1").map((e) => e.event)).toEqual([replayed])
    const rows = store.list()
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ decisionId: id, user: "alice", decision: "denied", score: 40, image: "nginx:1.25", action: "container.create" })
    store.close()
  })

  it("uses WAL, NORMAL sync by default (FULL on request) and tight file modes", () => {
    const full = open({ synchronous: "FULL" })
    expect(full.sqlite.pragma("synchronous", { simple: true })).toBe(2)
    full.close()
    const store = open()
    store.appendSync(decisionEvents())
    expect(store.sqlite.pragma("journal_mode", { simple: true })).toBe("wal")
    expect(store.sqlite.pragma("synchronous", { simple: true })).toBe(1)
    expect(statSync(store.dir).mode & 0o777).toBe(0o700)
    expect(statSync(store.file).mode & 0o777).toBe(0o600)
    expect(store.sqlite.prepare("SELECT version FROM schema_version").get()).toEqual({ version: 1 })
    store.close()
  })

  it("rejects an invalid event with a message naming the field", async () => {
    const store = open()
    const bad = { ...decisionEvents()[0]!, source: "mystery" } as unknown as DecisionEvent
    await expect(store.append([bad])).rejects.toThrow(/source/)
    expect(store.lastPosition()).toBe(0)
    store.close()
  })

  it("group-commits concurrent appends: every caller resolves after its events are committed", async () => {
    const store = open()
    const streams = Array.from({ length: 300 }, (_, i) => decisionEvents({ user: `u${i}` }))
    await Promise.all(streams.map((s) => store.append(s)))
    expect(store.lastPosition()).toBe(600)
    expect(store.list({ limit: 1000 })).toHaveLength(300)
    for (const s of streams.slice(0, 5)) expect(store.show(s[0]!.decisionId)).toHaveLength(2)
    store.close()
  })

  it("close() commits appends still queued for the group commit", async () => {
    const store = open()
    const pending = store.append(decisionEvents({ user: "late" }))
    store.close()
    await pending
    const again = new AuditStore(store.dir)
    expect(again.list().map((r) => r.user)).toEqual(["late"])
    again.close()
  })

  it("upcasts an older event version on read without rewriting the stored row", () => {
    const store = open()
    const v0 = { _tag: "Decided", version: 0, decisionId: "old-1", at: "2025-01-02T03:04:05Z", allowed: false, decision: "denied",
      riskScore: 70, policy: "production", reason: "[CRITICAL] Privileged mode (runtime.privileged)" }
    store.sqlite.prepare("INSERT INTO events (decision_id, type, version, recorded_at, payload) VALUES (?, ?, ?, ?, ?)")
      .run("old-1", "Decided", 0, "2025-01-02T03:04:05.000Z", JSON.stringify(v0))
    const [e] = store.show("old-1")
    expect(e?.event).toEqual({ _tag: "Decided", version: 1, decisionId: "old-1", at: "2025-01-02T03:04:05Z", allowed: false,
      decision: "denied", score: 70, maxScore: 0, mode: "enforce", policy: { name: "production", sha256: "" },
      reasons: ["[CRITICAL] Privileged mode (runtime.privileged)"], mitigations: [] })
    expect(store.sqlite.prepare("SELECT version, payload FROM events WHERE decision_id = 'old-1'").get())
      .toEqual({ version: 0, payload: JSON.stringify(v0) })
    store.close()
  })

  it("filters list by since, until, user, decision, action, source and limit", () => {
    const store = open()
    const day = (n: number) => new Date(Date.UTC(2026, 0, n, 12)).toISOString()
    store.appendSync(
      decisionEvents({ at: day(1), user: "alice", findings: [finding("runtime.privileged")] }),
      decisionEvents({ at: day(2), user: "bob", source: "cli" }),
      decisionEvents({ at: day(3), user: "alice", action: "image.pull", findings: [finding("images.latest", 10, "warning")] }),
      decisionEvents({ at: day(4), user: "carol" })
    )
    const users = (f: Parameters<AuditStore["list"]>[0]) => store.list(f).map((r) => `${r.user}@${r.at.slice(8, 10)}`)
    expect(users({})).toEqual(["carol@04", "alice@03", "bob@02", "alice@01"])
    expect(users({ limit: 2 })).toEqual(["carol@04", "alice@03"])
    expect(users({ since: day(2) })).toEqual(["carol@04", "alice@03", "bob@02"])
    expect(users({ until: day(2) })).toEqual(["bob@02", "alice@01"])
    expect(users({ user: "alice" })).toEqual(["alice@03", "alice@01"])
    expect(users({ decision: "denied" })).toEqual(["alice@01"])
    expect(users({ decision: "warned" })).toEqual(["alice@03"])
    expect(users({ action: "image.pull" })).toEqual(["alice@03"])
    expect(users({ source: "cli" })).toEqual(["bob@02"])
    expect(users({ user: "alice", since: day(2), decision: "warned" })).toEqual(["alice@03"])
    expect([...store.iterateDecisions({ user: "alice" })].map((r) => r.at.slice(8, 10))).toEqual(["01", "03"])
    store.close()
  })

  it("mirrors committed events to JSON Lines with size-based rotation", () => {
    const store = open({ mirror: { enabled: true, maxBytes: 4000, keep: 2 } })
    for (let i = 0; i < 20; i++) store.appendSync(decisionEvents({ user: `u${i}` }))
    const files = readdirSync(store.dir).filter((f) => f.startsWith("audit.jsonl")).sort()
    expect(files).toEqual(["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"])
    for (const f of files) {
      expect(statSync(join(store.dir, f)).size).toBeLessThanOrEqual(4000)
      expect(statSync(join(store.dir, f)).mode & 0o777).toBe(0o600)
    }
    const last = readFileSync(join(store.dir, "audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { position: number; type: string; payload: { user?: string } })
    expect(last.at(-1)).toMatchObject({ position: 40, type: "Decided" })
    expect(last.at(-2)?.payload.user).toBe("u19")
    store.close()
  })

  it("prune removes only old decisions and records AuditPruned", () => {
    const store = open()
    const now = new Date("2026-03-01T00:00:00Z")
    store.appendSync(
      decisionEvents({ at: "2026-01-01T00:00:00Z", user: "old" }),
      decisionEvents({ at: "2026-02-25T00:00:00Z", user: "new" })
    )
    const r = prune(store, 30, now)
    expect(r.removedEvents).toBe(2)
    expect(r.removedDecisions).toBe(1)
    expect(store.list().map((x) => x.user)).toEqual(["new"])
    expect(store.show(r.event.decisionId)[0]?.event).toMatchObject({ _tag: "AuditPruned", keepDays: 30, removedEvents: 2, before: "2026-01-30T00:00:00.000Z" })
    expect(prune(store, 0, new Date("2027-01-01T00:00:00Z")).removedEvents).toBe(2)
    expect(store.sqlite.prepare("SELECT count(*) AS n FROM events WHERE type = 'AuditPruned'").get()).toEqual({ n: 2 })
    expect(() => prune(store, -1)).toThrow(/keep-days/)
    // positions are never reused, even after everything old was pruned (followers rely on it)
    const last = store.lastPosition()
    store.sqlite.prepare("DELETE FROM events").run()
    store.appendSync(decisionEvents({ user: "after" }))
    expect(store.list()[0]?.position).toBe(last + 2)
    store.close()
  })

  it("the decisions index can be rebuilt from the events alone", () => {
    const store = open()
    store.appendSync(
      decisionEvents({ user: "a", findings: [finding("runtime.privileged")] }),
      decisionEvents({ user: "b", action: "image.pull" })
    )
    store.appendSync([{ _tag: "AuditPruned", version: 1, decisionId: "p", at: new Date().toISOString(), keepDays: 1, removedEvents: 0, before: "x" }])
    const before = store.list()
    expect(rebuildIndex(store.dir)).toBe(2)
    expect(store.list()).toEqual(before)
    store.close()
  })

  it("has no UPDATE anywhere, DELETE FROM events only in prune.ts (the index may be rebuilt)", () => {
    const dir = join(import.meta.dirname, "../../src/adapters/audit")
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), "utf8")
      expect(text, f).not.toMatch(/\bUPDATE\s+\w+\s+SET\b/i)
      if (f !== "prune.ts") expect(text, f).not.toMatch(/\bDELETE\s+FROM\s+events\b/i)
      if (f !== "prune.ts" && f !== "rebuild.ts") expect(text, f).not.toMatch(/\bDELETE\s+FROM\b/i)
    }
    expect(existsSync(join(dir, "prune.ts"))).toBe(true)
  })
})

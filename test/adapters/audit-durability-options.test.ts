import { afterEach, describe, expect, it } from "vitest"
import { statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { auditSynchronous, storeOptionsFromConfig } from "../../src/adapters/audit/layer.ts"
import { loadConfig } from "../../src/adapters/config.ts"
import type { DecisionEvent } from "../../src/domain/events.ts"
import { decisionEvents, tempDir } from "./audit-fixtures.ts"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const saved = process.env["SENTINEL_AUDIT_SYNC"]
afterEach(() => {
  if (saved === undefined) delete process.env["SENTINEL_AUDIT_SYNC"]
  else process.env["SENTINEL_AUDIT_SYNC"] = saved
})

describe("audit durability setting", () => {
  it("defaults to NORMAL; config.yaml audit.synchronous: full selects FULL; SENTINEL_AUDIT_SYNC wins", () => {
    expect(auditSynchronous(undefined, {})).toBe("NORMAL")
    expect(auditSynchronous("full", {})).toBe("FULL")
    expect(auditSynchronous("full", { SENTINEL_AUDIT_SYNC: "normal" })).toBe("NORMAL")
    expect(auditSynchronous("normal", { SENTINEL_AUDIT_SYNC: "FULL" })).toBe("FULL")
    expect(auditSynchronous("normal", { SENTINEL_AUDIT_SYNC: "bogus" })).toBe("NORMAL")
    const dir = tempDir("sentinel-config-")
    delete process.env["SENTINEL_AUDIT_SYNC"]
    expect(storeOptionsFromConfig(dir).synchronous).toBe("NORMAL")
    writeFileSync(join(dir, "config.yaml"), "audit:\n  synchronous: full\n")
    expect(Either.getOrThrow(loadConfig(dir)).config.audit.synchronous).toBe("full")
    expect(storeOptionsFromConfig(dir).synchronous).toBe("FULL")
    process.env["SENTINEL_AUDIT_SYNC"] = "NORMAL"
    expect(storeOptionsFromConfig(dir).synchronous).toBe("NORMAL")
    writeFileSync(join(dir, "config.yaml"), "audit:\n  synchronous: sometimes\n")
    expect(Either.isLeft(loadConfig(dir))).toBe(true)
  })
})

describe("typed appends", () => {
  it("store typed events after checking the key fields, and reject events without them", async () => {
    const store = new AuditStore(join(tempDir(), "audit"))
    const events = decisionEvents({ uri: "/v1.41/build?buildargs=%7B%22PW%22%3A%22hunter2%22%7D" })
    await store.append(events, { typed: true })
    const id = events[0]!.decisionId
    expect(store.show(id).map((e) => e.event._tag)).toEqual(events.map((e) => e._tag))
    expect(JSON.stringify(store.show(id))).not.toContain("hunter2")
    const bad = { ...events[0]!, decisionId: "" } as DecisionEvent
    await expect(store.append([bad], { typed: true })).rejects.toThrow(/decisionId/)
    store.close()
  })
})

describe("background WAL checkpoints", () => {
  it("a worker checkpoints the WAL while the writer's automatic checkpoint is off; stop restores it", async () => {
    const store = new AuditStore(join(tempDir(), "audit"), { backgroundCheckpoint: true })
    for (let i = 0; i < 100 && store.sqlite.pragma("wal_autocheckpoint", { simple: true }) !== 0; i++) await sleep(20)
    expect(store.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0)
    const before = statSync(store.file).size
    for (let i = 0; i < 200; i++) await store.append(decisionEvents(), { typed: true })
    // only a checkpoint moves pages from the WAL into audit.db, and this connection does not run one
    for (let i = 0; i < 100 && statSync(store.file).size <= before; i++) await sleep(20)
    expect(statSync(store.file).size).toBeGreaterThan(before)
    const file = store.file
    store.close()
    const again = new AuditStore(join(file, ".."))
    expect(again.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1000)
    expect(again.list({ limit: 1000 })).toHaveLength(200)
    again.close()
  })
})

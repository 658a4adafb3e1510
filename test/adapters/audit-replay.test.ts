import { describe, expect, it } from "vitest"
import { Either } from "effect"
import { join } from "node:path"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { replay } from "../../src/adapters/audit/replay.ts"
import { parsePolicy } from "../../src/adapters/policy-store/load.ts"
import { decide } from "../../src/domain/decide-impl.ts"
import type { LoadedPolicy } from "../../src/domain/policy.ts"
import { newDecisionId } from "../../src/services/Ids.ts"
import { containerRequest, tempDir } from "./audit-fixtures.ts"

const policy = (text: string): LoadedPolicy => {
  const r = parsePolicy(text, "test")
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return r.right
}
const AUDIT = policy("name: observe\nmode: audit\nrules:\n  privileged:\n    action: block\n")
const STRICT = policy("name: strict\nmode: enforce\nrules:\n  privileged:\n    action: block\n  images:\n    blocked_images: [\"nginx:latest\"]\n")
const LAX = policy("name: lax\nmode: enforce\nrules:\n  privileged:\n    action: allow\n")

/** A prepared history: 3 privileged, 2 `:latest`, 4 plain requests, decided under `lp` by the real decide. */
const history = (store: AuditStore, lp: LoadedPolicy): void => {
  const reqs = [
    ...Array.from({ length: 3 }, (_, i) => ({ user: `p${i}`, req: containerRequest("nginx:1.25", true) })),
    ...Array.from({ length: 2 }, (_, i) => ({ user: `l${i}`, req: containerRequest("nginx:latest") })),
    ...Array.from({ length: 4 }, (_, i) => ({ user: `ok${i}`, req: containerRequest("nginx:1.25") }))
  ]
  reqs.forEach(({ user, req }, i) => {
    const d = decide(req, lp, { decisionId: newDecisionId(), now: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), source: "authz", user, command: `docker run ${user}` })
    store.appendSync(d.events)
  })
}

describe("audit replay", () => {
  it("reports requests that a stricter policy would newly deny, grouped by rule, with examples", () => {
    const store = new AuditStore(join(tempDir(), "audit"))
    history(store, AUDIT)
    const before = store.lastPosition()
    const r = replay(store, STRICT, { examplesPerRule: 2 })
    expect(r).toMatchObject({ total: 9, newlyDenied: 5, newlyAllowed: 0, unchanged: 4, outcomeChanged: 0, recorded: 0 })
    expect(r.policy).toMatchObject({ name: "strict", sha256: STRICT.sha256 })
    const groups = Object.fromEntries(r.newlyDeniedByRule.map((g) => [g.rule, g]))
    expect(groups["runtime.privileged"]?.count).toBe(3)
    expect(groups["runtime.privileged"]?.examples.map((e) => e.user)).toEqual(["p0", "p1"])
    expect(groups["runtime.privileged"]?.examples[0]).toMatchObject({ before: "warned", after: "denied", request: "docker run p0" })
    expect(groups["images.blocked-image"]?.count).toBe(2)
    expect(r.newlyDeniedByRule.map((g) => g.rule)).toEqual(["runtime.privileged", "images.blocked-image"])
    expect(store.lastPosition()).toBe(before) // replay writes nothing unless asked
    store.close()
  })

  it("reports newly allowed requests grouped by the rules that denied them, and honours --since", () => {
    const store = new AuditStore(join(tempDir(), "audit"))
    history(store, STRICT)
    const r = replay(store, LAX)
    expect(r).toMatchObject({ total: 9, newlyDenied: 0, newlyAllowed: 5, unchanged: 4 })
    expect(r.newlyAllowedByRule.map((g) => [g.rule, g.count])).toEqual([["runtime.privileged", 3], ["images.blocked-image", 2]])
    expect(r.newlyAllowedByRule[0]?.examples[0]?.reasons[0]).toMatch(/\(runtime\.privileged\)$/)
    const late = replay(store, LAX, { since: new Date(Date.UTC(2026, 0, 3)).toISOString() })
    expect(late).toMatchObject({ total: 7, newlyAllowed: 3 })
    store.close()
  })

  it("records Replayed events only when asked, as their own kind", () => {
    const dir = join(tempDir(), "audit")
    const store = new AuditStore(dir)
    history(store, AUDIT)
    const rec = new AuditStore(dir)
    const r = replay(store, STRICT, { recordInto: rec })
    expect(r.recorded).toBe(9)
    const rows = store.sqlite.prepare("SELECT type, payload FROM events WHERE type = 'Replayed'").all() as Array<{ payload: string }>
    expect(rows).toHaveLength(9)
    expect(rows.filter((x) => (JSON.parse(x.payload) as { decision: string }).decision === "denied")).toHaveLength(5)
    expect(store.list({ limit: 100 })).toHaveLength(9) // no new decisions in the index
    rec.close()
    store.close()
  })
})

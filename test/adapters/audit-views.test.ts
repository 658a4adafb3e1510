import { describe, expect, it } from "vitest"
import { addDecision, addRule, bucketOf, emptyStats, finishStats, normalizeTime, ruleIdOfReason } from "../../src/domain/audit-views.ts"
import { upcast, upcastRaw } from "../../src/domain/upcast.ts"
import { parseTimeBound } from "../../src/adapters/audit/time.ts"

describe("audit views, upcasting and time bounds", () => {
  it("parses --since/--until durations and RFC 3339 times to sortable UTC", () => {
    const now = new Date("2026-03-10T12:00:00Z")
    expect(parseTimeBound("7d", "--since", now)).toBe("2026-03-03T12:00:00.000Z")
    expect(parseTimeBound("90m", "--since", now)).toBe("2026-03-10T10:30:00.000Z")
    expect(parseTimeBound("2026-01-31T12:00:00+02:00", "--since", now)).toBe("2026-01-31T10:00:00.000Z")
    expect(parseTimeBound("2026-01-31", "--until", now)).toBe("2026-01-31T00:00:00.000Z")
    expect(() => parseTimeBound("last week", "--until", now)).toThrow(/--until "last week"/)
    expect(normalizeTime("2026-01-01T00:00:00+01:00", "x")).toBe("2025-12-31T23:00:00.000Z")
    expect(normalizeTime("garbage", "fallback")).toBe("fallback")
  })

  it("extracts rule ids from reasons and folds stats", () => {
    expect(ruleIdOfReason("[CRITICAL] Privileged mode (runtime.privileged)")).toBe("runtime.privileged")
    expect(ruleIdOfReason("score too high")).toBeUndefined()
    expect([0, 1, 24, 25, 49, 50, 74, 75, 100].map(bucketOf)).toEqual(["0", "1-24", "1-24", "25-49", "25-49", "50-74", "50-74", "75-100", "75-100"])
    const acc = emptyStats()
    addDecision(acc, { decision: "denied", score: 80, user: "a", image: "x:1" })
    addDecision(acc, { decision: "denied", score: 40, user: "b", image: "x:1" })
    addDecision(acc, { decision: "allowed", score: 0, user: undefined, image: "y:1" })
    addRule(addRule(acc, "r1", 2), "r2")
    const s = finishStats(acc)
    expect(s).toMatchObject({ total: 3, byDecision: { allowed: 1, warned: 0, denied: 2 }, averageScore: 40 })
    expect(s.topDeniedImages).toEqual([{ image: "x:1", count: 2 }])
    expect(s.topUsers.map((u) => u.user)).toEqual(["a", "b", "unknown"])
    expect(s.topRules).toEqual([{ rule: "r1", count: 2 }, { rule: "r2", count: 1 }])
  })

  it("upcasts RequestReceived v0 and refuses unknown or future versions", () => {
    const v0 = { _tag: "RequestReceived", version: 0, decisionId: "d", at: "2025-01-01T00:00:00Z", source: "authz", policy: "default",
      request: { action: "read", operation: "GET /info", changes: [], destinations: [], problems: [], details: {} } }
    expect(upcast("RequestReceived", 0, v0)).toMatchObject({ version: 1, policy: { name: "default", sha256: "" } })
    expect(() => upcastRaw("Mystery", 1, {})).toThrow(/unknown event type "Mystery"/)
    expect(() => upcastRaw("Decided", 2, {})).toThrow(/newer than this build/)
    expect(() => upcastRaw("RuleEvaluated", 0, {})).toThrow(/no upcaster for RuleEvaluated version 0/)
    expect(() => upcast("Decided", 1, { decisionId: "d" })).toThrow()
  })
})

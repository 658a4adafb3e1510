/**
 * `audit replay`: re-decide every recorded request with the same decision function under another
 * policy and report what would change. Streams the store (constant memory: examples are capped
 * per rule). Writes nothing unless `record` is set, and then only Replayed events (own kind).
 */
import { evaluate } from "../../domain/decide-impl.ts"
import { scanGateFindings, type GateScan } from "../../domain/scan-gate.ts"
import type { DecisionOutcome, PolicyRef, Replayed, RequestReceived, ScanCompleted } from "../../domain/events.ts"
import type { LoadedPolicy } from "../../domain/policy.ts"
import { ruleIdOfReason } from "../../domain/audit-views.ts"
import { upcastRaw } from "../../domain/upcast.ts"
import { newDecisionId } from "../../services/Ids.ts"
import type { AuditStore } from "./store.ts"

export interface ReplayExample {
  readonly decisionId: string
  readonly at: string
  readonly user?: string | undefined
  readonly request: string
  readonly before: DecisionOutcome
  readonly after: DecisionOutcome
  readonly reasons: ReadonlyArray<string>
}

export interface RuleGroup {
  readonly rule: string
  readonly count: number
  readonly examples: ReadonlyArray<ReplayExample>
}

export interface ReplayReport {
  readonly policy: PolicyRef
  readonly since?: string | undefined
  readonly total: number
  readonly unchanged: number
  readonly newlyDenied: number
  readonly newlyAllowed: number
  /** same allow/deny but a different outcome (allowed <-> warned) */
  readonly outcomeChanged: number
  readonly newlyDeniedByRule: ReadonlyArray<RuleGroup>
  readonly newlyAllowedByRule: ReadonlyArray<RuleGroup>
  readonly recorded: number
  readonly durationMs: number
  readonly requestsPerSecond: number
}

export interface ReplayOptions {
  readonly since?: string | undefined
  readonly until?: string | undefined
  readonly examplesPerRule?: number | undefined
  /** a second store handle to record Replayed events into (same database file) */
  readonly recordInto?: AuditStore | undefined
}

type Json = Record<string, unknown>

class Groups {
  private readonly m = new Map<string, { count: number; examples: Array<ReplayExample> }>()
  constructor(private readonly cap: number) {}
  add(rule: string, ex: ReplayExample): void {
    const g = this.m.get(rule) ?? { count: 0, examples: [] }
    g.count++
    if (g.examples.length < this.cap) g.examples.push(ex)
    this.m.set(rule, g)
  }
  done(): Array<RuleGroup> {
    return [...this.m.entries()].map(([rule, g]) => ({ rule, count: g.count, examples: g.examples }))
      .sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule))
  }
}

/** Recorded scan results as scan-gate input (per-detector secret details are not recorded). */
const gateScan = (s: ScanCompleted): GateScan =>
  s.ok
    ? { ok: true, kind: s.kind, scanner: s.scanner, counts: s.counts, ...(s.counts.verified !== undefined ? { verified: s.counts.verified } : {}) }
    : { ok: false, kind: s.kind, scanner: s.scanner, error: s.error ?? "scan failed" }

/**
 * Replay the store's history under `policy` with the same decision function the plugin and CLI
 * use (`evaluate`), re-applying the scan gates to the recorded scan results.
 */
export const replay = (store: AuditStore, policy: LoadedPolicy, opts: ReplayOptions = {}): ReplayReport => {
  const started = performance.now()
  const policyRef: PolicyRef = { name: policy.policy.name, sha256: policy.sha256, source: policy.source }
  const denied = new Groups(opts.examplesPerRule ?? 3)
  const allowed = new Groups(opts.examplesPerRule ?? 3)
  let total = 0, unchanged = 0, newlyDenied = 0, newlyAllowed = 0, outcomeChanged = 0, recorded = 0
  let pendingRecord: Array<Replayed> = []
  const flushRecord = (): void => {
    if (opts.recordInto !== undefined && pendingRecord.length > 0) {
      opts.recordInto.appendSync(pendingRecord)
      recorded += pendingRecord.length
    }
    pendingRecord = []
  }

  const { from, to } = store.positionRange(opts.since, opts.until)
  let req: RequestReceived | undefined
  let scans: Array<ScanCompleted> = []
  for (const e of store.iterateEvents(from, to, ["RequestReceived", "ScanCompleted", "Decided"])) {
    const p = upcastRaw(e.type, e.version, JSON.parse(e.payload) as Json)
    if (e.type === "RequestReceived") {
      req = p as unknown as RequestReceived
      scans = []
      continue
    }
    if (req === undefined || req.decisionId !== e.decisionId) continue
    if (e.type === "ScanCompleted") {
      scans.push(p as unknown as ScanCompleted)
      continue
    }
    const before = { allowed: p["allowed"] === true, decision: p["decision"] as DecisionOutcome, reasons: (p["reasons"] ?? []) as Array<string> }
    const image = req.request.image?.raw ?? req.request.container?.image?.raw ?? scans[0]?.image ?? ""
    const extraFindings = scans.length === 0 ? undefined : scanGateFindings(policy.policy, { image, scans: scans.map(gateScan) })
    const v = evaluate(req.request, policy, { user: req.user, extraFindings })
    total++
    const changed = before.allowed !== v.allowed
    const reasons = changed || opts.recordInto !== undefined
      ? [...v.violations, ...v.warnings].map((f) => `[${f.level.toUpperCase()}] ${f.message} (${f.rule})`)
      : []
    const example = (r: RequestReceived): ReplayExample => ({
      decisionId: r.decisionId,
      at: r.at,
      user: r.user,
      request: r.command ?? (r.method !== undefined ? `${r.method} ${r.uri ?? ""}` : r.request.operation),
      before: before.decision,
      after: v.decision,
      reasons: v.allowed ? before.reasons : reasons
    })
    if (before.allowed && !v.allowed) {
      newlyDenied++
      const rules = new Set(v.violations.map((f) => f.rule))
      if (rules.size === 0) rules.add(`(score ${v.score} > max ${v.maxScore})`)
      const ex = example(req)
      for (const r of rules) denied.add(r, ex)
    } else if (!before.allowed && v.allowed) {
      newlyAllowed++
      const rules = new Set(before.reasons.map((r) => ruleIdOfReason(r) ?? "(unnamed)"))
      if (rules.size === 0) rules.add("(score)")
      const ex = example(req)
      for (const r of rules) allowed.add(r, ex)
    } else if (before.decision !== v.decision) outcomeChanged++
    else unchanged++
    if (opts.recordInto !== undefined) {
      pendingRecord.push({ _tag: "Replayed", version: 1, decisionId: newDecisionId(), at: new Date().toISOString(), originalDecisionId: req.decisionId,
        policy: policyRef, allowed: v.allowed, decision: v.decision, score: v.score, reasons })
      if (pendingRecord.length >= 1000) flushRecord()
    }
    req = undefined
  }
  flushRecord()
  const durationMs = performance.now() - started
  return {
    policy: policyRef, since: opts.since, total, unchanged, newlyDenied, newlyAllowed, outcomeChanged,
    newlyDeniedByRule: denied.done(), newlyAllowedByRule: allowed.done(), recorded,
    durationMs: Math.round(durationMs), requestsPerSecond: durationMs > 0 ? Math.round(total / (durationMs / 1000)) : total
  }
}

/**
 * Pure read-model folds over decision events: the one-row-per-decision view used by
 * `audit list/tail/export csv`, statistics, and the replay difference report.
 */
import type { DecisionEvent, DecisionOutcome, Source } from "./events.ts"

/** One decision, as listed by `audit list` (also the `decisions` index row). */
export interface DecisionRow {
  readonly decisionId: string
  /** RFC 3339 UTC with milliseconds (sortable) */
  readonly at: string
  readonly source: Source
  readonly user?: string | undefined
  readonly method?: string | undefined
  readonly uri?: string | undefined
  readonly action: string
  readonly decision: DecisionOutcome
  readonly allowed: boolean
  readonly score: number
  readonly image?: string | undefined
  readonly command?: string | undefined
  readonly policy: string
  readonly reasons: ReadonlyArray<string>
}

/** Normalize any parseable timestamp to `YYYY-MM-DDTHH:MM:SS.sssZ` (fixed width, sorts as text). */
export const normalizeTime = (at: string, fallback: string): string => {
  const ms = Date.parse(at)
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString()
}

/** Fold one decision's events into its row; undefined when the stream has no Decided event. */
export const decisionRowOf = (events: ReadonlyArray<DecisionEvent>, recordedAt: string): DecisionRow | undefined => {
  let req: Extract<DecisionEvent, { _tag: "RequestReceived" }> | undefined
  let dec: Extract<DecisionEvent, { _tag: "Decided" }> | undefined
  for (const e of events) {
    if (e._tag === "RequestReceived") req = e
    else if (e._tag === "Decided") dec = e
  }
  if (dec === undefined) return undefined
  const r = req?.request
  const image = r?.image?.raw ?? r?.container?.image?.raw ?? r?.build?.tags[0]?.raw
  return {
    decisionId: dec.decisionId,
    at: normalizeTime(req?.at ?? dec.at, recordedAt),
    source: req?.source ?? "authz",
    user: req?.user,
    method: req?.method,
    uri: req?.uri,
    action: r?.action ?? "unknown",
    decision: dec.decision,
    allowed: dec.allowed,
    score: dec.score,
    image,
    command: req?.command,
    policy: dec.policy.name,
    reasons: dec.reasons
  }
}

/** What a human sees for the request: the reconstructed command, else `METHOD URI`, else the action. */
export const describeRow = (row: DecisionRow): string =>
  row.command ?? (row.method !== undefined || row.uri !== undefined ? `${row.method ?? ""} ${row.uri ?? ""}`.trim() : row.action)

/** `[CRITICAL] message (rule.id)` → `rule.id`; undefined when the reason names no rule. */
export const ruleIdOfReason = (reason: string): string | undefined => {
  const m = /\(([A-Za-z0-9_.:*-]+)\)\s*$/.exec(reason)
  return m?.[1]
}

export interface Stats {
  readonly total: number
  readonly byDecision: Readonly<Record<DecisionOutcome, number>>
  readonly averageScore: number
  readonly topRules: ReadonlyArray<{ readonly rule: string; readonly count: number }>
  readonly topDeniedImages: ReadonlyArray<{ readonly image: string; readonly count: number }>
  readonly topDeniedUsers: ReadonlyArray<{ readonly user: string; readonly count: number }>
  readonly topUsers: ReadonlyArray<{ readonly user: string; readonly count: number }>
  /** score buckets: "0", "1-24", "25-49", "50-74", "75-100" */
  readonly scoreDistribution: Readonly<Record<string, number>>
}

/** Mutable accumulator for a streaming stats fold (constant per-row cost). */
export interface StatsAcc {
  total: number
  scoreSum: number
  byDecision: Record<DecisionOutcome, number>
  rules: Map<string, number>
  deniedImages: Map<string, number>
  deniedUsers: Map<string, number>
  users: Map<string, number>
  buckets: Record<string, number>
}

export const SCORE_BUCKETS = ["0", "1-24", "25-49", "50-74", "75-100"] as const

export const emptyStats = (): StatsAcc => ({
  total: 0,
  scoreSum: 0,
  byDecision: { allowed: 0, warned: 0, denied: 0 },
  rules: new Map(),
  deniedImages: new Map(),
  deniedUsers: new Map(),
  users: new Map(),
  buckets: Object.fromEntries(SCORE_BUCKETS.map((b) => [b, 0]))
})

const bump = (m: Map<string, number>, k: string, n = 1): void => {
  m.set(k, (m.get(k) ?? 0) + n)
}

export const bucketOf = (score: number): string =>
  score <= 0 ? "0" : score < 25 ? "1-24" : score < 50 ? "25-49" : score < 75 ? "50-74" : "75-100"

/** Add one decision (its row fields) to the accumulator. */
export const addDecision = (
  acc: StatsAcc,
  row: Pick<DecisionRow, "decision" | "score" | "user" | "image">
): StatsAcc => {
  acc.total++
  acc.scoreSum += row.score
  acc.byDecision[row.decision]++
  const user = row.user ?? "unknown"
  bump(acc.users, user)
  acc.buckets[bucketOf(row.score)] = (acc.buckets[bucketOf(row.score)] ?? 0) + 1
  if (row.decision === "denied") {
    bump(acc.deniedUsers, user)
    if (row.image !== undefined) bump(acc.deniedImages, row.image)
  }
  return acc
}

/** Count one fired rule (a RuleEvaluated finding that was not excepted). */
export const addRule = (acc: StatsAcc, rule: string, count = 1): StatsAcc => {
  bump(acc.rules, rule, count)
  return acc
}

const top = (m: Map<string, number>, n: number): Array<[string, number]> =>
  [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n)

export const finishStats = (acc: StatsAcc, n = 5): Stats => ({
  total: acc.total,
  byDecision: { ...acc.byDecision },
  averageScore: acc.total === 0 ? 0 : Math.round((acc.scoreSum / acc.total) * 10) / 10,
  topRules: top(acc.rules, n).map(([rule, count]) => ({ rule, count })),
  topDeniedImages: top(acc.deniedImages, n).map(([image, count]) => ({ image, count })),
  topDeniedUsers: top(acc.deniedUsers, n).map(([user, count]) => ({ user, count })),
  topUsers: top(acc.users, n).map(([user, count]) => ({ user, count })),
  scoreDistribution: { ...acc.buckets }
})

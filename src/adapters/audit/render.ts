/** Human-readable rendering of audit rows, event streams, stats and replay reports (CLI output). */
import { describeRow, type DecisionRow, type Stats } from "../../domain/audit-views.ts"
import type { DecisionEvent } from "../../domain/events.ts"
import type { ReplayReport } from "./replay.ts"

export type Paint = (s: string) => string
export interface Colours { readonly red: Paint; readonly green: Paint; readonly yellow: Paint; readonly gray: Paint; readonly bold: Paint }

const trunc = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 1)}…`)
const pad = (s: string, n: number): string => trunc(s, n).padEnd(n)
const when = (at: string): string => at.replace("T", " ").slice(0, 19)

const paintDecision = (c: Colours, d: string, width = 0): string => {
  const s = d.padEnd(width)
  return d === "denied" ? c.red(s) : d === "warned" ? c.yellow(s) : c.green(s)
}

/** `audit list` table (newest first, as given). */
export const renderList = (rows: ReadonlyArray<DecisionRow>, c: Colours): string => {
  if (rows.length === 0) return "No audit entries match."
  const head = c.bold(`${pad("TIME (UTC)", 19)}  ${pad("USER", 15)}  ${pad("DECISION", 8)}  SCORE  ${pad("REQUEST", 60)}  REASON`)
  const lines = rows.map((r) =>
    `${when(r.at)}  ${pad(r.user ?? "unknown", 15)}  ${paintDecision(c, r.decision, 8)}  ${String(r.score).padStart(5)}  ${pad(describeRow(r), 60)}  ${trunc(r.reasons[0] ?? "", 70)}${r.reasons.length > 1 ? c.gray(` (+${r.reasons.length - 1})`) : ""}`
  )
  return [head, ...lines].join("\n")
}

/** One line per decision for `audit tail` (seed style: `[HH:MM:SS] ✓|⚠|✗ decision user request (score: n)`). */
export const renderTailLine = (r: DecisionRow, c: Colours): string => {
  const mark = r.decision === "denied" ? c.red("✗") : r.decision === "warned" ? c.yellow("⚠") : c.green("✓")
  return `[${r.at.slice(11, 19)}] ${mark} ${paintDecision(c, r.decision)} ${r.user ?? "unknown"} ${describeRow(r)} (score: ${r.score})`
}

const eventDetail = (e: DecisionEvent): string => {
  switch (e._tag) {
    case "RequestReceived":
      return `${e.source} user=${e.user ?? "unknown"} action=${e.request.action} ${e.command ?? `${e.method ?? ""} ${e.uri ?? e.request.operation}`} policy=${e.policy.name}@${e.policy.sha256.slice(0, 12)}`
    case "RuleEvaluated":
      return `${e.finding.kind} [${e.finding.level.toUpperCase()}] ${e.finding.rule} +${e.finding.points}: ${e.finding.message}${e.finding.exceptedBy !== undefined ? ` (excepted: ${e.finding.exceptedBy})` : ""}`
    case "ScanCompleted":
      return `${e.scanner} ${e.kind} ${e.image} ${e.ok ? `critical=${e.counts.critical} high=${e.counts.high} medium=${e.counts.medium}` : `failed: ${e.error ?? ""}`}${e.fromCache ? " (cached)" : ""}`
    case "Decided":
      return `${e.decision} score=${e.score}/${e.maxScore} mode=${e.mode}${e.error !== undefined ? ` error=${e.error}` : ""}${e.reasons.map((r) => `\n      ${r}`).join("")}`
    case "AuditPruned":
      return `keep-days=${e.keepDays} removed=${e.removedEvents} before=${e.before}`
    case "Replayed":
      return `original=${e.originalDecisionId} policy=${e.policy.name} ${e.decision} score=${e.score}`
  }
}

/** `audit show`: the decision's event stream. */
export const renderShow = (id: string, events: ReadonlyArray<{ readonly position: number; readonly event: DecisionEvent }>, c: Colours): string =>
  [c.bold(`Decision ${id}`), ...events.map(({ position, event }) => `  #${position} ${c.bold(event._tag.padEnd(15))} ${event.at}  ${eventDetail(event)}`)].join("\n")

/** `audit stats`. */
export const renderStats = (s: Stats & { readonly since?: string | undefined }, c: Colours): string => {
  const pct = (n: number): string => (s.total === 0 ? "0.0" : ((n / s.total) * 100).toFixed(1))
  const list = (title: string, items: ReadonlyArray<readonly [string, number]>): Array<string> =>
    items.length === 0 ? [] : [c.bold(title), ...items.map(([k, n]) => `  ${String(n).padStart(7)}  ${k}`)]
  return [
    c.bold(`Audit statistics${s.since !== undefined ? ` since ${s.since}` : ""}`),
    `  total decisions  ${s.total}`,
    `  allowed          ${s.byDecision.allowed} (${pct(s.byDecision.allowed)}%)`,
    `  warned           ${s.byDecision.warned} (${pct(s.byDecision.warned)}%)`,
    `  denied           ${s.byDecision.denied} (${pct(s.byDecision.denied)}%)`,
    `  average score    ${s.averageScore}`,
    ...list("Top rules fired", s.topRules.map((r) => [r.rule, r.count] as const)),
    ...list("Top denied images", s.topDeniedImages.map((r) => [r.image, r.count] as const)),
    ...list("Top denied users", s.topDeniedUsers.map((r) => [r.user, r.count] as const)),
    ...list("Risk score distribution", Object.entries(s.scoreDistribution).map(([k, n]) => [k, n] as const))
  ].join("\n")
}

/** `audit replay` difference report. */
export const renderReplay = (r: ReplayReport, c: Colours): string => {
  const groups = (title: string, gs: ReplayReport["newlyDeniedByRule"]): Array<string> =>
    gs.length === 0 ? [] : [c.bold(title), ...gs.flatMap((g) => [
      `  ${g.rule}  (${g.count})`,
      ...g.examples.map((e) => c.gray(`      ${when(e.at)} ${e.user ?? "unknown"} ${trunc(e.request, 70)}  [${e.before} → ${e.after}] ${e.decisionId}`))
    ])]
  return [
    c.bold(`Replay of ${r.total} recorded requests under policy ${r.policy.name} (${r.policy.sha256.slice(0, 12)})`),
    `  unchanged        ${r.unchanged}`,
    `  newly denied     ${r.newlyDenied > 0 ? c.red(String(r.newlyDenied)) : "0"}`,
    `  newly allowed    ${r.newlyAllowed > 0 ? c.yellow(String(r.newlyAllowed)) : "0"}`,
    `  allowed↔warned   ${r.outcomeChanged}`,
    ...groups("Would be newly DENIED, by rule:", r.newlyDeniedByRule),
    ...groups("Would be newly ALLOWED, by the rule that denied them:", r.newlyAllowedByRule),
    c.gray(`  ${r.requestsPerSecond} requests/s, ${r.durationMs} ms${r.recorded > 0 ? `, ${r.recorded} Replayed events recorded` : ""}`)
  ].join("\n")
}

/** `audit stats`: one streaming pass over the decisions index and fired rules in a time range. */
import { addDecision, addRule, emptyStats, finishStats, type Stats } from "../../domain/audit-views.ts"
import type { AuditStore } from "./store.ts"

/** Compute statistics for decisions in [since, until] in constant memory per decision. */
export const computeStats = (store: AuditStore, since?: string, until?: string, top = 5): Stats & { readonly since?: string | undefined } => {
  const acc = emptyStats()
  for (const row of store.iterateDecisions({ since, until })) addDecision(acc, row)
  const { from, to } = store.positionRange(since, until)
  const q = store.sqlite.prepare(
    `SELECT json_extract(payload, '$.finding.rule') AS rule, count(*) AS n FROM events
     WHERE type = 'RuleEvaluated' AND position >= ? AND position <= ?
       AND json_extract(payload, '$.finding.exceptedBy') IS NULL GROUP BY rule`
  )
  for (const r of q.iterate(from, to) as IterableIterator<{ rule: string | null; n: number }>) {
    if (r.rule !== null) addRule(acc, r.rule, r.n)
  }
  return { ...finishStats(acc, top), since }
}

/**
 * Retention: the ONE place that deletes from the event store. `sentinel audit prune --keep-days N`
 * removes decisions (all their events) older than the cutoff, then records an AuditPruned event.
 * AuditPruned events themselves are never removed.
 */
import type { AuditPruned } from "../../domain/events.ts"
import { newDecisionId } from "../../services/Ids.ts"
import type { AuditStore } from "./store.ts"

export interface PruneResult {
  readonly removedEvents: number
  readonly removedDecisions: number
  readonly before: string
  readonly event: AuditPruned
}

/** Delete everything recorded for decisions older than `keepDays` days, and record it. */
export const prune = (store: AuditStore, keepDays: number, now: Date = new Date()): PruneResult => {
  if (!Number.isInteger(keepDays) || keepDays < 0) {
    throw new Error(`--keep-days must be a whole number of days >= 0, got ${keepDays}`)
  }
  const before = new Date(now.getTime() - keepDays * 86_400_000).toISOString()
  const db = store.sqlite
  const run = db.transaction(() => {
    const keep = db.prepare("SELECT min(first_position) AS p FROM decisions WHERE at >= ?").get(before) as { p: number | null }
    const limit = keep.p ?? Number.MAX_SAFE_INTEGER
    const ev = db.prepare("DELETE FROM events WHERE position < ? AND type <> 'AuditPruned'").run(limit)
    const dec = db.prepare("DELETE FROM decisions WHERE position < ?").run(limit)
    return { removedEvents: ev.changes, removedDecisions: dec.changes }
  })
  const { removedEvents, removedDecisions } = run.immediate()
  const event: AuditPruned = {
    _tag: "AuditPruned",
    version: 1,
    decisionId: newDecisionId(now.getTime()),
    at: now.toISOString(),
    keepDays,
    removedEvents,
    before
  }
  store.appendSync([event])
  return { removedEvents, removedDecisions, before, event }
}

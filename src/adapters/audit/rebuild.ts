/**
 * Rebuild the `decisions` index from the events (the source of truth), e.g. after restoring an
 * events-only backup or if the index is suspected to be wrong. Events are only read.
 */
import { decisionRowOf } from "../../domain/audit-views.ts"
import type { DecisionEvent } from "../../domain/events.ts"
import { upcast } from "../../domain/upcast.ts"
import { AuditStore } from "./store.ts"

/** Drop and re-derive every `decisions` row; returns the number of decisions indexed. */
export const rebuildIndex = (dir: string): number => {
  const reader = new AuditStore(dir)
  const writer = new AuditStore(dir)
  const insert = writer.sqlite.prepare(
    `INSERT INTO decisions (decision_id, first_position, position, at, source, user, method, uri, action, decision,
     allowed, score, image, command, policy, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  let n = 0
  try {
    writer.sqlite.transaction(() => {
      writer.sqlite.prepare("DELETE FROM decisions").run()
      let group: Array<DecisionEvent> = []
      let first = 0
      let recordedAt = ""
      for (const e of reader.iterateEvents()) {
        if (group.length > 0 && group[0]?.decisionId !== e.decisionId) group = []
        if (group.length === 0) first = e.position
        const ev = upcast(e.type, e.version, JSON.parse(e.payload) as Record<string, unknown>)
        group.push(ev)
        recordedAt = e.recordedAt
        if (ev._tag !== "Decided") continue
        const r = decisionRowOf(group, recordedAt)
        if (r !== undefined) {
          insert.run(r.decisionId, first, e.position, r.at, r.source, r.user ?? null, r.method ?? null, r.uri ?? null, r.action,
            r.decision, r.allowed ? 1 : 0, Math.round(r.score), r.image ?? null, r.command ?? null, r.policy, JSON.stringify(r.reasons))
          n++
        }
        group = []
      }
    }).immediate()
  } finally {
    reader.close()
    writer.close()
  }
  return n
}

/**
 * Following the store: `audit tail --follow` and `audit forward` poll the decisions index for
 * rows committed after the last seen position (works while the plugin is writing: WAL readers
 * never block the writer).
 */
import type { DecisionRow } from "../../domain/audit-views.ts"
import type { AuditStore } from "./store.ts"

export interface FollowOptions {
  /** start after this event position (default: the current end, i.e. only new decisions) */
  readonly after?: number | undefined
  readonly intervalMs?: number | undefined
  /** stop after this many decisions (tests, `--count`) */
  readonly max?: number | undefined
  readonly signal?: AbortSignal | undefined
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done(): void {
      clearTimeout(t)
      signal?.removeEventListener("abort", done)
      resolve()
    }
    signal?.addEventListener("abort", done, { once: true })
  })

/** Call `onRow` for every decision committed after `after`, until aborted or `max` reached. */
export const follow = async (
  store: AuditStore,
  onRow: (row: DecisionRow & { readonly position: number }) => void | Promise<void>,
  opts: FollowOptions = {}
): Promise<number> => {
  let pos = opts.after ?? store.lastPosition()
  let n = 0
  const max = opts.max ?? Number.POSITIVE_INFINITY
  while (opts.signal?.aborted !== true && n < max) {
    const rows = store.decisionsAfter(pos, 500)
    for (const row of rows) {
      await onRow(row)
      pos = row.position
      n++
      if (n >= max) return n
    }
    if (rows.length < 500) await sleep(opts.intervalMs ?? 100, opts.signal)
  }
  return n
}

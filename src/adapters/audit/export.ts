/**
 * `audit export`: streams the store to a writable in constant memory (cursor → ~64 KiB chunks →
 * stream, waiting for 'drain'). jsonl exports raw events; csv/ocsf/cef export one record per decision.
 */
import { hostname } from "node:os"
import type { Writable } from "node:stream"
import { eventLine } from "./mirror.ts"
import { csvLine, csvRow, cefLine, ocsfEvent, CSV_HEADER } from "./formats.ts"
import type { AuditStore } from "./store.ts"

export const EXPORT_FORMATS = ["jsonl", "csv", "ocsf", "cef"] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  readonly format: ExportFormat
  readonly since?: string | undefined
  readonly until?: string | undefined
}

const CHUNK = 64 * 1024

/** Write to a stream honouring backpressure. */
const writeChunk = (out: Writable, s: string): Promise<void> | undefined =>
  out.write(s) ? undefined : new Promise<void>((resolve, reject) => {
    const onDrain = (): void => { out.off("error", onError); resolve() }
    const onError = (e: Error): void => { out.off("drain", onDrain); reject(e) }
    out.once("drain", onDrain)
    out.once("error", onError)
  })

/** The lines of an export, lazily (a generator over the store's cursor). */
export function* exportLines(store: AuditStore, opts: ExportOptions): Generator<string> {
  if (opts.format === "jsonl") {
    const { from, to } = store.positionRange(opts.since, opts.until)
    for (const e of store.iterateEvents(from, to)) yield eventLine(e)
    return
  }
  const host = hostname()
  if (opts.format === "csv") yield csvLine(CSV_HEADER)
  for (const row of store.iterateDecisions({ since: opts.since, until: opts.until })) {
    if (opts.format === "csv") yield csvRow(row)
    else if (opts.format === "cef") yield cefLine(row)
    else yield `${JSON.stringify(ocsfEvent(row, host))}\n`
  }
}

/** Stream an export into `out`; resolves with the number of records written. */
export const exportTo = async (store: AuditStore, opts: ExportOptions, out: Writable): Promise<number> => {
  let buf = ""
  let n = 0
  for (const line of exportLines(store, opts)) {
    buf += line
    n++
    if (buf.length >= CHUNK) {
      const p = writeChunk(out, buf)
      buf = ""
      if (p !== undefined) await p
    }
  }
  if (buf.length > 0) {
    const p = writeChunk(out, buf)
    if (p !== undefined) await p
  }
  return opts.format === "csv" ? n - 1 : n
}

/**
 * Optional JSON Lines mirror of the event store for log shippers: one line per committed event,
 * size-based rotation (audit.jsonl → audit.jsonl.1 … audit.jsonl.<keep>). Files are 0600.
 * The mirror is written after COMMIT; the database stays the source of truth.
 */
import { appendFileSync, chmodSync, existsSync, renameSync, rmSync, statSync } from "node:fs"
import { join } from "node:path"

export interface MirrorOptions {
  readonly enabled: boolean
  /** rotate when the file would exceed this many bytes (default 50 MiB) */
  readonly maxBytes?: number | undefined
  /** rotated files kept (default 5) */
  readonly keep?: number | undefined
}

/** One stored event as it appears in exports and the mirror. */
export interface StoredEventLine {
  readonly position: number
  readonly decisionId: string
  readonly type: string
  readonly version: number
  readonly recordedAt: string
  /** the payload JSON text exactly as stored */
  readonly payload: string
}

/** Serialize a stored event as one JSON line (payload embedded as JSON, not re-encoded). */
export const eventLine = (e: StoredEventLine): string =>
  `{"position":${e.position},"decisionId":${JSON.stringify(e.decisionId)},"type":${JSON.stringify(e.type)},"version":${e.version},"recordedAt":${JSON.stringify(e.recordedAt)},"payload":${e.payload}}\n`

export class JsonlMirror {
  readonly file: string
  private size: number
  private readonly maxBytes: number
  private readonly keep: number

  constructor(dir: string, opts: MirrorOptions) {
    this.file = join(dir, "audit.jsonl")
    this.maxBytes = opts.maxBytes ?? 50 * 1024 * 1024
    this.keep = Math.max(1, opts.keep ?? 5)
    this.size = existsSync(this.file) ? statSync(this.file).size : 0
  }

  /** Append lines; rotates first when the file would grow past maxBytes. */
  write(lines: ReadonlyArray<StoredEventLine>): void {
    if (lines.length === 0) return
    const text = lines.map(eventLine).join("")
    const bytes = Buffer.byteLength(text)
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate()
    const fresh = !existsSync(this.file)
    appendFileSync(this.file, text, { mode: 0o600 })
    if (fresh) chmodSync(this.file, 0o600)
    this.size += bytes
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.keep}`, { force: true })
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`)
    }
    renameSync(this.file, `${this.file}.1`)
    this.size = 0
  }
}

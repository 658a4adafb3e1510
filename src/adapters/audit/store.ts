/**
 * The SQLite audit store: append-only events + the `decisions` index, group-committed appends,
 * and streaming reads (better-sqlite3 `.iterate()`, constant memory) for export and replay.
 * The code has no UPDATE and no DELETE on events; retention lives in prune.ts.
 */
import { statSync } from "node:fs"
import { Schema } from "effect"
import { and, desc, eq, gte, lte, type SQL } from "drizzle-orm"
import type Database from "better-sqlite3"
import { DecisionEvent } from "../../domain/events.ts"
import { decisionRowOf, type DecisionRow } from "../../domain/audit-views.ts"
import { upcast } from "../../domain/upcast.ts"
import { decisions, openAuditDb, type OpenedDb, type Synchronous } from "./db.ts"
import { JsonlMirror, type MirrorOptions, type StoredEventLine } from "./mirror.ts"
import { scrubEvent } from "./scrub.ts"
import { startCheckpointer, type WalCheckpointer } from "./checkpoint.ts"

export interface ListFilter {
  readonly limit?: number | undefined
  /** RFC 3339 UTC lower bound (inclusive), already resolved from `7d` etc. */
  readonly since?: string | undefined
  readonly until?: string | undefined
  readonly user?: string | undefined
  readonly decision?: string | undefined
  readonly action?: string | undefined
  readonly source?: string | undefined
}

export interface StoreOptions {
  readonly synchronous?: Synchronous
  readonly mirror?: MirrorOptions | undefined
  /** commit-time clock (tests) */
  readonly now?: () => Date
  /** run WAL checkpoints in a worker thread instead of inside commits (the long-running plugin) */
  readonly backgroundCheckpoint?: boolean | undefined
}

type DecisionDbRow = typeof decisions.$inferSelect
const encodeEvent = Schema.encodeSync(DecisionEvent)
const TAGS: Record<DecisionEvent["_tag"], true> = { RequestReceived: true, RuleEvaluated: true, ScanCompleted: true, Decided: true, AuditPruned: true, Replayed: true }
const EVENT_TAGS = new Set<string>(Object.keys(TAGS))
/** WAL size above which a commit checkpoints itself (the background checkpointer fell behind). */
const MAX_WAL_BYTES = 256 * 1024 * 1024

/** Map an index row to the view row. */
export const toDecisionRow = (r: DecisionDbRow): DecisionRow & { readonly position: number } => ({
  decisionId: r.decisionId,
  position: r.position,
  at: r.at,
  source: r.source as DecisionRow["source"],
  user: r.user ?? undefined,
  method: r.method ?? undefined,
  uri: r.uri ?? undefined,
  action: r.action,
  decision: r.decision as DecisionRow["decision"],
  allowed: r.allowed === 1,
  score: r.score,
  image: r.image ?? undefined,
  command: r.command ?? undefined,
  policy: r.policy,
  reasons: JSON.parse(r.reasons) as Array<string>
})

interface Pending {
  readonly events: ReadonlyArray<DecisionEvent>
  readonly resolve: () => void
  readonly reject: (e: unknown) => void
}

export class AuditStore {
  readonly sqlite: Database.Database
  readonly file: string
  private readonly opened: OpenedDb
  private readonly mirror: JsonlMirror | undefined
  private readonly now: () => Date
  private readonly insertEvent: Database.Statement
  private readonly insertDecision: Database.Statement
  private readonly commitMany: (batches: ReadonlyArray<ReadonlyArray<DecisionEvent>>) => Array<StoredEventLine>
  private readonly checkpointer: WalCheckpointer | undefined
  private queue: Array<Pending> = []
  private scheduled = false
  private flushes = 0

  constructor(readonly dir: string, opts: StoreOptions = {}) {
    this.opened = openAuditDb(dir, opts.synchronous === undefined ? {} : { synchronous: opts.synchronous })
    this.sqlite = this.opened.sqlite
    this.file = this.opened.file
    this.now = opts.now ?? (() => new Date())
    this.mirror = opts.mirror?.enabled === true ? new JsonlMirror(dir, opts.mirror) : undefined
    this.checkpointer = opts.backgroundCheckpoint === true ? startCheckpointer(this.sqlite, this.file, opts.synchronous ?? "NORMAL") : undefined
    this.insertEvent = this.sqlite.prepare(
      "INSERT INTO events (decision_id, type, version, recorded_at, payload) VALUES (?, ?, ?, ?, ?)"
    )
    this.insertDecision = this.sqlite.prepare(
      `INSERT INTO decisions (decision_id, first_position, position, at, source, user, method, uri, action, decision,
       allowed, score, image, command, policy, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    this.commitMany = this.sqlite.transaction((batches: ReadonlyArray<ReadonlyArray<DecisionEvent>>) => {
      const recordedAt = this.now().toISOString()
      const lines: Array<StoredEventLine> = []
      for (const batch of batches) this.writeBatch(batch, recordedAt, lines)
      return lines
    })
  }

  private writeBatch(batch: ReadonlyArray<DecisionEvent>, recordedAt: string, lines: Array<StoredEventLine>): void {
    let first = -1
    let last = -1
    for (const e of batch) {
      const payload = JSON.stringify(e)
      const info = this.insertEvent.run(e.decisionId, e._tag, e.version, recordedAt, payload)
      const position = Number(info.lastInsertRowid)
      if (first < 0) first = position
      if (e._tag === "Decided") last = position
      lines.push({ position, decisionId: e.decisionId, type: e._tag, version: e.version, recordedAt, payload })
    }
    const row = last < 0 ? undefined : decisionRowOf(batch, recordedAt)
    if (row !== undefined) {
      this.insertDecision.run(row.decisionId, first, last, row.at, row.source, row.user ?? null, row.method ?? null,
        row.uri ?? null, row.action, row.decision, row.allowed ? 1 : 0, Math.round(row.score), row.image ?? null,
        row.command ?? null, row.policy, JSON.stringify(row.reasons))
    }
  }

  /** Validate and scrub one decision's events (throws a readable error on a bad event). */
  prepare(events: ReadonlyArray<unknown>): Array<DecisionEvent> {
    return events.map((e) => scrubEvent(encodeEvent(e as DecisionEvent)))
  }

  /**
   * Scrub events built in-process as typed values (the plugin's decide output): no full schema
   * pass (≈8 µs a decision), only the fields the store itself relies on are checked.
   */
  prepareTyped(events: ReadonlyArray<DecisionEvent>): Array<DecisionEvent> {
    return events.map((e) => {
      if (typeof e !== "object" || e === null || typeof e.decisionId !== "string" || e.decisionId === "" || !EVENT_TAGS.has(e._tag) || !Number.isInteger(e.version)) {
        throw new Error(`not a decision event (needs _tag, decisionId, version): ${JSON.stringify(e)?.slice(0, 200)}`)
      }
      return scrubEvent(e)
    })
  }

  /** Append synchronously in one transaction (CLI paths, imports, benchmarks). */
  appendSync(...batches: ReadonlyArray<ReadonlyArray<DecisionEvent>>): void {
    const clean = batches.map((b) => this.prepare(b))
    this.mirrorSafe(this.commitMany(clean))
  }

  /**
   * Group commit: appends arriving in the same event-loop turn share one transaction;
   * every caller resolves only after COMMIT (survives a process crash; also power loss with FULL).
   */
  append(events: ReadonlyArray<DecisionEvent>, opts: { readonly typed?: boolean } = {}): Promise<void> {
    let clean: Array<DecisionEvent>
    try {
      clean = opts.typed === true ? this.prepareTyped(events) : this.prepare(events)
    } catch (e) {
      return Promise.reject(e)
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ events: clean, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush(): void {
    const batch = this.queue
    this.queue = []
    this.scheduled = false
    try {
      const lines = this.commitMany(batch.map((p) => p.events))
      this.mirrorSafe(lines)
      for (const p of batch) p.resolve()
      if (this.checkpointer !== undefined && ++this.flushes % 1024 === 0) this.bound()
    } catch {
      for (const p of batch) {
        try {
          this.mirrorSafe(this.commitMany([p.events]))
          p.resolve()
        } catch (e) {
          p.reject(e)
        }
      }
    }
  }

  /** Safety net: if the background checkpointer cannot keep up, checkpoint here (between commits). */
  private bound(): void {
    if ((statSync(`${this.file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > MAX_WAL_BYTES) this.sqlite.pragma("wal_checkpoint(PASSIVE)")
  }

  private mirrorSafe(lines: ReadonlyArray<StoredEventLine>): void {
    try {
      this.mirror?.write(lines)
    } catch (e) {
      process.stderr.write(`sentinel: audit JSONL mirror write failed (database is unaffected): ${String(e)}\n`)
    }
  }

  /** Decisions, newest first. */
  list(f: ListFilter = {}): Array<DecisionRow & { readonly position: number }> {
    const conds: Array<SQL> = []
    if (f.since !== undefined) conds.push(gte(decisions.at, f.since))
    if (f.until !== undefined) conds.push(lte(decisions.at, f.until))
    if (f.user !== undefined) conds.push(eq(decisions.user, f.user))
    if (f.decision !== undefined) conds.push(eq(decisions.decision, f.decision))
    if (f.action !== undefined) conds.push(eq(decisions.action, f.action))
    if (f.source !== undefined) conds.push(eq(decisions.source, f.source))
    return this.opened.db.select().from(decisions).where(and(...conds)).orderBy(desc(decisions.position))
      .limit(f.limit ?? 20).all().map(toDecisionRow)
  }

  /** A decision's full event stream, upcast to current versions, in order. */
  show(decisionId: string): Array<{ readonly position: number; readonly recordedAt: string; readonly event: DecisionEvent }> {
    const rows = this.sqlite.prepare("SELECT position, type, version, recorded_at, payload FROM events WHERE decision_id = ? ORDER BY position")
      .all(decisionId) as Array<{ position: number; type: string; version: number; recorded_at: string; payload: string }>
    return rows.map((r) => ({ position: r.position, recordedAt: r.recorded_at, event: upcast(r.type, r.version, JSON.parse(r.payload) as Record<string, unknown>) }))
  }

  /** Decisions committed after `position`, oldest first (tail, forward). */
  decisionsAfter(position: number, limit = 1000): Array<DecisionRow & { readonly position: number }> {
    const rows = this.sqlite.prepare("SELECT * FROM decisions WHERE position > ? ORDER BY position LIMIT ?").all(position, limit)
    return (rows as Array<Record<string, unknown>>).map((r) => toDecisionRow(fromSql(r)))
  }

  /** The highest committed event position (0 when empty). */
  lastPosition(): number {
    const r = this.sqlite.prepare("SELECT max(position) AS p FROM events").get() as { p: number | null }
    return r.p ?? 0
  }

  /** The event position range covering decisions whose time is within [since, until]. */
  positionRange(since?: string, until?: string): { readonly from: number; readonly to: number } {
    const from = since === undefined ? 0
      : ((this.sqlite.prepare("SELECT min(first_position) AS p FROM decisions WHERE at >= ?").get(since) as { p: number | null }).p ?? Number.MAX_SAFE_INTEGER)
    const to = until === undefined ? Number.MAX_SAFE_INTEGER
      : ((this.sqlite.prepare("SELECT max(position) AS p FROM decisions WHERE at <= ?").get(until) as { p: number | null }).p ?? -1)
    return { from, to }
  }

  /** Stream stored events in position order (constant memory). */
  *iterateEvents(from = 0, to = Number.MAX_SAFE_INTEGER, types?: ReadonlyArray<string>): Generator<StoredEventLine> {
    const typeSql = types === undefined ? "" : ` AND type IN (${types.map(() => "?").join(",")})`
    const stmt = this.sqlite.prepare(`SELECT position, decision_id, type, version, recorded_at, payload FROM events WHERE position >= ? AND position <= ?${typeSql} ORDER BY position`)
    for (const r of stmt.iterate(from, to, ...(types ?? [])) as IterableIterator<{ position: number; decision_id: string; type: string; version: number; recorded_at: string; payload: string }>) {
      yield { position: r.position, decisionId: r.decision_id, type: r.type, version: r.version, recordedAt: r.recorded_at, payload: r.payload }
    }
  }

  /** Stream decision rows matching a filter, oldest first (constant memory). */
  *iterateDecisions(f: ListFilter = {}): Generator<DecisionRow & { readonly position: number }> {
    const where: Array<string> = []
    const args: Array<string> = []
    const add = (sql: string, v: string | undefined): void => {
      if (v !== undefined) {
        where.push(sql)
        args.push(v)
      }
    }
    add("at >= ?", f.since)
    add("at <= ?", f.until)
    add("user = ?", f.user)
    add("decision = ?", f.decision)
    add("action = ?", f.action)
    add("source = ?", f.source)
    const stmt = this.sqlite.prepare(`SELECT * FROM decisions${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY position`)
    for (const r of stmt.iterate(...args) as IterableIterator<Record<string, unknown>>) yield toDecisionRow(fromSql(r))
  }

  /** Commit anything still queued, then close. */
  close(): void {
    if (!this.sqlite.open) return
    if (this.queue.length > 0) this.flush()
    this.checkpointer?.stop()
    this.sqlite.close()
  }
}

const fromSql = (r: Record<string, unknown>): DecisionDbRow => ({
  decisionId: r["decision_id"] as string,
  firstPosition: r["first_position"] as number,
  position: r["position"] as number,
  at: r["at"] as string,
  source: r["source"] as string,
  user: r["user"] as string | null,
  method: r["method"] as string | null,
  uri: r["uri"] as string | null,
  action: r["action"] as string,
  decision: r["decision"] as string,
  allowed: r["allowed"] as number,
  score: r["score"] as number,
  image: r["image"] as string | null,
  command: r["command"] as string | null,
  policy: r["policy"] as string,
  reasons: r["reasons"] as string
})

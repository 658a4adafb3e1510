/**
 * The audit database: SQLite (WAL) through better-sqlite3 + drizzle. The schema is created by
 * embedded DDL (no migrations folder to ship); `schema_version` records its version.
 * `events` is the append-only source of truth. `decisions` is a denormalized index written in
 * the same transaction as a decision's events; it can be rebuilt from `events` (rebuild.ts).
 */
import Database from "better-sqlite3"
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3"
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core"
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs"
import { join } from "node:path"

export const SCHEMA_VERSION = 1

export const events = sqliteTable("events", {
  position: integer("position").primaryKey({ autoIncrement: true }),
  decisionId: text("decision_id").notNull(),
  type: text("type").notNull(),
  version: integer("version").notNull(),
  recordedAt: text("recorded_at").notNull(),
  payload: text("payload").notNull()
})

export const decisions = sqliteTable("decisions", {
  position: integer("position").primaryKey(),
  decisionId: text("decision_id").notNull().unique(),
  firstPosition: integer("first_position").notNull(),
  at: text("at").notNull(),
  source: text("source").notNull(),
  user: text("user"),
  method: text("method"),
  uri: text("uri"),
  action: text("action").notNull(),
  decision: text("decision").notNull(),
  allowed: integer("allowed").notNull(),
  score: integer("score").notNull(),
  image: text("image"),
  command: text("command"),
  policy: text("policy").notNull(),
  reasons: text("reasons").notNull()
})

const DDL = [
  `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT, decision_id TEXT NOT NULL, type TEXT NOT NULL,
    version INTEGER NOT NULL, recorded_at TEXT NOT NULL, payload TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS idx_events_decision ON events(decision_id)`,
  `CREATE TABLE IF NOT EXISTS decisions (
    position INTEGER PRIMARY KEY, decision_id TEXT NOT NULL UNIQUE, first_position INTEGER NOT NULL,
    at TEXT NOT NULL, source TEXT NOT NULL, user TEXT, method TEXT, uri TEXT, action TEXT NOT NULL,
    decision TEXT NOT NULL, allowed INTEGER NOT NULL, score INTEGER NOT NULL, image TEXT, command TEXT,
    policy TEXT NOT NULL, reasons TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS idx_decisions_at ON decisions(at)`,
  `CREATE INDEX IF NOT EXISTS idx_decisions_user ON decisions(user, at)`,
  `CREATE INDEX IF NOT EXISTS idx_decisions_decision ON decisions(decision, at)`,
  `CREATE INDEX IF NOT EXISTS idx_decisions_action ON decisions(action, at)`
]

export type Synchronous = "FULL" | "NORMAL" | "OFF"

export interface OpenedDb {
  readonly sqlite: Database.Database
  readonly db: BetterSQLite3Database
  readonly file: string
}

/** chmod a path we own to `mode` when it is looser (never touches files owned by someone else). */
const tighten = (path: string, mode: number): void => {
  if (!existsSync(path)) return
  const st = statSync(path)
  if ((st.mode & 0o777 & ~mode) !== 0 && st.uid === process.geteuid?.()) chmodSync(path, mode)
}

/** Create the audit dir (0700) and open/create `audit.db` (0600) in WAL mode. */
export const openAuditDb = (dir: string, opts: { readonly synchronous?: Synchronous } = {}): OpenedDb => {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 })
  tighten(dir, 0o700)
  const file = join(dir, "audit.db")
  const sqlite = new Database(file)
  for (const suffix of ["", "-wal", "-shm"]) tighten(file + suffix, 0o600)
  sqlite.pragma("journal_mode = WAL")
  // NORMAL (default): in WAL mode a committed transaction survives a crash of the process, not of the OS
  sqlite.pragma(`synchronous = ${opts.synchronous ?? "NORMAL"}`)
  sqlite.pragma("busy_timeout = 10000")
  sqlite.pragma("cache_size = -32000") // 32 MiB page cache: index pages of large stores stay hot
  sqlite.transaction(() => {
    for (const stmt of DDL) sqlite.exec(stmt)
    const row = sqlite.prepare("SELECT version FROM schema_version").get() as { version: number } | undefined
    if (row === undefined) sqlite.prepare("INSERT INTO schema_version (version) VALUES (?)").run(SCHEMA_VERSION)
    else if (row.version > SCHEMA_VERSION) {
      throw new Error(`audit database ${file} has schema version ${row.version}, newer than this build (${SCHEMA_VERSION}); upgrade sentinel`)
    }
  }).immediate()
  for (const suffix of ["-wal", "-shm"]) tighten(file + suffix, 0o600)
  return { sqlite, db: drizzle(sqlite), file }
}

/** Effect wiring: the AuditLog service backed by the SQLite store, and a scoped store resource. */
import { Effect, Either, Layer, type Scope } from "effect"
import { AuditError, AuditLog } from "../../services/AuditLog.ts"
import { loadConfig, configPaths, type AuditSynchronous } from "../config.ts"
import type { Synchronous } from "./db.ts"
import { AuditStore, type StoreOptions } from "./store.ts"

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * The audit durability: `SENTINEL_AUDIT_SYNC=FULL|NORMAL` wins, else config.yaml `audit.synchronous`,
 * else NORMAL (WAL: committed decisions survive a crash or kill -9 of the process, not power loss).
 */
export const auditSynchronous = (configured: AuditSynchronous | undefined, env: NodeJS.ProcessEnv = process.env): Synchronous => {
  const e = (env["SENTINEL_AUDIT_SYNC"] ?? "").trim().toUpperCase()
  if (e === "FULL" || e === "NORMAL") return e
  return configured === "full" ? "FULL" : "NORMAL"
}

/** Store options from config.yaml (`audit.jsonl`, `audit.synchronous`), for the config dir that holds `auditDir`. */
export const storeOptionsFromConfig = (configDir: string): StoreOptions => {
  const loaded = loadConfig(configDir)
  if (Either.isLeft(loaded)) return { synchronous: auditSynchronous(undefined) }
  const a = loaded.right.config.audit
  const j = a.jsonl
  return { synchronous: auditSynchronous(a.synchronous), mirror: { enabled: j.enabled, maxBytes: j.max_bytes, keep: j.keep } }
}

/** Open the store for the scope's lifetime. */
export const storeResource = (dir: string, opts: StoreOptions = {}): Effect.Effect<AuditStore, AuditError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => new AuditStore(dir, opts),
      catch: (e) => new AuditError({ message: `cannot open the audit store in ${dir}: ${errorText(e)} (check that the directory is writable by this user)` })
    }),
    (s) => Effect.sync(() => s.close())
  )

/** The audit store in `<config dir>/audit` of the resolved config dir. */
export const defaultAuditDir = (): string => configPaths().auditDir

export const SqliteAuditLog = {
  /** AuditLog backed by `<dir>/audit.db`; `append` resolves after COMMIT (group commit). */
  layer: (dir: string, opts: StoreOptions = {}): Layer.Layer<AuditLog, AuditError> =>
    Layer.scoped(
      AuditLog,
      Effect.map(storeResource(dir, opts), (store) =>
        AuditLog.of({
          append: (events) =>
            Effect.tryPromise({
              // typed events from in-process callers: the store checks its key fields, not the whole schema
              try: () => store.append(events, { typed: true }),
              catch: (e) => new AuditError({ message: `audit append failed: ${errorText(e)}` })
            })
        })
      )
    )
}

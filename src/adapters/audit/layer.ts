/** Effect wiring: the AuditLog service backed by the SQLite store, and a scoped store resource. */
import { Effect, Either, Layer, type Scope } from "effect"
import { AuditError, AuditLog } from "../../services/AuditLog.ts"
import { loadConfig, configPaths } from "../config.ts"
import { AuditStore, type StoreOptions } from "./store.ts"

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Store options from config.yaml (`audit.jsonl`), for the config dir that holds `auditDir`. */
export const storeOptionsFromConfig = (configDir: string): StoreOptions => {
  const loaded = loadConfig(configDir)
  if (Either.isLeft(loaded)) return {}
  const j = loaded.right.config.audit.jsonl
  return { mirror: { enabled: j.enabled, maxBytes: j.max_bytes, keep: j.keep } }
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
              try: () => store.append(events),
              catch: (e) => new AuditError({ message: `audit append failed: ${errorText(e)}` })
            })
        })
      )
    )
}

/**
 * The one layer graph both apps are built from: the policy store (last-good, hot reload), the
 * SQLite audit log and the scanners, each rooted in the same config dir. The AuthZ plugin
 * provides all of it; CLI commands provide only the parts they use (e.g. `scan` the scanners).
 */
import { join } from "node:path"
import { Layer } from "effect"
import { configPaths } from "../adapters/config.ts"
import { layer as policyStoreLayer } from "../adapters/policy-store/store.ts"
import { SqliteAuditLog, storeOptionsFromConfig } from "../adapters/audit/layer.ts"
import { ScannersLive } from "../adapters/scan/service.ts"

export interface AppOptions {
  readonly configDir: string
  /** pin a policy name or path instead of following config.yaml's active_policy */
  readonly policy?: string | undefined
  /** long-running plugin: WAL checkpoints in a background worker */
  readonly plugin?: boolean | undefined
}

/** Scanners with their result cache in `<config dir>/cache/scans`. */
export const ScannersFor = (configDir: string) => ScannersLive({ cacheDir: join(configPaths(configDir).cacheDir, "scans") })

/** The active policy, watched for changes. */
export const PolicyStoreFor = (o: AppOptions) => policyStoreLayer({ pinned: o.policy, dir: o.configDir })

/** The audit log in `<config dir>/audit`; durability from config.yaml audit.synchronous / SENTINEL_AUDIT_SYNC. */
export const AuditLogFor = (o: AppOptions) =>
  SqliteAuditLog.layer(configPaths(o.configDir).auditDir, { ...storeOptionsFromConfig(o.configDir), backgroundCheckpoint: o.plugin === true })

/** PolicyStore + AuditLog + Scanners. */
export const AppLayer = (o: AppOptions) => Layer.mergeAll(PolicyStoreFor(o), ScannersFor(o.configDir), AuditLogFor(o))

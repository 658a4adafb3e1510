/**
 * Scanner settings from config.yaml's `scanners:` section (machine-level, not policy):
 *
 *   scanners:
 *     offline: true        # trivy --skip-db-update --offline-scan …, trufflehog --no-verification
 *     timeout: 5m          # per-scanner timeout
 *     cache_duration: 24h  # result cache TTL (a policy's image_scanning.cache_duration wins)
 *
 * Unknown keys or bad values are reported, never ignored.
 */
import { Either, Schema } from "effect"
import { loadConfig } from "../config.ts"
import { parseDuration } from "./cache.ts"

const Section = Schema.Struct({
  offline: Schema.optional(Schema.Boolean),
  timeout: Schema.optional(Schema.String),
  cache_duration: Schema.optional(Schema.String)
})

export interface ScannerSettings {
  readonly offline: boolean
  readonly timeoutMs?: number | undefined
  readonly cacheTtlMs?: number | undefined
}

/** Decode the `scanners:` section; Left carries a message naming the key and the fix. */
export const decodeScannerSettings = (raw: unknown): Either.Either<ScannerSettings, string> => {
  const r = Schema.decodeUnknownEither(Section, { onExcessProperty: "error" })(raw ?? {})
  if (Either.isLeft(r)) return Either.left(`config.yaml scanners: ${r.left.message.split("\n").slice(0, 3).join(" ")} (allowed keys: offline, timeout, cache_duration)`)
  const s = r.right
  const timeoutMs = parseDuration(s.timeout)
  if (s.timeout !== undefined && (timeoutMs === undefined || timeoutMs <= 0)) return Either.left(`config.yaml scanners.timeout "${s.timeout}" is not a duration (e.g. 90s, 5m)`)
  const cacheTtlMs = parseDuration(s.cache_duration)
  if (s.cache_duration !== undefined && cacheTtlMs === undefined) return Either.left(`config.yaml scanners.cache_duration "${s.cache_duration}" is not a duration (e.g. 24h)`)
  return Either.right({ offline: s.offline ?? false, timeoutMs, cacheTtlMs })
}

/** Settings from the config dir's config.yaml (defaults when the file is missing). */
export const loadScannerSettings = (dir?: string): Either.Either<ScannerSettings, string> => {
  const cfg = loadConfig(dir)
  if (Either.isLeft(cfg)) return Either.left(cfg.left.message)
  return decodeScannerSettings(cfg.right.config.scanners)
}

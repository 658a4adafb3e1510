/**
 * Scan result cache: one JSON file per (scanner, scanner version, image digest) under
 * `<config dir>/cache/scans/`, 0600 files in 0700 dirs. Secrets are stored redacted only.
 */
import { createHash } from "node:crypto"
import { mkdir, readFile, rename, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { ScanResult } from "../../services/Scanners.ts"
import { configDir } from "../config.ts"

/** The config dir (shared resolution: SENTINEL_CONFIG_DIR, /etc/sentinel as root, else XDG). */
export { configDir }

export const scanCacheDir = (dir = configDir()): string => join(dir, "cache", "scans")

export const cacheKey = (scanner: string, version: string, digest: string): string =>
  createHash("sha256").update(`${scanner}\u0000${version}\u0000${digest}`).digest("hex")

/** Go-style durations ("24h", "90m", "1h30m", "20s", "500ms") to ms; undefined if unparsable. */
export const parseDuration = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined
  const t = s.trim()
  if (t === "") return undefined
  if (/^\d+$/.test(t)) return Number(t) * 1000
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
  let total = 0
  let consumed = 0
  for (const m of t.matchAll(re)) {
    const n = Number(m[1])
    const unit = m[2]
    total += n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : unit === "h" ? 3_600_000 : 86_400_000)
    consumed += m[0].length
  }
  return consumed === t.length && consumed > 0 ? total : undefined
}

interface Entry {
  readonly storedAt: number
  readonly result: ScanResult
}

/** A cached result younger than `ttlMs`, marked fromCache. */
export const readCached = async (dir: string, key: string, ttlMs: number, now = Date.now()): Promise<ScanResult | undefined> => {
  if (ttlMs <= 0) return undefined
  try {
    const e = JSON.parse(await readFile(join(dir, `${key}.json`), "utf8")) as Entry
    if (typeof e.storedAt !== "number" || now - e.storedAt > ttlMs || now < e.storedAt - 60_000) return undefined
    return { ...e.result, fromCache: true }
  } catch {
    return undefined
  }
}

/** Store a result atomically (write temp file, rename). */
export const writeCached = async (dir: string, key: string, result: ScanResult, now = Date.now()): Promise<void> => {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const tmp = join(dir, `.${key}.${process.pid}.tmp`)
  await writeFile(tmp, JSON.stringify({ storedAt: now, result } satisfies Entry), { mode: 0o600 })
  await rename(tmp, join(dir, `${key}.json`))
}

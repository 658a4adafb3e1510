/** Time bounds for audit queries: `7d`, `24h`, `30m`, `90s`, `1w`, or an RFC 3339 timestamp. */

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** Resolve a `--since/--until` value to a normalized UTC timestamp (ms precision, sortable). */
export const parseTimeBound = (value: string, flag: string, now: Date = new Date()): string => {
  const v = value.trim()
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(v)
  if (m !== null) return new Date(now.getTime() - Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 1_000)).toISOString()
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) {
    const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)
    if (!Number.isNaN(ms)) return new Date(ms).toISOString()
  }
  throw new Error(`${flag} "${value}" is not a duration (e.g. 30m, 24h, 7d) or an RFC 3339 time (e.g. 2026-01-31T12:00:00Z)`)
}

/** Optional variant: undefined stays undefined. */
export const optionalBound = (value: string | undefined, flag: string, now?: Date): string | undefined =>
  value === undefined || value === "" ? undefined : parseTimeBound(value, flag, now)

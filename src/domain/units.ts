/**
 * Unit parsing shared by policy checks, rules and scanners. Every parser returns
 * `undefined` for input it cannot read, so callers can fail closed or report it.
 */

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5
}

const MEMORY_RE = /^(\d+(?:\.\d+)?)\s?([kmgtp]?)(?:i?b)?$/i

/**
 * Memory size in bytes, as docker's `RAMInBytes` (`--memory`): `512m`, `2g`, `1.5GiB`,
 * `1024k`, `100b`, a plain number of bytes. Units are binary (k = 1024).
 */
export const parseMemory = (input: string | number): number | undefined => {
  if (typeof input === "number") return Number.isFinite(input) && input >= 0 ? Math.floor(input) : undefined
  const m = MEMORY_RE.exec(input.trim())
  if (m === null) return undefined
  const n = Number.parseFloat(m[1] ?? "")
  const unit = MEMORY_UNITS[(m[2] ?? "").toLowerCase()]
  if (!Number.isFinite(n) || unit === undefined) return undefined
  return Math.floor(n * unit)
}

/**
 * Number of CPUs as docker's `--cpus` takes it: `2`, `1.5`, `"0.5"`; also the
 * Kubernetes-style millicore form `500m` (= 0.5). Must be positive.
 */
export const parseCpus = (input: string | number): number | undefined => {
  if (typeof input === "number") return Number.isFinite(input) && input > 0 ? input : undefined
  const s = input.trim()
  const milli = /^(\d+)m$/.exec(s)
  if (milli !== null) {
    const n = Number.parseInt(milli[1] ?? "", 10) / 1000
    return n > 0 ? n : undefined
  }
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(s)) return undefined
  const n = Number.parseFloat(s)
  return Number.isFinite(n) && n > 0 ? n : undefined
}

/** CPUs → docker NanoCpus (1 CPU = 1e9). */
export const cpusToNano = (cpus: number): number => Math.round(cpus * 1e9)

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000
}

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w)/y

/**
 * Duration in milliseconds: Go `time.ParseDuration` syntax (`30s`, `1h30m`, `500ms`, `1.5h`)
 * plus days and weeks (`7d`, `2w`), as the audit and cache settings use them. `"0"` is 0.
 */
export const parseDuration = (input: string): number | undefined => {
  const s = input.trim()
  if (s === "0") return 0
  if (s === "") return undefined
  let total = 0
  let pos = 0
  DURATION_PART.lastIndex = 0
  while (pos < s.length) {
    DURATION_PART.lastIndex = pos
    const m = DURATION_PART.exec(s)
    if (m === null) return undefined
    const n = Number.parseFloat(m[1] ?? "")
    const unit = DURATION_UNITS[m[2] ?? ""]
    if (!Number.isFinite(n) || unit === undefined) return undefined
    total += n * unit
    pos = DURATION_PART.lastIndex
  }
  return total
}

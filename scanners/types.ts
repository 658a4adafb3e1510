/**
 * The scanner adapter interface. One file per scanner in scanners/ implements it;
 * the shared runner (src/adapters/scan/runner.ts) executes the command line and the
 * adapter turns the tool's output into Sentinel findings. See docs/SCANNERS.md.
 */
import { Either, Schema } from "effect"

export const ScanSeverity = Schema.Literal("critical", "high", "medium", "low", "unknown")
export type ScanSeverity = typeof ScanSeverity.Type

/** One vulnerability as Sentinel sees it, whichever tool found it. */
export interface Vulnerability {
  readonly id: string
  readonly severity: ScanSeverity
  readonly package: string
  readonly installedVersion: string
  /** absent when no fix exists; may be a comma-separated list */
  readonly fixedVersion?: string | undefined
  readonly title?: string | undefined
  readonly cvss?: number | undefined
}

/** One secret. Never carries the secret value: only a redacted form. */
export interface SecretFinding {
  readonly detector: string
  readonly severity: ScanSeverity
  /** path inside the image, or `image-config:env:NAME` / `image-metadata:history:N:created-by` */
  readonly file?: string | undefined
  readonly layer?: string | undefined
  readonly line?: number | undefined
  readonly verified: boolean
  /** `abcd****wxyz` or `****` */
  readonly redacted: string
}

export type ScanKind = "vulnerabilities" | "secrets"
export type Finding<K extends ScanKind> = K extends "vulnerabilities" ? Vulnerability : SecretFinding

/** Options a scan run can pass to the adapter's command line. */
export interface CommandOptions {
  /** skip database/self updates and network lookups where the tool supports it */
  readonly offline?: boolean | undefined
}

/** How the runner should treat an exit code. */
export type ExitInterpretation = "ok" | "error"

/** What every adapter declares. */
export interface ScannerAdapter<K extends ScanKind = ScanKind> {
  readonly id: string
  readonly kind: K
  /** executable looked up on PATH (plus the usual install dirs) */
  readonly binary: string
  /** install hint printed when the tool is missing */
  readonly installHint: string
  /** arguments that print the version, and how to read it from stdout */
  readonly versionArgs: ReadonlyArray<string>
  readonly parseVersion: (stdout: string) => string | undefined
  /** the command line (without the binary) that scans a local image */
  readonly command: (image: string, opts: CommandOptions) => ReadonlyArray<string>
  /** extra environment for the child (never secrets) */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** per-tool exit codes: which mean "scan finished" */
  readonly interpretExit: (code: number, stdout: string) => ExitInterpretation
  /** stderr patterns that mean a retry may help (network, lock contention) */
  readonly transient?: RegExp | undefined
  /** stderr patterns that mean the image does not exist locally */
  readonly imageNotFound?: RegExp | undefined
  /** decode the tool's stdout into findings; Left carries a readable reason */
  readonly parse: (stdout: string) => Either.Either<ReadonlyArray<Finding<K>>, string>
}

/** Decode JSON text with a Schema, giving a short readable error on failure. */
export const decodeJson = <A, I>(schema: Schema.Schema<A, I>, text: string): Either.Either<A, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Either.left(`not JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  return Schema.decodeUnknownEither(schema)(json).pipe(Either.mapLeft((err) => firstLine(err.message)))
}

const firstLine = (s: string): string => s.split("\n").slice(0, 6).join(" ").slice(0, 400)

/** Normalise a tool's severity word to Sentinel's five levels. */
export const normSeverity = (s: string | undefined): ScanSeverity => {
  switch ((s ?? "").trim().toLowerCase()) {
    case "critical":
      return "critical"
    case "high":
      return "high"
    case "medium":
    case "moderate":
      return "medium"
    case "low":
      return "low"
    default:
      return "unknown"
  }
}

/** Severity counts in Sentinel's order. */
export interface Counts {
  critical: number
  high: number
  medium: number
  low: number
  unknown: number
}

export const countBySeverity = (items: ReadonlyArray<{ readonly severity: ScanSeverity }>): Counts => {
  const c: Counts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }
  for (const i of items) c[i.severity]++
  return c
}

const ORDER: Record<ScanSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3, unknown: 4 }
/** Stable sort, most severe first. */
export const bySeverity = <T extends { readonly severity: ScanSeverity }>(items: ReadonlyArray<T>): Array<T> =>
  items.map((v, i) => [v, i] as const).sort((a, b) => ORDER[a[0].severity] - ORDER[b[0].severity] || a[1] - b[1]).map((x) => x[0])

/** Mask a secret for display: first 4 and last 4 characters, or `****` (seed rule). */
export const redactSecret = (value: string): string =>
  value.length <= 8 ? "****" : `${value.slice(0, 4)}****${value.slice(-4)}`

/** Take the first JSON document from stdout, dropping trailing hints some tools print. */
export const trimToJson = (stdout: string): string => {
  const start = stdout.search(/[[{]/)
  if (start < 0) return stdout
  const close = stdout[start] === "{" ? "}" : "]"
  const end = stdout.lastIndexOf(close)
  return end > start ? stdout.slice(start, end + 1) : stdout.slice(start)
}

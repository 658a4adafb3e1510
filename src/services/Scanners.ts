/**
 * Image scanning as a service: vulnerability scanners (trivy, grype, scout) and secret
 * scanners (builtin, trufflehog), with a result cache per image digest and scanner version.
 * Implementation: src/adapters/scan/service.ts (`ScannersLive`).
 */
import { Context, Schema, type Effect } from "effect"
import type { Counts, SecretFinding, Vulnerability } from "../../scanners/types.ts"

export const ScannerErrorReason = Schema.Literal("NotInstalled", "Timeout", "Crashed", "OutputInvalid", "ImageNotFound", "InvalidImage")
export type ScannerErrorReason = typeof ScannerErrorReason.Type

/** A scan that could not produce a result. `message` says what happened and what to do. */
export class ScannerError extends Schema.TaggedError<ScannerError>()("ScannerError", {
  scanner: Schema.String,
  reason: ScannerErrorReason,
  detail: Schema.String,
  /** the tool's stderr tail (tools do not print secrets to stderr; still truncated) */
  stderr: Schema.optional(Schema.String),
  exitCode: Schema.optional(Schema.Number)
}) {
  override get message(): string {
    return `${this.scanner}: ${this.detail}`
  }
}

interface ResultBase {
  readonly scanner: string
  readonly scannerVersion: string
  readonly image: string
  /** the local image id (`sha256:...`) the result belongs to, when known */
  readonly imageDigest?: string | undefined
  readonly scannedAt: string
  readonly durationMs: number
  readonly fromCache: boolean
  readonly counts: Counts
}

export interface VulnScanResult extends ResultBase {
  readonly kind: "vulnerabilities"
  readonly vulnerabilities: ReadonlyArray<Vulnerability>
}

export interface SecretScanResult extends ResultBase {
  readonly kind: "secrets"
  readonly secrets: ReadonlyArray<SecretFinding>
  readonly verified: number
  /** built-in scanner only: what was read, and what was skipped (files over the size limit) */
  readonly coverage?: { readonly layers: number; readonly layerBytes: number; readonly files: number; readonly scannedFiles: number; readonly skippedLarge: number } | undefined
}

export type ScanResult = VulnScanResult | SecretScanResult

export interface ScanImageOptions {
  /** scanner ids, default `["trivy"]` */
  readonly scanners?: ReadonlyArray<string> | undefined
  /** per-scanner timeout in ms (default 300000) */
  readonly timeoutMs?: number | undefined
  /** cache TTL in ms (default 24h; 0 disables the cache) */
  readonly cacheTtlMs?: number | undefined
  readonly offline?: boolean | undefined
}

export interface ScanSecretsOptions {
  /** `builtin` (default) or `trufflehog` */
  readonly scanner?: string | undefined
  readonly timeoutMs?: number | undefined
  readonly cacheTtlMs?: number | undefined
  readonly offline?: boolean | undefined
}

/** One outcome per requested scanner: a result or the typed error. */
export type ScanOutcome<R> = { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: ScannerError }

export class Scanners extends Context.Tag("sentinel/services/Scanners")<
  Scanners,
  {
    /** run each vulnerability scanner in turn; never skips silently: failures are outcomes */
    readonly scanImage: (image: string, opts?: ScanImageOptions) => Effect.Effect<ReadonlyArray<ScanOutcome<VulnScanResult>>, ScannerError>
    readonly scanSecrets: (image: string, opts?: ScanSecretsOptions) => Effect.Effect<SecretScanResult, ScannerError>
  }
>() {}

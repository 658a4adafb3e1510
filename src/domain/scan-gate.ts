/**
 * Scan gates (pure): turn scan results into policy findings. `scanning.vulnerabilities`
 * when counts exceed settings.image_scanning thresholds, `scanning.secrets` per the seed's
 * secret table (verified/critical/high block, medium warns) and settings.secret_scanning,
 * `scanning.unavailable` when a required scan could not run (a violation: fail closed).
 */
import type { ScanCompleted } from "./events.ts"
import type { Finding } from "./finding.ts"
import type { Policy } from "./policy.ts"

export interface GateCounts {
  readonly critical: number
  readonly high: number
  readonly medium: number
  readonly low: number
  readonly unknown: number
}

export interface GateSecret {
  readonly detector: string
  readonly severity: "critical" | "high" | "medium" | "low" | "unknown"
  readonly file?: string | undefined
  readonly verified: boolean
}

/** A scan outcome as the gate sees it (structurally matches the Scanners results). */
export type GateScan =
  | { readonly ok: true; readonly kind: "vulnerabilities" | "secrets"; readonly scanner: string; readonly counts: GateCounts; readonly secrets?: ReadonlyArray<GateSecret> | undefined; readonly verified?: number | undefined }
  | { readonly ok: false; readonly kind: "vulnerabilities" | "secrets"; readonly scanner: string; readonly error: string }

export interface GateInput {
  readonly image: string
  readonly scans: ReadonlyArray<GateScan>
  /** which kinds were required for this request (default: vulnerabilities iff require_image_scan; secrets iff secret scans were attempted) */
  readonly required?: { readonly vulnerabilities?: boolean | undefined; readonly secrets?: boolean | undefined } | undefined
}

const CATEGORY = "image_security"

const finding = (rule: string, level: Finding["level"], kind: Finding["kind"], points: number, message: string, mitigation: string): Finding => ({
  rule,
  level,
  category: CATEGORY,
  message,
  points,
  kind,
  mitigation
})

/** Simple glob: `*` within a segment, `**` across segments; otherwise a path prefix. */
export const pathExcluded = (file: string | undefined, patterns: ReadonlyArray<string>): boolean => {
  if (file === undefined) return false
  return patterns.some((p) => {
    if (!p.includes("*")) return file === p || file.startsWith(p.endsWith("/") ? p : `${p}/`)
    const re = new RegExp(`^${p.split("**").map((part) => part.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")).join(".*")}$`)
    return re.test(file)
  })
}

const vulnFindings = (policy: Policy, input: GateInput, scans: ReadonlyArray<GateScan>): Array<Finding> => {
  const s = policy.settings?.image_scanning
  const required = input.required?.vulnerabilities ?? policy.settings?.require_image_scan === true
  const ok = scans.flatMap((x) => (x.ok ? [x] : []))
  if (ok.length === 0) {
    if (!required) return []
    const why = scans.length === 0 ? "no scan result is available" : scans.map((x) => (x.ok ? "" : `${x.scanner}: ${x.error}`)).join("; ")
    return [finding("scanning.unavailable", "critical", "violation", 40, `Image ${input.image} has no vulnerability scan result and require_image_scan is set (${why})`, `Scan it first (sentinel scan ${input.image}), install a scanner, or raise settings.image_scanning.scan_timeout`)]
  }
  const max = (k: keyof GateCounts) => Math.max(...ok.map((x) => x.counts[k]))
  const crit = max("critical")
  const high = max("high")
  const med = max("medium")
  const maxCrit = s?.max_critical ?? 0
  const maxHigh = s?.max_high ?? -1
  const maxMed = s?.max_medium ?? -1
  const over: Array<string> = []
  if (crit > maxCrit) over.push(`${crit} critical (max ${maxCrit})`)
  if (maxHigh >= 0 && high > maxHigh) over.push(`${high} high (max ${maxHigh})`)
  if (maxMed >= 0 && med > maxMed) over.push(`${med} medium (max ${maxMed})`)
  if (over.length === 0) return []
  const level = crit > maxCrit ? "critical" : maxHigh >= 0 && high > maxHigh ? "high" : "medium"
  const points = level === "critical" ? 40 : level === "high" ? 25 : 10
  return [finding("scanning.vulnerabilities", level, "violation", points, `Image ${input.image} exceeds vulnerability thresholds: ${over.join(", ")} (${ok.map((x) => x.scanner).join(", ")})`, "Rebuild on a patched base image or update the vulnerable packages")]
}

const describe = (xs: ReadonlyArray<GateSecret>): string => {
  const shown = xs.slice(0, 5).map((x) => `${x.detector}${x.file !== undefined ? ` in ${x.file}` : ""}`)
  return shown.join(", ") + (xs.length > 5 ? `, and ${xs.length - 5} more` : "")
}

const secretFindings = (policy: Policy, input: GateInput, scans: ReadonlyArray<GateScan>): Array<Finding> => {
  if (scans.length === 0) return []
  const s = policy.settings?.secret_scanning
  const required = input.required?.secrets ?? true
  const ok = scans.flatMap((x) => (x.ok ? [x] : []))
  if (ok.length === 0) {
    if (!required) return []
    const why = scans.map((x) => (x.ok ? "" : `${x.scanner}: ${x.error}`)).join("; ")
    return [finding("scanning.unavailable", "critical", "violation", 40, `Secret scan of ${input.image} could not run (${why})`, "Fix the scanner error (see the message) or scan with the built-in scanner: sentinel scan-secrets --scanner builtin")]
  }
  const ignore = new Set((s?.ignore_detectors ?? []).map((d) => d.toLowerCase()))
  const exclude = s?.exclude_paths ?? []
  const secrets = ok.flatMap((x) => x.secrets ?? []).filter((x) => !ignore.has(x.detector.toLowerCase()) && !pathExcluded(x.file, exclude))
  const verified = secrets.filter((x) => x.verified)
  const crit = secrets.filter((x) => x.severity === "critical")
  const high = secrets.filter((x) => x.severity === "high")
  const med = secrets.filter((x) => x.severity === "medium" || x.severity === "low" || x.severity === "unknown")
  const out: Array<Finding> = []
  const fix = "Remove the secret from the image (and its layers' history), rotate it, and rebuild"
  if (verified.length > 0 && s?.block_on_verified !== false) {
    out.push(finding("scanning.secrets", "critical", "violation", s?.verified_secret_score ?? 50, `SECRETS DETECTED - PUSH BLOCKED: found ${verified.length} VERIFIED secret(s) in ${input.image}: ${describe(verified)}`, fix))
  } else if (crit.length > (s?.max_critical ?? 0)) {
    out.push(finding("scanning.secrets", "critical", "violation", s?.critical_secret_score ?? 40, `SECRETS DETECTED - PUSH BLOCKED: found ${crit.length} critical secret(s) in ${input.image}: ${describe(crit)}`, fix))
  } else if (high.length > (s?.max_high ?? 0)) {
    out.push(finding("scanning.secrets", "high", "violation", s?.high_secret_score ?? 40, `SECRETS DETECTED - PUSH BLOCKED: found ${high.length} high-risk secret(s) in ${input.image}: ${describe(high)}`, fix))
  } else if (med.length > 0) {
    const maxMed = s?.max_medium ?? -1
    const blocks = maxMed >= 0 && med.length > maxMed
    out.push(finding("scanning.secrets", "medium", blocks ? "violation" : "warning", blocks ? 10 : 0, `Possible secrets in ${input.image}: ${med.length} medium-risk finding(s): ${describe(med)}`, fix))
  }
  return out
}

/** Findings for one request from its scan outcomes. */
export const scanGateFindings = (policy: Policy, input: GateInput): ReadonlyArray<Finding> => [
  ...vulnFindings(policy, input, input.scans.filter((x) => x.kind === "vulnerabilities")),
  ...secretFindings(policy, input, input.scans.filter((x) => x.kind === "secrets"))
]

/** A scan outcome as a ScanCompleted event for the decision's stream. */
export const toScanCompleted = (
  scan: GateScan & { readonly scannerVersion?: string | undefined; readonly imageDigest?: string | undefined; readonly fromCache?: boolean | undefined; readonly durationMs?: number | undefined },
  ctx: { readonly decisionId: string; readonly at: string; readonly image: string }
): ScanCompleted => {
  const base = {
    _tag: "ScanCompleted" as const,
    version: 1 as const,
    decisionId: ctx.decisionId,
    at: ctx.at,
    scanner: scan.scanner,
    kind: scan.kind,
    image: ctx.image,
    fromCache: scan.fromCache ?? false,
    durationMs: scan.durationMs ?? 0,
    ...(scan.scannerVersion !== undefined ? { scannerVersion: scan.scannerVersion } : {}),
    ...(scan.imageDigest !== undefined ? { imageDigest: scan.imageDigest } : {})
  }
  if (!scan.ok) return { ...base, ok: false, error: scan.error, counts: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 } }
  const c = scan.counts
  const counts = { critical: c.critical, high: c.high, medium: c.medium, low: c.low, unknown: c.unknown }
  return { ...base, ok: true, counts: scan.kind === "secrets" ? { ...counts, verified: scan.verified ?? (scan.secrets ?? []).filter((x) => x.verified).length } : counts }
}

/**
 * Scan gates on the CLI path, run BEFORE the decision so their results are part of it:
 * - `docker push`: a secret scan of the local image (built-in scanner unless the policy names
 *   another); the original's table applies — verified, critical or high secrets block, medium warns;
 * - `docker run/create` under `require_image_scan`: the policy's vulnerability scanners and
 *   thresholds.
 * A scan that cannot run is a violation (`scanning.unavailable`: fail closed). Each scan becomes a
 * ScanCompleted event in the decision's stream.
 */
import { parseDuration } from "../../adapters/scan/cache.ts"
import { scanImagePromise, scanSecretsPromise } from "../../adapters/scan/service.ts"
import { loadScannerSettings } from "../../adapters/scan/settings.ts"
import type { ScanCompleted } from "../../domain/events.ts"
import type { Finding } from "../../domain/finding.ts"
import type { LoadedPolicy } from "../../domain/policy.ts"
import type { DockerRequest } from "../../domain/request.ts"
import { scanGateFindings, toScanCompleted, type GateScan } from "../../domain/scan-gate.ts"
import { c } from "./output.ts"

const DEFAULT_TIMEOUT_MS = 300_000

export interface CliGate {
  readonly scans: ReadonlyArray<ScanCompleted>
  readonly findings: ReadonlyArray<Finding>
  /** lines for the user: what was found (secret values redacted) */
  readonly report: ReadonlyArray<string>
  readonly secretsFound: boolean
}

export const runCliGate = async (request: DockerRequest, lp: LoadedPolicy, ctx: { readonly decisionId: string; readonly now: string }): Promise<CliGate> => {
  const p = lp.policy
  const settings = loadScannerSettings()
  if (settings._tag === "Left") throw new Error(`config.yaml scanners section: ${settings.left}`)
  const timeoutMs = parseDuration(p.settings?.image_scanning?.scan_timeout) ?? settings.right.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const ttl = parseDuration(p.settings?.image_scanning?.cache_duration) ?? settings.right.cacheTtlMs
  const common = { timeoutMs, offline: settings.right.offline, ...(ttl !== undefined ? { cacheTtlMs: ttl } : {}) }
  const err = process.stderr
  const report: Array<string> = []
  const scans: Array<GateScan> = []
  let image: string
  let requiredVulns = false
  if (request.action === "image.push") {
    image = request.image?.raw ?? ""
    const scanner = p.settings?.secret_scanning?.scanner ?? "builtin"
    if (err.isTTY === true) err.write(c.gray(`scanning ${image} for secrets (${scanner}) before push…\n`, err))
    const outcome = await scanSecretsPromise(image, { scanner, ...common })
    if (outcome.ok) {
      scans.push({ ok: true, ...outcome.result })
      for (const x of outcome.result.secrets) {
        report.push(`  [${x.severity.toUpperCase()}] ${x.detector}${x.verified ? " (verified)" : ""} ${x.file ?? ""}${x.line !== undefined ? `:${x.line}` : ""} ${x.redacted}`)
      }
    } else scans.push({ ok: false, kind: "secrets", scanner: outcome.error.scanner, error: outcome.error.message })
  } else {
    image = request.container?.image?.raw ?? ""
    requiredVulns = true
    const ids = p.settings?.image_scanning?.scanners
    if (err.isTTY === true) err.write(c.gray(`scanning ${image} for vulnerabilities (${(ids ?? ["trivy"]).join(", ")})…\n`, err))
    const outcome = await scanImagePromise(image, { ...(ids !== undefined ? { scanners: ids } : {}), ...common })
    if (!outcome.ok) scans.push({ ok: false, kind: "vulnerabilities", scanner: outcome.error.scanner, error: outcome.error.message })
    else
      for (const o of outcome.result) {
        scans.push(o.ok ? { ok: true, ...o.result } : { ok: false, kind: "vulnerabilities", scanner: o.error.scanner, error: o.error.message })
        if (o.ok) report.push(`  ${o.result.scanner}: ${o.result.counts.critical} critical, ${o.result.counts.high} high, ${o.result.counts.medium} medium, ${o.result.counts.low} low`)
      }
  }
  const findings = scanGateFindings(p, { image, scans, required: { vulnerabilities: requiredVulns } })
  return {
    scans: scans.map((s) => toScanCompleted(s, { decisionId: ctx.decisionId, at: ctx.now, image })),
    findings,
    report,
    secretsFound: findings.some((f) => f.rule === "scanning.secrets")
  }
}

/**
 * The secret gate before `sentinel exec -- docker push` (seed §10.5, fixed): the image is
 * scanned locally (built-in scanner unless the policy names another), and the seed's table
 * applies: verified, critical or high secrets block; medium warns. A scan that cannot run
 * blocks too (fail closed). `--force` overrides; warn/audit modes only warn.
 */
import { parseDuration } from "../../adapters/scan/cache.ts"
import { scanSecretsPromise } from "../../adapters/scan/service.ts"
import { loadScannerSettings } from "../../adapters/scan/settings.ts"
import { effectiveMode, type LoadedPolicy } from "../../domain/policy.ts"
import { scanGateFindings, type GateScan } from "../../domain/scan-gate.ts"
import { c } from "./output.ts"

const DEFAULT_TIMEOUT_MS = 300_000

/** Returns 0 to let the push proceed, or the exit code to stop with. */
export const prePushGate = async (image: string, lp: LoadedPolicy, force: boolean): Promise<number> => {
  const p = lp.policy
  const s = p.settings?.secret_scanning
  if (s?.enabled === false) return 0
  const scanner = s?.scanner ?? "builtin"
  const err = process.stderr
  const settings = loadScannerSettings()
  if (settings._tag === "Left") {
    err.write(`${c.red("Error", err)} [CONFIG_ERROR]: ${settings.left}\n`)
    return 1
  }
  const timeoutMs = parseDuration(p.settings?.image_scanning?.scan_timeout) ?? settings.right.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const ttl = parseDuration(p.settings?.image_scanning?.cache_duration) ?? settings.right.cacheTtlMs
  if (err.isTTY === true) err.write(c.gray(`scanning ${image} for secrets (${scanner}) before push…\n`, err))
  const outcome = await scanSecretsPromise(image, { scanner, timeoutMs, offline: settings.right.offline, ...(ttl !== undefined ? { cacheTtlMs: ttl } : {}) })
  const scan: GateScan = outcome.ok
    ? { ok: true, ...outcome.result }
    : { ok: false, kind: "secrets", scanner: outcome.error.scanner, error: outcome.error.message }
  const findings = scanGateFindings(p, { image, scans: [scan] })
  const violations = findings.filter((f) => f.kind === "violation")
  if (outcome.ok) {
    for (const x of outcome.result.secrets) {
      err.write(`  [${x.severity.toUpperCase()}] ${x.detector}${x.verified ? " (verified)" : ""} ${x.file ?? ""}${x.line !== undefined ? `:${x.line}` : ""} ${x.redacted}\n`)
    }
  }
  for (const f of findings.filter((f) => f.kind === "warning")) err.write(c.yellow(`⚠ ${f.message} (${f.rule})\n`, err))
  if (violations.length === 0) return 0
  const enforce = effectiveMode(p) === "enforce"
  for (const v of violations) err.write(`${enforce && !force ? c.red("✗", err) : c.yellow("⚠", err)} ${v.message} (${v.rule})\n`)
  if (!enforce) {
    err.write(c.yellow(`⚠ policy ${p.name} is in ${effectiveMode(p)} mode: push proceeds\n`, err))
    return 0
  }
  if (force) {
    err.write(c.yellow("⚠ pushing despite the secret gate because --force was given\n", err))
    return 0
  }
  err.write(`${c.red("Error", err)} [VALIDATION_FAILED]: Push blocked: ${outcome.ok ? "secrets found in image" : "the secret scan could not run"} (${violations[0]?.mitigation ?? ""})\n`)
  return 1
}

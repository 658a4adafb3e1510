/**
 * `sentinel scan IMAGE` (vulnerabilities) and `sentinel scan-secrets IMAGE` (secrets), with the
 * seed's options, JSON envelopes and error codes. Progress with elapsed time on a TTY only.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { normalizeScannerId, SECRET_SCANNER_IDS, validateImageArg, VULN_SCANNER_IDS } from "../../../scanners/index.ts"
import { countBySeverity, type ScanSeverity } from "../../../scanners/types.ts"
import { parseDuration } from "../../adapters/scan/cache.ts"
import { configDir } from "../../adapters/config.ts"
import { ScannersFor } from "../AppLayer.ts"
import { loadScannerSettings, type ScannerSettings } from "../../adapters/scan/settings.ts"
import { Scanners, type ScannerError, type SecretScanResult, type VulnScanResult } from "../../services/Scanners.ts"
import { c, ExitCode, printJson, printJsonError } from "./output.ts"

const fail = (json: boolean, code: string, message: string, exit: number, details?: string) =>
  Effect.sync(() => {
    if (json) printJsonError(code, message, details)
    else process.stderr.write(`${c.red(`Error [${code}]`, process.stderr)}: ${message}${details !== undefined ? `\n  ${details}` : ""}\n`)
    process.exitCode = exit
  })

/** A spinner with elapsed time on stderr, only on a TTY and not in JSON mode. */
const progress = (label: string, enabled: boolean) => {
  if (!enabled || process.stderr.isTTY !== true) return { stop: () => undefined }
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
  const start = Date.now()
  let i = 0
  const timer = setInterval(() => process.stderr.write(`\r${frames[i++ % frames.length]} ${label} ${((Date.now() - start) / 1000).toFixed(1)}s`), 100)
  return { stop: () => (clearInterval(timer), process.stderr.write("\r\u001b[2K")) }
}

const withProgress = <A, E, R>(label: string, enabled: boolean, eff: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(Effect.sync(() => progress(label, enabled)), () => eff, (p) => Effect.sync(() => p.stop()))

const common = {
  image: Args.text({ name: "image" }).pipe(Args.optional),
  json: Options.boolean("json").pipe(Options.withAlias("j")),
  timeout: Options.text("timeout").pipe(Options.optional, Options.withDescription("per-scanner timeout, e.g. 90s, 5m (default: config.yaml scanners.timeout, else 5m)")),
  noCache: Options.boolean("no-cache").pipe(Options.withDescription("ignore and do not write the scan cache")),
  offline: Options.boolean("offline").pipe(Options.withDescription("skip database updates and network lookups where the tool allows"))
}

const checkImage = (image: Option.Option<string>, json: boolean) => {
  if (Option.isNone(image)) return { error: fail(json, "MISSING_ARGUMENT", "No image provided", ExitCode.usage, "Usage: sentinel scan IMAGE") }
  const problem = validateImageArg(image.value)
  if (problem !== undefined) return { error: fail(json, "INVALID_ARGUMENT", `Invalid image name: ${problem}`, ExitCode.usage) }
  return { image: image.value }
}

/** Timeout and settings: flags win over config.yaml `scanners:`. */
const resolveRun = (json: boolean, timeout: Option.Option<string>) => {
  const settings = loadScannerSettings()
  if (settings._tag === "Left") return { error: fail(json, "CONFIG_ERROR", settings.left, ExitCode.failure) }
  const timeoutMs = Option.isSome(timeout) ? parseDuration(timeout.value) : (settings.right.timeoutMs ?? 300_000)
  if (timeoutMs === undefined || timeoutMs <= 0) return { error: fail(json, "INVALID_FLAG", `--timeout "${Option.getOrElse(timeout, () => "")}" is not a duration (e.g. 90s, 5m)`, ExitCode.usage) }
  const s: ScannerSettings = settings.right
  return { timeoutMs, settings: s }
}

const SEV = (s: ScanSeverity) => s.toUpperCase()

const vulnJson = (r: VulnScanResult) => ({
  Scanner: r.scanner,
  ScannerVersion: r.scannerVersion,
  Image: r.image,
  ImageDigest: r.imageDigest,
  ScannedAt: r.scannedAt,
  TotalCritical: r.counts.critical,
  TotalHigh: r.counts.high,
  TotalMedium: r.counts.medium,
  TotalLow: r.counts.low,
  TotalUnknown: r.counts.unknown,
  Vulnerabilities: r.vulnerabilities.map((v) => ({ cve: v.id, severity: SEV(v.severity), package: v.package, version: v.installedVersion, fixed_version: v.fixedVersion ?? "", description: v.title ?? "", cvss_score: v.cvss ?? 0 })),
  ScanDuration: r.durationMs * 1_000_000,
  FromCache: r.fromCache
})

const errorLine = (e: ScannerError) => e.message

export const scanCommand = Command.make(
  "scan",
  {
    ...common,
    scanner: Options.text("scanner").pipe(Options.repeated, Options.withDescription(`scanners to run (comma list or repeated): ${VULN_SCANNER_IDS.join(", ")}; default trivy`)),
    severity: Options.text("severity").pipe(Options.withDefault(""), Options.withDescription("only report these severities, e.g. CRITICAL,HIGH")),
    failOn: Options.boolean("fail-on").pipe(Options.withDescription("exit 1 when thresholds are exceeded")),
    maxCritical: Options.integer("max-critical").pipe(Options.withDefault(0)),
    maxHigh: Options.integer("max-high").pipe(Options.withDefault(-1), Options.withDescription("-1 = unlimited"))
  },
  (o) =>
    Effect.gen(function* () {
      const chk = checkImage(o.image, o.json)
      if (chk.error !== undefined) return yield* chk.error
      const image = chk.image
      const ids = (o.scanner.length === 0 ? ["trivy"] : o.scanner.flatMap((s) => s.split(","))).map(normalizeScannerId).filter((s) => s !== "")
      const unknown = ids.filter((s) => !VULN_SCANNER_IDS.includes(s))
      if (unknown.length > 0) return yield* fail(o.json, "INVALID_FLAG", `Unknown scanner: ${unknown.join(", ")}`, ExitCode.usage, `valid scanners: ${VULN_SCANNER_IDS.join(", ")}`)
      if (o.maxCritical < 0) return yield* fail(o.json, "INVALID_ARGUMENT", "--max-critical must be >= 0", ExitCode.usage)
      if (o.maxHigh < -1) return yield* fail(o.json, "INVALID_ARGUMENT", "--max-high must be >= 0, or -1 for unlimited", ExitCode.usage)
      const run = resolveRun(o.json, o.timeout)
      if (run.error !== undefined) return yield* run.error
      const { timeoutMs, settings } = run
      const sevFilter = new Set(o.severity.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== ""))
      const scanners = yield* Scanners
      const outcomes = yield* withProgress(`scanning ${image} with ${ids.join(", ")}`, !o.json, Effect.either(scanners.scanImage(image, { scanners: ids, timeoutMs, offline: o.offline || settings.offline, cacheTtlMs: o.noCache ? 0 : settings.cacheTtlMs })))
      if (outcomes._tag === "Left") {
        const e = outcomes.left
        return yield* fail(o.json, e.reason === "ImageNotFound" ? "IMAGE_NOT_FOUND" : e.reason === "InvalidImage" ? "INVALID_ARGUMENT" : "SCAN_ERROR", e.message, e.reason === "InvalidImage" ? ExitCode.usage : ExitCode.failure)
      }
      const results: Array<VulnScanResult> = []
      const errors: Array<ScannerError> = []
      for (const x of outcomes.right) {
        if (!x.ok) errors.push(x.error)
        else if (sevFilter.size === 0) results.push(x.result)
        else {
          const vulnerabilities = x.result.vulnerabilities.filter((v) => sevFilter.has(v.severity))
          results.push({ ...x.result, vulnerabilities, counts: countBySeverity(vulnerabilities) })
        }
      }
      if (results.length === 0) return yield* fail(o.json, "SCAN_ERROR", errors.map(errorLine).join("; "), ExitCode.failure)
      const hasVulns = results.some((r) => r.counts.critical > o.maxCritical || (o.maxHigh >= 0 && r.counts.high > o.maxHigh))
      const max = (k: "critical" | "high" | "medium" | "low") => Math.max(...results.map((r) => r.counts[k]))
      const exceeded = o.failOn && hasVulns
      if (o.json) {
        printJson(
          {
            image,
            scanners: ids,
            results: results.map(vulnJson),
            errors: errors.map((e) => ({ scanner: e.scanner, reason: e.reason, message: e.message })),
            summary: { total_critical: max("critical"), total_high: max("high"), total_medium: max("medium"), total_low: max("low") },
            threshold_exceeded: exceeded
          },
          !exceeded
        )
      } else {
        const out: Array<string> = []
        for (const r of results) {
          out.push(c.bold(`${r.scanner} ${r.scannerVersion}${r.fromCache ? " (cached)" : ""}: ${image}`))
          out.push(`  Critical: ${r.counts.critical}  High: ${r.counts.high}  Medium: ${r.counts.medium}  Low: ${r.counts.low}  Unknown: ${r.counts.unknown}`)
          for (const v of r.vulnerabilities.slice(0, 10)) out.push(`  ${v.id} [${SEV(v.severity)}] ${v.package} ${v.installedVersion}${v.fixedVersion !== undefined ? ` (fixed in ${v.fixedVersion})` : ""}`)
          if (r.vulnerabilities.length > 10) out.push(`  … and ${r.vulnerabilities.length - 10} more (use --json for all)`)
        }
        if (errors.length > 0) out.push(c.yellow("Scanner warnings:"), ...errors.map((e) => c.yellow(`  ⚠ ${errorLine(e)}`)))
        process.stdout.write(`${out.join("\n")}\n`)
        if (exceeded) process.stderr.write(`${c.red("Error [VALIDATION_FAILED]", process.stderr)}: Vulnerabilities exceed threshold\n`)
      }
      if (exceeded) process.exitCode = ExitCode.blocked
    }).pipe(Effect.provide(ScannersFor(configDir())))
).pipe(Command.withDescription("scan an image for vulnerabilities (trivy, grype, scout)"))

const secretJson = (r: SecretScanResult, verifiedOnly: boolean) => {
  const secrets = verifiedOnly ? r.secrets.filter((s) => s.verified) : r.secrets
  return {
    image: r.image,
    scanner: r.scanner,
    scanner_version: r.scannerVersion,
    image_digest: r.imageDigest,
    from_cache: r.fromCache,
    secrets_found: secrets.length,
    ...(secrets.length > 0 ? { secrets: secrets.map((s) => ({ detector: s.detector, severity: SEV(s.severity), file: s.file ?? "", layer: s.layer ?? "", line: s.line, verified: s.verified, redacted: s.redacted })) } : {}),
    verified_count: r.verified,
    ...(r.coverage !== undefined
      ? { coverage: { layers: r.coverage.layers, layer_bytes: r.coverage.layerBytes, files: r.coverage.files, text_files_scanned: r.coverage.scannedFiles, files_skipped_too_large: r.coverage.skippedLarge } }
      : {})
  }
}

export const scanSecretsCommand = Command.make(
  "scan-secrets",
  {
    ...common,
    scanner: Options.text("scanner").pipe(Options.withDefault("builtin"), Options.withDescription(`${SECRET_SCANNER_IDS.join(" | ")} (builtin needs no external tool)`)),
    failOnSecrets: Options.boolean("fail-on-secrets").pipe(Options.withDescription("exit 1 when secrets are found")),
    verifiedOnly: Options.boolean("verified-only").pipe(Options.withDescription("report only verified secrets"))
  },
  (o) =>
    Effect.gen(function* () {
      const chk = checkImage(o.image, o.json)
      if (chk.error !== undefined) return yield* chk.error
      const image = chk.image
      const id = normalizeScannerId(o.scanner)
      if (!SECRET_SCANNER_IDS.includes(id)) return yield* fail(o.json, "INVALID_FLAG", `Unknown secret scanner: ${o.scanner}`, ExitCode.usage, `valid: ${SECRET_SCANNER_IDS.join(", ")}`)
      const run = resolveRun(o.json, o.timeout)
      if (run.error !== undefined) return yield* run.error
      const { timeoutMs, settings } = run
      const scanners = yield* Scanners
      const r = yield* withProgress(`scanning ${image} for secrets (${id})`, !o.json, Effect.either(scanners.scanSecrets(image, { scanner: id, timeoutMs, offline: o.offline || settings.offline, cacheTtlMs: o.noCache ? 0 : settings.cacheTtlMs })))
      if (r._tag === "Left") {
        const e = r.left
        const code = e.reason === "NotInstalled" ? "MISSING_DEPENDENCY" : e.reason === "ImageNotFound" ? "IMAGE_NOT_FOUND" : e.reason === "InvalidImage" ? "INVALID_ARGUMENT" : "SCAN_ERROR"
        return yield* fail(o.json, code, e.message, e.reason === "InvalidImage" ? ExitCode.usage : ExitCode.failure)
      }
      const data = secretJson(r.right, o.verifiedOnly)
      const blocked = o.failOnSecrets && data.secrets_found > 0
      if (o.json) printJson(data, !blocked)
      else {
        const out = [c.bold(`${r.right.scanner} ${r.right.scannerVersion}${r.right.fromCache ? " (cached)" : ""}: ${image}`)]
        if (data.secrets_found === 0) out.push(c.green("✓ No secrets found"))
        else {
          out.push(c.red(`✗ ${data.secrets_found} secret(s) found (${data.verified_count} verified)`))
          for (const s of data.secrets ?? []) out.push(`  [${s.severity}] ${s.detector}${s.verified ? " (verified)" : ""} ${s.file}${s.line !== undefined ? `:${s.line}` : ""} ${s.redacted}`)
        }
        const cov = r.right.coverage
        if (cov !== undefined) {
          out.push(c.gray(`scanned ${cov.scannedFiles} text files of ${cov.files} in ${cov.layers} layer(s), ${(cov.layerBytes / 1048576).toFixed(1)} MB`))
          if (cov.skippedLarge > 0) out.push(c.yellow(`⚠ ${cov.skippedLarge} file(s) over 5 MiB were not scanned`))
        }
        process.stdout.write(`${out.join("\n")}\n`)
        if (blocked) process.stderr.write(`${c.red("Error [VALIDATION_FAILED]", process.stderr)}: Secrets found in image\n`)
      }
      if (blocked) process.exitCode = ExitCode.blocked
    }).pipe(Effect.provide(ScannersFor(configDir())))
).pipe(Command.withDescription("scan an image for secrets (built-in scanner by default, or trufflehog)"))

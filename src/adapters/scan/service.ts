/**
 * The Scanners service: validation, image digest lookup, cache, then the runner (external
 * tools) or the image reader (built-in secrets). Also a plain async API for lean callers.
 */
import { CommandExecutor } from "@effect/platform"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Duration, Effect, Layer } from "effect"
import { BUILTIN_ID, BUILTIN_VERSION } from "../../../scanners/builtin-secrets.ts"
import { normalizeScannerId, SECRET_SCANNER_IDS, secretScanners, validateImageArg, VULN_SCANNER_IDS, vulnerabilityScanners } from "../../../scanners/index.ts"
import { bySeverity, countBySeverity } from "../../../scanners/types.ts"
import { ScannerError, Scanners, type ScanImageOptions, type ScanOutcome, type ScanResult, type ScanSecretsOptions, type SecretScanResult, type VulnScanResult } from "../../services/Scanners.ts"
import { cacheKey, readCached, scanCacheDir, writeCached } from "./cache.ts"
import { DockerSaveError, scanLocalImage } from "./image-reader.ts"
import { exec, findExecutable, runAdapter, toolVersion } from "./runner.ts"

export interface ScannersConfig {
  /** cache dir (default `<config dir>/cache/scans`) */
  readonly cacheDir?: string | undefined
  /** PATH used to find tools (default process PATH) */
  readonly path?: string | undefined
}

const DAY = 86_400_000
const DEFAULT_TIMEOUT = 300_000

/** The local image id (`sha256:...`), ImageNotFound if the daemon does not have it, undefined if docker is unavailable. */
export const localImageId = (image: string, scanner: string, path?: string) =>
  Effect.gen(function* () {
    const docker = findExecutable("docker", path)
    if (docker === undefined) return undefined
    const r = yield* exec(docker, ["image", "inspect", "--format", "{{.Id}}", image]).pipe(
      Effect.timeout(Duration.seconds(20)),
      Effect.catchAll(() => Effect.succeed(undefined))
    )
    if (r === undefined) return undefined
    if (r.exitCode !== 0) {
      if (/No such (image|object)|not found/i.test(r.stderr)) {
        return yield* new ScannerError({ scanner, reason: "ImageNotFound", detail: `image ${image} is not in the local Docker daemon; pull or build it first` })
      }
      return undefined
    }
    const id = r.stdout.trim()
    return /^sha256:[a-f0-9]{64}$/.test(id) ? id : undefined
  })

const invalid = (scanner: string, image: string) => {
  const problem = validateImageArg(image)
  return problem === undefined ? Effect.void : Effect.fail(new ScannerError({ scanner, reason: "InvalidImage", detail: `${problem}` }))
}

const cached = <R extends ScanResult>(dir: string, key: string | undefined, ttl: number, run: Effect.Effect<R, ScannerError, CommandExecutor.CommandExecutor>) =>
  Effect.gen(function* () {
    if (key !== undefined) {
      const hit = yield* Effect.promise(() => readCached(dir, key, ttl))
      if (hit !== undefined) return hit as R
    }
    const fresh = yield* run
    if (key !== undefined && ttl > 0) yield* Effect.promise(() => writeCached(dir, key, fresh).catch(() => undefined))
    return fresh
  })

/** Map a `docker save` / archive failure of the built-in scanner to a ScannerError. */
const builtinError = (e: unknown, image: string): ScannerError => {
  const scanner = BUILTIN_ID
  if (e instanceof DockerSaveError) {
    const exit = e.exitCode === null ? {} : { exitCode: e.exitCode }
    return e.notFound
      ? new ScannerError({ scanner, reason: "ImageNotFound", detail: `image ${image} is not in the local Docker daemon; pull or build it first`, stderr: e.stderr.slice(-2000), ...exit })
      : new ScannerError({ scanner, reason: "Crashed", detail: e.message, stderr: e.stderr.slice(-2000), ...exit })
  }
  if ((e as { code?: string }).code === "ENOENT") {
    return new ScannerError({ scanner, reason: "NotInstalled", detail: "the docker CLI is not installed; the built-in scanner reads images with `docker save`" })
  }
  return new ScannerError({ scanner, reason: "OutputInvalid", detail: `could not read the image archive: ${e instanceof Error ? e.message : String(e)}` })
}

/** Build the service implementation (needs a CommandExecutor). */
export const makeScanners = (cfg: ScannersConfig = {}) =>
  Effect.gen(function* () {
    const executor = yield* CommandExecutor.CommandExecutor
    const dir = cfg.cacheDir ?? scanCacheDir()
    const provide = <A, E>(eff: Effect.Effect<A, E, CommandExecutor.CommandExecutor>) => Effect.provideService(eff, CommandExecutor.CommandExecutor, executor)

    const scanOneVuln = (image: string, rawId: string, opts: ScanImageOptions, digest: string | undefined) =>
      Effect.gen(function* () {
        const id = normalizeScannerId(rawId)
        const adapter = vulnerabilityScanners[id]
        if (adapter === undefined) {
          return yield* new ScannerError({ scanner: rawId, reason: "NotInstalled", detail: `unknown scanner "${rawId}"; valid: ${VULN_SCANNER_IDS.join(", ")}` })
        }
        const tool = yield* toolVersion(adapter, { path: cfg.path })
        const ttl = opts.cacheTtlMs ?? DAY
        const key = digest === undefined ? undefined : cacheKey(adapter.id, tool.version, digest)
        const started = Date.now()
        return yield* cached(dir, key, ttl, runAdapter(adapter, image, { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT, offline: opts.offline, path: cfg.path, tool }).pipe(
          Effect.map((r): VulnScanResult => {
            const vulns = bySeverity(r.findings)
            return { kind: "vulnerabilities", scanner: adapter.id, scannerVersion: r.version, image, imageDigest: digest, scannedAt: new Date(started).toISOString(), durationMs: Date.now() - started, fromCache: false, counts: countBySeverity(vulns), vulnerabilities: vulns }
          })
        ))
      })

    const scanImage = (image: string, opts: ScanImageOptions = {}) =>
      provide(
        Effect.gen(function* () {
          const ids = opts.scanners ?? ["trivy"]
          yield* invalid(ids.join(","), image)
          const digest = yield* localImageId(image, ids.join(","), cfg.path)
          const out: Array<ScanOutcome<VulnScanResult>> = []
          for (const id of ids) {
            const r = yield* Effect.either(scanOneVuln(image, id, opts, digest))
            out.push(r._tag === "Right" ? { ok: true, result: r.right } : { ok: false, error: r.left })
          }
          return out as ReadonlyArray<ScanOutcome<VulnScanResult>>
        })
      )

    const builtin = (image: string, timeoutMs: number, digest: string | undefined) =>
      Effect.gen(function* () {
        const started = Date.now()
        const r = yield* Effect.tryPromise({
          try: (signal) => scanLocalImage(image, { signal }),
          catch: (e) => builtinError(e, image)
        }).pipe(
          Effect.timeoutFail({ duration: Duration.millis(timeoutMs), onTimeout: () => new ScannerError({ scanner: BUILTIN_ID, reason: "Timeout", detail: `secret scan of ${image} did not finish within ${Math.round(timeoutMs / 1000)}s and was stopped; raise the timeout` }) })
        )
        const secrets = bySeverity(r.findings)
        const result: SecretScanResult = { kind: "secrets", scanner: BUILTIN_ID, scannerVersion: BUILTIN_VERSION, image, imageDigest: digest ?? r.configDigest, scannedAt: new Date(started).toISOString(), durationMs: Date.now() - started, fromCache: false, counts: countBySeverity(secrets), secrets, verified: 0, coverage: { ...r.stats } }
        return result
      })

    const scanSecrets = (image: string, opts: ScanSecretsOptions = {}) =>
      provide(
        Effect.gen(function* () {
          const id = normalizeScannerId(opts.scanner ?? BUILTIN_ID)
          yield* invalid(id, image)
          if (!SECRET_SCANNER_IDS.includes(id)) {
            return yield* new ScannerError({ scanner: id, reason: "NotInstalled", detail: `unknown secret scanner "${id}"; valid: ${SECRET_SCANNER_IDS.join(", ")}` })
          }
          const digest = yield* localImageId(image, id, cfg.path)
          const ttl = opts.cacheTtlMs ?? DAY
          const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT
          if (id === BUILTIN_ID) {
            return yield* cached(dir, digest === undefined ? undefined : cacheKey(id, BUILTIN_VERSION, digest), ttl, builtin(image, timeoutMs, digest))
          }
          const adapter = secretScanners[id]!
          const tool = yield* toolVersion(adapter, { path: cfg.path })
          const started = Date.now()
          return yield* cached(dir, digest === undefined ? undefined : cacheKey(id, tool.version, digest), ttl, runAdapter(adapter, image, { timeoutMs, offline: opts.offline, path: cfg.path, tool }).pipe(
            Effect.map((r): SecretScanResult => {
              const secrets = bySeverity(r.findings)
              return { kind: "secrets", scanner: id, scannerVersion: r.version, image, imageDigest: digest, scannedAt: new Date(started).toISOString(), durationMs: Date.now() - started, fromCache: false, counts: countBySeverity(secrets), secrets, verified: secrets.filter((s) => s.verified).length }
            })
          ))
        })
      )

    return Scanners.of({ scanImage, scanSecrets })
  })

/** Layer needing a CommandExecutor. */
export const ScannersLayer = (cfg: ScannersConfig = {}) => Layer.effect(Scanners, makeScanners(cfg))
/** Layer with Node's executor. */
export const ScannersLive = (cfg: ScannersConfig = {}) => ScannersLayer(cfg).pipe(Layer.provide(NodeContext.layer))

/** Plain async API (for the lean CLI path): never rejects for scan failures; gives the typed error instead. */
export const scanImagePromise = (image: string, opts?: ScanImageOptions, cfg?: ScannersConfig): Promise<ScanOutcome<ReadonlyArray<ScanOutcome<VulnScanResult>>>> =>
  Effect.runPromise(
    Effect.flatMap(Scanners, (s) => s.scanImage(image, opts)).pipe(
      Effect.match({ onFailure: (error) => ({ ok: false as const, error }), onSuccess: (result) => ({ ok: true as const, result }) }),
      Effect.provide(ScannersLive(cfg))
    )
  )

export const scanSecretsPromise = (image: string, opts?: ScanSecretsOptions, cfg?: ScannersConfig): Promise<ScanOutcome<SecretScanResult>> =>
  Effect.runPromise(
    Effect.flatMap(Scanners, (s) => s.scanSecrets(image, opts)).pipe(
      Effect.match({ onFailure: (error) => ({ ok: false as const, error }), onSuccess: (result) => ({ ok: true as const, result }) }),
      Effect.provide(ScannersLive(cfg))
    )
  )

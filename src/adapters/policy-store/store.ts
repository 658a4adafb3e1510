/**
 * The PolicyStore layer: the last good policy in a Ref (atomic swap), reload that keeps the old
 * policy on failure and records the error, a debounced directory watcher, and a `changes` stream.
 */
import { existsSync } from "node:fs"
import { basename, dirname, resolve as resolvePath, sep } from "node:path"
import { Duration, Effect, Either, Layer, PubSub, Ref, Stream, type Scope } from "effect"
import { effectiveMode, type LoadedPolicy } from "../../domain/policy.ts"
import { PolicyStore, type PolicyLoadError, type PolicyStatus } from "../../services/PolicyStore.ts"
import { configDir, configPaths } from "../config.ts"
import { activePolicyName, isPolicyPath, listPoliciesSync, resolvePolicySync } from "./resolve.ts"
import { watchDirs, type WatchTarget } from "./watch.ts"

export interface StoreOptions {
  /** a policy name or path that overrides config.yaml active_policy */
  readonly pinned?: string | undefined
  /** config dir (default: configDir()) */
  readonly dir?: string | undefined
  /** watch the files and reload on change (default true) */
  readonly watch?: boolean | undefined
  /** quiet time after the last file event before reloading (default 300 ms) */
  readonly debounce?: Duration.DurationInput | undefined
}

interface State {
  /** the active selector (name or path) the current policy was loaded for */
  readonly name: string
  readonly loaded: LoadedPolicy
  readonly loadedAt: string
  readonly lastError?: string | undefined
  readonly lastErrorAt?: string | undefined
}

const toStatus = (s: State): PolicyStatus => ({
  name: s.loaded.policy.name,
  sha256: s.loaded.sha256,
  source: s.loaded.source,
  loadedAt: s.loadedAt,
  ...(s.lastError === undefined ? {} : { lastError: s.lastError, lastErrorAt: s.lastErrorAt })
})

const YAML = /\.ya?ml$/

/** Build the store; fails with PolicyLoadError if no policy can be loaded at start (fail closed). */
export const make = (opts: StoreOptions = {}): Effect.Effect<PolicyStore["Type"], PolicyLoadError, Scope.Scope> =>
  Effect.gen(function* () {
    const dir = opts.dir ?? configDir()
    const paths = configPaths(dir)
    // the selector we are trying to load (may differ from the loaded one after a failed switch)
    const wanted = yield* Ref.make(opts.pinned ?? "default")
    const load = Effect.flatMap(
      Effect.sync(() => activePolicyName({ pinned: opts.pinned, dir })),
      (name) =>
        Effect.as(
          Either.isRight(name) ? Ref.set(wanted, name.right) : Effect.void,
          Either.flatMap(name, (n) => Either.map(resolvePolicySync(n, { dir }), (loaded) => ({ name: n, loaded })))
        )
    )
    const first = yield* load
    if (Either.isLeft(first)) return yield* Effect.fail(first.left)
    const state = yield* Ref.make<State>({ name: first.right.name, loaded: first.right.loaded, loadedAt: new Date().toISOString() })
    const pubsub = yield* Effect.acquireRelease(PubSub.unbounded<PolicyStatus>(), PubSub.shutdown)
    const lock = yield* Effect.makeSemaphore(1)

    const reload = lock.withPermits(1)(
      Effect.gen(function* () {
        const r = yield* load
        const now = new Date().toISOString()
        const next = yield* Ref.updateAndGet(state, (s): State =>
          Either.isRight(r)
            ? { name: r.right.name, loaded: r.right.loaded, loadedAt: now }
            : { ...s, lastError: r.left.message, lastErrorAt: now }
        )
        if (Either.isLeft(r)) yield* Effect.logWarning(`policy reload failed; keeping ${next.loaded.source}: ${r.left.message}`)
        const status = toStatus(next)
        yield* PubSub.publish(pubsub, status)
        return status
      })
    )

    const relevant = (p: string): Effect.Effect<boolean> =>
      Effect.map(Effect.zip(Ref.get(state), Ref.get(wanted)), ([s, w]) => {
        const abs = resolvePath(p)
        if (dirname(abs) === resolvePath(dir) && /^config\.ya?ml$/.test(basename(abs))) return true
        return [s.name, w].some((name) =>
          isPolicyPath(name)
            ? abs === resolvePath(name)
            : dirname(abs) === resolvePath(paths.policiesDir) && (basename(abs) === `${name}.yaml` || basename(abs) === `${name}.yml`)
        )
      })

    if (opts.watch !== false) {
      const targets: Array<WatchTarget> = []
      if (existsSync(dir)) targets.push({ dir, depth: 1 })
      if (opts.pinned !== undefined && isPolicyPath(opts.pinned)) {
        const pdir = dirname(resolvePath(opts.pinned))
        if (existsSync(pdir) && pdir !== resolvePath(dir) && pdir !== resolvePath(paths.policiesDir)) targets.push({ dir: pdir, depth: 0 })
      }
      const skip = [paths.auditDir, paths.cacheDir].map((d) => resolvePath(d))
      const ignored = (p: string, stats?: { isFile(): boolean }): boolean => {
        const abs = resolvePath(p)
        if (skip.some((d) => abs === d || abs.startsWith(d + sep))) return true
        return stats?.isFile() === true && !YAML.test(abs)
      }
      if (targets.length > 0) {
        const events = yield* watchDirs(targets, ignored)
        yield* events.pipe(
          Stream.filterEffect(relevant),
          Stream.debounce(opts.debounce ?? Duration.millis(300)),
          Stream.runForEach(() => reload),
          Effect.catchAll((e) => Effect.logWarning(`policy watcher stopped: ${e.message}; SIGHUP still reloads`)),
          Effect.forkScoped
        )
      }
    }

    return PolicyStore.of({
      current: Effect.map(Ref.get(state), (s) => s.loaded),
      resolve: (nameOrPath) => Effect.suspend(() => resolvePolicySync(nameOrPath, { dir })),
      reload,
      status: Effect.map(Ref.get(state), toStatus),
      list: Effect.flatMap(Ref.get(state), (s) => Effect.sync(() => listPoliciesSync(dir, s.name))),
      changes: Stream.fromPubSub(pubsub)
    })
  })

/** The PolicyStore layer (scoped: the watcher stops with the scope). */
export const layer = (opts: StoreOptions = {}): Layer.Layer<PolicyStore, PolicyLoadError> => Layer.scoped(PolicyStore, make(opts))

/** A fixed, in-memory store around one policy (tests, `--dry-run`): reload re-reports it, nothing is watched. */
export const layerStatic = (loaded: LoadedPolicy): Layer.Layer<PolicyStore> =>
  Layer.effect(
    PolicyStore,
    Effect.gen(function* () {
      const loadedAt = new Date().toISOString()
      const status: PolicyStatus = { name: loaded.policy.name, sha256: loaded.sha256, source: loaded.source, loadedAt }
      const pubsub = yield* PubSub.unbounded<PolicyStatus>()
      return PolicyStore.of({
        current: Effect.succeed(loaded),
        resolve: (nameOrPath) => Effect.suspend(() => resolvePolicySync(nameOrPath)),
        reload: Effect.as(PubSub.publish(pubsub, status), status),
        status: Effect.succeed(status),
        list: Effect.succeed([{ name: loaded.policy.name, mode: effectiveMode(loaded.policy), description: loaded.policy.description ?? "", source: loaded.source, active: true, valid: true }]),
        changes: Stream.fromPubSub(pubsub)
      })
    })
  )

/**
 * Identity bindings: the daemon's authenticated `User` (TLS client certificate CN) picks
 * a policy from the active policy's `bindings`. Headers and labels are never identity;
 * over the unix socket there is no user and the active policy itself applies.
 */
import { Effect } from "effect"
import type { LoadedPolicy } from "../../domain/policy.ts"
import type { PolicyLoadError, PolicyStore } from "../../services/PolicyStore.ts"

/** Bound policies resolved under a given active policy (keyed by active sha + binding target). */
export type PolicyCache = Map<string, LoadedPolicy>

/** The binding target for a user, or undefined when the active policy applies. */
export const bindingFor = (active: LoadedPolicy, user: string | undefined): string | undefined => {
  if (user === undefined || user === "") return undefined
  const bindings = active.policy.bindings ?? []
  return (bindings.find((b) => b.users.includes(user)) ?? bindings.find((b) => b.users.includes("*")))?.policy
}

/** Resolve the policy for this request's user; binding targets are cached per active policy. */
export const selectPolicy = (
  store: typeof PolicyStore.Service,
  cache: PolicyCache,
  active: LoadedPolicy,
  user: string | undefined
): Effect.Effect<LoadedPolicy, PolicyLoadError> => {
  const target = bindingFor(active, user)
  if (target === undefined || target === active.policy.name) return Effect.succeed(active)
  const key = `${active.sha256}\u0000${target}`
  const hit = cache.get(key)
  if (hit !== undefined) return Effect.succeed(hit)
  return store.resolve(target).pipe(
    Effect.tap((p) =>
      Effect.sync(() => {
        if (cache.size > 64) cache.clear()
        cache.set(key, p)
      })
    )
  )
}

/** Parse a Go-style duration budget ("20s", "500ms", "2m"); undefined when absent or unparsable. */
export const parseBudget = (s: string | undefined): number | undefined => {
  if (s === undefined) return undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(s)
  if (m === null) return undefined
  const n = Number(m[1])
  const unit = m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 3_600_000
  return n * unit
}

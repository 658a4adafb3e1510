/**
 * Policy text → LoadedPolicy: YAML (duplicate keys rejected), strict Schema decoding, the
 * semantic check, every problem with its line number. Uses only yaml + effect Schema + node:crypto.
 */
import { createHash } from "node:crypto"
import { Either } from "effect"
import { Policy, type LoadedPolicy } from "../../domain/policy.ts"
import { PolicyLoadError } from "../../services/PolicyStore.ts"
import { checkPolicy, REGO_MESSAGE } from "../../domain/policy-check.ts"
import { decodeYaml } from "./yaml-decode.ts"

/** sha256 hex of a policy's source text. */
export const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")

/**
 * Decode policy YAML. `source` is the file path or `builtin:<name>` (kept in LoadedPolicy and
 * used as the error's source).
 */
export const parsePolicy = (text: string, source: string): Either.Either<LoadedPolicy, PolicyLoadError> => {
  const key = `${source}\u0000${text}`
  const hit = decoded.get(key)
  if (hit !== undefined) return Either.right(hit)
  const r = decodeYaml(text, Policy, {
    check: checkPolicy,
    unknownKeyMessage: (path) => (path.length === 1 && path[0] === "rego" ? REGO_MESSAGE : undefined)
  })
  if (Either.isLeft(r)) return Either.left(new PolicyLoadError({ source, problems: [...r.left] }))
  const loaded: LoadedPolicy = { policy: r.right.value, sha256: sha256(text), source }
  if (decoded.size >= 64) decoded.clear()
  decoded.set(key, loaded)
  return Either.right(loaded)
}

/**
 * Successful decodes by (source, exact text). A policy is immutable data, so the same text from the
 * same source decodes to the same value; the startup snapshot pre-fills this for the embedded
 * templates, so `sentinel validate` on a built-in policy skips YAML and Schema entirely.
 */
const decoded = new Map<string, LoadedPolicy>()

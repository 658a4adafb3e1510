/** Image rules: registry allow/block lists, latest tag, digests (seed) and blocked image globs (added). */
import type { Finding } from "../finding.ts"
import type { Policy } from "../policy.ts"
import type { DockerRequest, ImageRef } from "../request.ts"
import { effectiveTag, legacyRegistry, registryMatches } from "../image-ref.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, globMatch, isContainerish, mk, type RuleDef } from "./kit.ts"

export const UNTRUSTED_REGISTRY: RuleDef = { rule: "images.untrusted-registry", level: "medium", category: "supply_chain", points: 15 }
export const BLOCKED_REGISTRY: RuleDef = { rule: "images.blocked-registry", level: "high", category: "supply_chain", points: 25 }
export const LATEST_TAG: RuleDef = { rule: "images.latest-tag", level: "low", category: "supply_chain", points: 0 }
export const DIGEST_REQUIRED: RuleDef = { rule: "images.digest-required", level: "medium", category: "supply_chain", points: 10 }
export const BLOCKED_IMAGE: RuleDef = { rule: "images.blocked-image", level: "high", category: "supply_chain", points: 25 }

/** Names a blocked_images glob is tried against: full name, familiar name, each with the tag, and the raw text. */
export const imageCandidates = (ref: ImageRef): Array<string> => {
  const familiar = ref.registry === "docker.io"
    ? ref.path.startsWith("library/") ? ref.path.slice("library/".length) : ref.path
    : ref.name
  const out = [ref.name, familiar, ref.raw]
  const tag = effectiveTag(ref)
  if (tag !== undefined) out.push(`${ref.name}:${tag}`, `${familiar}:${tag}`)
  if (ref.digest !== undefined) out.push(`${ref.name}@${ref.digest}`, `${familiar}@${ref.digest}`)
  return out
}

const registryChecks = (out: Array<Finding>, p: Policy, ref: ImageRef, field: string, full: boolean): void => {
  const im = p.rules?.images
  if (im === undefined) return
  const allowed = im.allowed_registries ?? []
  if (full && allowed.length > 0 && !allowed.some((a) => registryMatches(ref, a))) {
    out.push(mk(UNTRUSTED_REGISTRY, "violation", `Registry not allowed: ${legacyRegistry(ref)}`, field))
  }
  for (const b of im.blocked_registries ?? []) {
    if (registryMatches(ref, b)) out.push(mk(BLOCKED_REGISTRY, "violation", `Registry is blocked: ${legacyRegistry(ref)}`, field))
  }
  if (full && im.block_latest_tag === true && effectiveTag(ref) === "latest") {
    out.push(mk(LATEST_TAG, "warning", "Using :latest tag is not recommended", field))
  }
  if (full && im.require_digest === true && ref.digest === undefined) {
    out.push(mk(DIGEST_REQUIRED, "violation", "Image digest is required", field))
  }
  const blockedImages = im.blocked_images ?? []
  if (blockedImages.length > 0) {
    const cands = imageCandidates(ref)
    for (const pat of blockedImages) {
      if (cands.some((c) => globMatch(pat, c, false))) {
        out.push(mk(BLOCKED_IMAGE, "violation", `Image ${ref.raw} is blocked by policy (matches ${pat})`, field,
          "Use an image that is not on rules.images.blocked_images"))
      }
    }
  }
}

const imageOf = (request: DockerRequest): ImageRef | undefined =>
  isContainerish(request.action) ? containerSpecOf(request)?.image ?? request.image : request.image

/**
 * Image rules. Container-ish requests and pulls get every check; push and build (its tags) only
 * the blocked registry / blocked image checks (seed: allow-list, latest and digest skip build/push).
 */
export const imageRules: RuleFamily = (request, policy) => {
  if (policy.rules?.images === undefined) return NONE
  const a = request.action
  if (a === "image.build") {
    const tags = request.build?.tags ?? []
    if (tags.length === 0) return NONE
    const out: Array<Finding> = []
    tags.forEach((t, i) => registryChecks(out, policy, t, `build.tags[${i}]`, false))
    return out
  }
  if (!isContainerish(a) && a !== "image.pull" && a !== "image.push") return NONE
  const ref = imageOf(request)
  if (ref === undefined) return NONE
  const out: Array<Finding> = []
  registryChecks(out, policy, ref, isContainerish(a) ? "container.image" : "image", a !== "image.push")
  return out
}

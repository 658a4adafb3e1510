/** Image references parsed per the distribution reference grammar (docker/distribution `reference`). */
import type { ImageRef } from "./request.ts"

const DEFAULT_REGISTRY = "docker.io"
const HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"])

/**
 * Parse an image reference. `host:5000/app` is registry `host:5000`, `ubuntu` is
 * `docker.io/library/ubuntu`. Never throws: an unparsable reference keeps its raw text
 * as the path so registry rules still see something (and fail closed on allow-lists).
 */
export const parseImageRef = (input: string): ImageRef => {
  const raw = input
  let rest = input.trim()
  let digest: string | undefined
  const at = rest.indexOf("@")
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf("/")
  const lastColon = rest.lastIndexOf(":")
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1)
    rest = rest.slice(0, lastColon)
  }
  let registry = DEFAULT_REGISTRY
  let path = rest
  const firstSlash = rest.indexOf("/")
  if (firstSlash > 0) {
    const first = rest.slice(0, firstSlash)
    if (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase()) {
      registry = first.toLowerCase()
      path = rest.slice(firstSlash + 1)
    }
  }
  if (HUB_ALIASES.has(registry)) {
    registry = DEFAULT_REGISTRY
    if (!path.includes("/")) path = `library/${path}`
  }
  const ref: { -readonly [K in keyof ImageRef]: ImageRef[K] } = { raw, registry, path, name: `${registry}/${path}` }
  if (tag !== undefined) ref.tag = tag
  if (digest !== undefined) ref.digest = digest
  return ref
}

/** The reference with tag/digest as docker would resolve it (implicit `latest`). */
export const effectiveTag = (ref: ImageRef): string | undefined =>
  ref.tag ?? (ref.digest === undefined ? "latest" : undefined)

/**
 * Does a registry pattern from a policy (`docker.io`, `docker.io/library`, `gcr.io/distroless`,
 * `host:5000`) cover this image? Matches whole components only: `docker.io` does not cover
 * `docker.io.evil.com`, and `gcr.io/distroless` covers `gcr.io/distroless/static`.
 */
export const registryMatches = (ref: ImageRef, pattern: string): boolean => {
  const p = pattern.trim().replace(/\/+$/, "")
  if (p === "") return false
  const slash = p.indexOf("/")
  let host = (slash < 0 ? p : p.slice(0, slash)).toLowerCase()
  if (HUB_ALIASES.has(host)) host = DEFAULT_REGISTRY
  if (host !== ref.registry) return false
  if (slash < 0) return true
  const prefix = p.slice(slash + 1)
  return ref.path === prefix || ref.path.startsWith(`${prefix}/`)
}

/** The seed's registry string: `docker.io/library` for official images, else host or `docker.io/<org>`. */
export const legacyRegistry = (ref: ImageRef): string => {
  if (ref.registry !== DEFAULT_REGISTRY) return ref.registry
  const org = ref.path.split("/")[0] ?? ""
  return `${DEFAULT_REGISTRY}/${org}`
}

/** Canonical display form: `docker.io/library/ubuntu:22.04@sha256:...` */
export const formatImageRef = (ref: ImageRef): string =>
  `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`

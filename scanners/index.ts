/**
 * Scanner registry. Adding a scanner: write scanners/<id>.ts exporting a ScannerAdapter,
 * add it to the matching map below, and add tests (see docs/SCANNERS.md).
 */
import { BUILTIN_ID } from "./builtin-secrets.ts"
import { grype } from "./grype.ts"
import { scout } from "./scout.ts"
import { trivy } from "./trivy.ts"
import { trufflehog } from "./trufflehog.ts"
import type { ScannerAdapter } from "./types.ts"

/** Vulnerability scanners by id (`docker-scout` is accepted as an alias of `scout`). */
export const vulnerabilityScanners: Readonly<Record<string, ScannerAdapter<"vulnerabilities">>> = {
  trivy,
  grype,
  scout
}

/** External secret scanners by id; `builtin` needs no tool and is handled by the image reader. */
export const secretScanners: Readonly<Record<string, ScannerAdapter<"secrets">>> = { trufflehog }

export const VULN_SCANNER_IDS: ReadonlyArray<string> = Object.keys(vulnerabilityScanners)
export const SECRET_SCANNER_IDS: ReadonlyArray<string> = [BUILTIN_ID, ...Object.keys(secretScanners)]

export const normalizeScannerId = (id: string): string => {
  const s = id.trim().toLowerCase()
  return s === "docker-scout" ? "scout" : s
}

const REF = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/
/** source schemes understood by grype/syft/trivy/trufflehog/scout: never let them through */
const SCHEMES = new Set(["dir", "file", "docker", "docker-archive", "oci-archive", "oci-dir", "registry", "podman", "containerd", "singularity", "sbom", "purl", "cpe", "archive", "local", "fs", "image", "oci", "tar"])
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/

/**
 * Validate an image argument before it reaches any tool. Accepts `name`, `name:tag`,
 * `host:5000/ns/name:tag`, `name@sha256:...` and local image ids; rejects a leading `-`,
 * scheme prefixes (`dir:`, `docker-archive:`, `docker://`, ...) and anything outside the
 * reference grammar. Returns an error message, or undefined when valid.
 */
export const validateImageArg = (image: string): string | undefined => {
  if (image.trim() === "") return "image name is empty"
  if (image.length > 512) return "image name is longer than 512 characters"
  if (image.startsWith("-")) return `image name "${image}" starts with "-" (it would be read as a flag)`
  if (/[\s\u0000-\u001f]/.test(image)) return "image name contains whitespace or control characters"
  if (IMAGE_ID.test(image)) return undefined
  if (image.includes("://")) return `"${image}" has a scheme prefix; give a plain image reference`
  let rest = image
  const at = rest.indexOf("@")
  if (at >= 0) {
    if (!DIGEST.test(rest.slice(at + 1))) return `image digest in "${image}" is not of the form sha256:<hex>`
    rest = rest.slice(0, at)
  }
  const slash = rest.indexOf("/")
  const first = slash >= 0 ? rest.slice(0, slash) : ""
  const hasHost = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost")
  if (hasHost && /^[a-z][a-z0-9+.-]*:$/i.test(first)) return `"${image}" has a scheme prefix ("${first}"); give a plain image reference`
  if (hasHost && !HOST.test(first)) return `registry host "${first}" in "${image}" is invalid`
  let path = hasHost ? rest.slice(slash + 1) : rest
  const colon = path.lastIndexOf(":")
  if (colon >= 0) {
    if (!TAG.test(path.slice(colon + 1))) return `tag in "${image}" is invalid`
    path = path.slice(0, colon)
  }
  if (!hasHost && colon >= 0 && SCHEMES.has(path.toLowerCase())) return `"${image}" has a scheme prefix ("${path}:"); give a plain image reference`
  if (!REF.test(path)) return `"${image}" is not a valid image reference (lower-case name[:tag][@digest])`
  return undefined
}

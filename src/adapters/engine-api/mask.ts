/**
 * Masking of secret query values in a RequestUri before it is logged or stored: build args
 * keep their keys but lose their values; parameters whose names look secret are masked whole.
 */
import { isSecretKey } from "../../domain/secrets.ts"
import { unescape } from "./uri.ts"

const MASK = "***"
// parameter names that match a secret pattern but carry none (commit `author`)
const BENIGN = new Set(["author"])

const maskBuildArgs = (raw: string): string => {
  try {
    const v: unknown = JSON.parse(raw)
    if (v === null || typeof v !== "object" || Array.isArray(v)) return MASK
    return JSON.stringify(Object.fromEntries(Object.keys(v).map((k) => [k, MASK])))
  } catch {
    return MASK
  }
}

/** The URI with `buildargs` values and secret-looking parameters replaced by `***`. */
export const maskUri = (uri: string): string => {
  const q = uri.indexOf("?")
  if (q < 0) return uri
  const hash = uri.indexOf("#", q)
  const query = hash < 0 ? uri.slice(q + 1) : uri.slice(q + 1, hash)
  const parts = query.split("&").map((part) => {
    const eq = part.indexOf("=")
    if (eq < 0) return part
    const key = unescape(part.slice(0, eq), true) ?? part.slice(0, eq)
    const lower = key.toLowerCase()
    if (lower === "buildargs") {
      const value = unescape(part.slice(eq + 1), true) ?? ""
      return `${part.slice(0, eq)}=${encodeURIComponent(maskBuildArgs(value))}`
    }
    if ((isSecretKey(key) && !BENIGN.has(lower)) || lower === "password") return `${part.slice(0, eq)}=${MASK}`
    return part
  })
  return `${uri.slice(0, q + 1)}${parts.join("&")}`
}

/** Security options parsed as dockerd's parseSecurityOpt: `key=value` or the legacy `key:value`. */
import type { SecurityOpt } from "./request.ts"

export const parseSecurityOpt = (opt: string): SecurityOpt => {
  const trimmed = opt.trim()
  if (trimmed === "no-new-privileges") return { key: "no-new-privileges", value: "true" }
  if (trimmed === "disable") return { key: "label", value: "disable" }
  // an inline seccomp profile (the CLI inlines the file's JSON): seccomp={...}
  const eq = trimmed.indexOf("=")
  const colon = trimmed.indexOf(":")
  let idx = eq
  if (idx < 0 || (colon >= 0 && colon < eq)) idx = colon
  if (idx < 0) return { key: trimmed.toLowerCase(), value: "" }
  const key = trimmed.slice(0, idx).toLowerCase()
  const value = trimmed.slice(idx + 1)
  if (key === "seccomp" && value.trimStart().startsWith("{")) {
    let seccompDefaultAction = "<unparsable>"
    try {
      const parsed: unknown = JSON.parse(value)
      if (parsed !== null && typeof parsed === "object") {
        for (const [k, v] of Object.entries(parsed)) {
          if (k.toLowerCase() === "defaultaction" && typeof v === "string") seccompDefaultAction = v
        }
      }
    } catch {
      // keep <unparsable>: rules treat it as not the default profile
    }
    return { key, value: "<inline>", seccompDefaultAction }
  }
  return { key, value }
}

/** Security options parsed as dockerd's parseSecurityOpt: `key=value` or the legacy `key:value`. */
import type { SecurityOpt } from "./request.ts"
import { DEFAULT_CAPS, normalizeCap } from "./caps.ts"

// syscalls Docker's default profile refuses unless a non-default capability is held
const ESCAPE_SYSCALLS = new Set(["unshare", "setns", "mount", "umount2", "pivot_root", "fsopen", "fsmount", "fsconfig", "open_tree", "move_mount",
  "bpf", "keyctl", "add_key", "request_key", "open_by_handle_at", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
  "userfaultfd", "perf_event_open"])

const field = (o: object, name: string): unknown => {
  let v: unknown
  // Go matches JSON keys to fields case-insensitively, with ſ as s and K as k
  for (const [k, x] of Object.entries(o)) if (k.toLowerCase().replaceAll("\u017f", "s") === name) v = x
  return v
}
const strings = (v: unknown): Array<string> => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : [])

/** A syscall the profile allows that the default profile keeps from containers without extra capabilities. */
const escapeAllowed = (profile: object): string | undefined => {
  const rules = field(profile, "syscalls")
  if (!Array.isArray(rules)) return undefined
  for (const r of rules) {
    if (r === null || typeof r !== "object") continue
    const action = field(r, "action")
    if (typeof action !== "string" || !["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"].includes(action.toUpperCase())) continue
    const inc = field(r, "includes")
    const caps = inc !== null && typeof inc === "object" ? strings(field(inc, "caps")) : []
    if (caps.some((c) => !DEFAULT_CAPS.includes(normalizeCap(c)))) continue // only with a capability the caps rules judge
    const hit = [...strings(field(r, "names")), ...strings(field(r, "name"))].find((n) => ESCAPE_SYSCALLS.has(n))
    if (hit !== undefined) return hit
  }
  return undefined
}

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
        const esc = escapeAllowed(parsed)
        if (esc !== undefined && !["SCMP_ACT_ALLOW", "SCMP_ACT_LOG"].includes(seccompDefaultAction.toUpperCase())) seccompDefaultAction = `<allows ${esc}>`
      }
    } catch {
      // keep <unparsable>: rules treat it as not the default profile
    }
    return { key, value: "<inline>", seccompDefaultAction }
  }
  return { key, value }
}

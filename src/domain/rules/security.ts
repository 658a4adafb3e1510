/**
 * Security options: unconfined seccomp/AppArmor and required profiles (seed); system paths,
 * permissive inline seccomp, SELinux label disable, writable cgroups, no-new-privileges,
 * profile allow-lists (added).
 */
import type { Finding } from "../finding.ts"
import type { ContainerSpec } from "../request.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, mk, parseBoolTrue, type RuleDef } from "./kit.ts"

export const SECCOMP_UNCONFINED: RuleDef = { rule: "security.seccomp-unconfined", level: "high", category: "privilege_escalation", points: 25 }
export const APPARMOR_UNCONFINED: RuleDef = { rule: "security.apparmor-unconfined", level: "high", category: "privilege_escalation", points: 25 }
export const SECCOMP_REQUIRED: RuleDef = { rule: "security.seccomp-required", level: "medium", category: "misconfiguration", points: 15 }
export const APPARMOR_REQUIRED: RuleDef = { rule: "security.apparmor-required", level: "medium", category: "misconfiguration", points: 15 }
export const SYSTEMPATHS: RuleDef = { rule: "security.systempaths-unconfined", level: "high", category: "container_escape", points: 30 }
export const SECCOMP_PERMISSIVE: RuleDef = { rule: "security.seccomp-permissive", level: "high", category: "privilege_escalation", points: 25 }
export const LABEL_DISABLED: RuleDef = { rule: "security.label-disabled", level: "high", category: "privilege_escalation", points: 20 }
export const WRITABLE_CGROUPS: RuleDef = { rule: "security.writable-cgroups", level: "medium", category: "container_escape", points: 15 }
export const NNP_REQUIRED: RuleDef = { rule: "security.no-new-privileges-required", level: "medium", category: "privilege_escalation", points: 10 }
export const SECCOMP_NOT_ALLOWED: RuleDef = { rule: "security.seccomp-profile-not-allowed", level: "medium", category: "privilege_escalation", points: 15 }
export const APPARMOR_NOT_ALLOWED: RuleDef = { rule: "security.apparmor-profile-not-allowed", level: "medium", category: "privilege_escalation", points: 15 }

/** Core entries of dockerd's default masked / read-only paths; a list without them unmasks the host. */
export const REQUIRED_MASKED: ReadonlyArray<string> = ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"]
export const REQUIRED_READONLY: ReadonlyArray<string> = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
const PERMISSIVE_SECCOMP = new Set(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "<unparsable>"])
const DISABLED_LABEL_TYPES = new Set(["spc_t", "unconfined_t"])

const systemPaths = (out: Array<Finding>, spec: ContainerSpec): void => {
  const unconfinedOpt = spec.securityOpts.some((o) => o.key === "systempaths" && o.value === "unconfined")
  const masked = spec.maskedPaths
  const ro = spec.readonlyPaths
  const maskedBad = masked !== undefined && (masked.length === 0 || REQUIRED_MASKED.some((p) => !masked.includes(p)))
  const roBad = ro !== undefined && (ro.length === 0 || REQUIRED_READONLY.some((p) => !ro.includes(p)))
  if (unconfinedOpt || maskedBad) {
    out.push(mk(SYSTEMPATHS, "violation", "Masked /proc and /sys paths are removed (systempaths=unconfined): host kernel interfaces are exposed",
      "container.maskedPaths", "Remove --security-opt systempaths=unconfined and custom MaskedPaths"))
  } else if (roBad) {
    out.push(mk(SYSTEMPATHS, "violation", "Read-only /proc paths are removed: /proc/sys and friends become writable",
      "container.readonlyPaths", "Remove custom ReadonlyPaths"))
  }
}

/** Security-option rules (container-ish requests). */
export const securityRules: RuleFamily = (request, policy) => {
  const spec = containerSpecOf(request)
  if (spec === undefined) return NONE
  const so = policy.rules?.security_options
  const out: Array<Finding> = []
  let hasSeccomp = false
  let hasApparmor = false
  let nnp = false
  for (const o of spec.securityOpts) {
    if (o.key === "seccomp") {
      hasSeccomp = true
      if (o.value === "unconfined") out.push(mk(SECCOMP_UNCONFINED, "violation", "Seccomp is disabled", "container.securityOpts"))
    } else if (o.key === "apparmor") {
      hasApparmor = true
      if (o.value === "unconfined") out.push(mk(APPARMOR_UNCONFINED, "violation", "AppArmor is disabled", "container.securityOpts"))
    } else if (o.key === "no-new-privileges") {
      nnp = o.value === "" || parseBoolTrue(o.value)
    }
  }
  if (so?.require_seccomp === true && !hasSeccomp) {
    out.push(mk(SECCOMP_REQUIRED, "violation", "Seccomp profile is required", "container.securityOpts"))
  }
  if (so?.require_apparmor === true && !hasApparmor) {
    out.push(mk(APPARMOR_REQUIRED, "violation", "AppArmor profile is required", "container.securityOpts"))
  }
  systemPaths(out, spec)
  for (const o of spec.securityOpts) {
    if (o.key === "seccomp" && o.value === "<inline>") {
      const da = o.seccompDefaultAction ?? "<unparsable>"
      if (PERMISSIVE_SECCOMP.has(da.toUpperCase()) || PERMISSIVE_SECCOMP.has(da) || da.startsWith("<allows ")) {
        const what = da.startsWith("<allows ") ? `allows ${da.slice(8, -1)}, which the default profile refuses` : `allows every syscall by default (defaultAction ${da})`
        out.push(mk(SECCOMP_PERMISSIVE, "violation", `Inline seccomp profile ${what}`,
          "container.securityOpts", "Use a profile whose defaultAction is SCMP_ACT_ERRNO, or the default profile"))
      }
    } else if (o.key === "label") {
      const v = o.value.trim()
      const type = v.startsWith("type:") ? v.slice(5) : undefined
      if (v === "disable" || (type !== undefined && DISABLED_LABEL_TYPES.has(type))) {
        out.push(mk(LABEL_DISABLED, "violation", `SELinux confinement is disabled (label=${v})`, "container.securityOpts",
          "Remove the label security option"))
      }
    } else if (o.key === "writable-cgroups" && parseBoolTrue(o.value)) {
      out.push(mk(WRITABLE_CGROUPS, "violation", "Writable cgroups let the container change its own resource limits and escape",
        "container.securityOpts", "Remove --security-opt writable-cgroups=true"))
    }
  }
  if (so?.require_no_new_privileges === true && !nnp) {
    out.push(mk(NNP_REQUIRED, "violation", "no-new-privileges is required", "container.securityOpts",
      "Add --security-opt no-new-privileges"))
  }
  const allowedSeccomp = so?.allowed_seccomp_profiles ?? []
  const allowedApparmor = so?.allowed_apparmor_profiles ?? []
  for (const o of spec.securityOpts) {
    if (o.key === "seccomp" && allowedSeccomp.length > 0 && !allowedSeccomp.includes(o.value)) {
      out.push(mk(SECCOMP_NOT_ALLOWED, "violation", `Seccomp profile ${o.value} is not allowed`, "container.securityOpts",
        `Use one of: ${allowedSeccomp.join(", ")}`))
    } else if (o.key === "apparmor" && allowedApparmor.length > 0 && !allowedApparmor.includes(o.value)) {
      out.push(mk(APPARMOR_NOT_ALLOWED, "violation", `AppArmor profile ${o.value} is not allowed`, "container.securityOpts",
        `Use one of: ${allowedApparmor.join(", ")}`))
    }
  }
  return out
}

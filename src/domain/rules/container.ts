/**
 * Container settings: root user, read-only rootfs, resource limits (seed); user lists, memory/cpu
 * caps, pids limit, runtimes, sysctls, privileged groups, /proc working dir (added).
 */
import type { Finding } from "../finding.ts"
import type { Policy } from "../policy.ts"
import type { ContainerSpec, Resources } from "../request.ts"
import { isRootUser } from "../user.ts"
import { isWithin } from "../paths.ts"
import { parseCpus, parseMemory } from "../units.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, memo, mk, type RuleDef } from "./kit.ts"

export const ROOT_USER: RuleDef = { rule: "container.root-user", level: "medium", category: "privilege_escalation", points: 15 }
export const RO_ROOTFS: RuleDef = { rule: "container.read-only-rootfs", level: "low", category: "misconfiguration", points: 5 }
export const RESOURCE_LIMITS: RuleDef = { rule: "container.resource-limits", level: "low", category: "resource_abuse", points: 5 }
export const USER_BLOCKED: RuleDef = { rule: "container.user-blocked", level: "medium", category: "privilege_escalation", points: 15 }
export const USER_NOT_ALLOWED: RuleDef = { rule: "container.user-not-allowed", level: "medium", category: "privilege_escalation", points: 15 }
export const MEMORY_LIMIT: RuleDef = { rule: "container.memory-limit", level: "medium", category: "resource_abuse", points: 10 }
export const CPU_LIMIT: RuleDef = { rule: "container.cpu-limit", level: "medium", category: "resource_abuse", points: 10 }
export const PIDS_LIMIT: RuleDef = { rule: "container.pids-limit", level: "low", category: "resource_abuse", points: 5 }
export const RUNTIME: RuleDef = { rule: "container.runtime", level: "high", category: "container_escape", points: 20 }
export const SYSCTLS: RuleDef = { rule: "container.sysctls", level: "medium", category: "container_escape", points: 15 }
export const PRIVILEGED_GROUP: RuleDef = { rule: "container.privileged-group", level: "medium", category: "privilege_escalation", points: 15 }
export const PROC_WORKDIR: RuleDef = { rule: "container.proc-workdir", level: "high", category: "container_escape", points: 25 }

/** Kubernetes PSS baseline "safe" sysctls: the default allow-list. */
export const SAFE_SYSCTLS: ReadonlyArray<string> = [
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range"
]
const PRIVILEGED_GROUPS = new Set(["root", "docker", "disk"])
/** Effective CPU limit in CPUs (NanoCpus, else quota/period), undefined if unlimited. */
export const cpuLimit = (r: Resources): number | undefined => {
  if (r.nanoCpus !== undefined && r.nanoCpus > 0) return r.nanoCpus / 1e9
  if (r.cpuQuota !== undefined && r.cpuQuota > 0) return r.cpuQuota / (r.cpuPeriod !== undefined && r.cpuPeriod > 0 ? r.cpuPeriod : 100_000)
  return undefined
}

const compiled = memo((p: Policy) => {
  const c = p.rules?.container
  const allowedSysctls = c?.allowed_sysctls ?? SAFE_SYSCTLS
  // an unparsable maximum (rejected by policy-check) fails closed: nothing is below it
  return {
    c,
    maxMemory: c?.max_memory !== undefined ? parseMemory(c.max_memory) ?? 0 : undefined,
    maxCpus: c?.max_cpus !== undefined ? parseCpus(c.max_cpus) ?? 0 : undefined,
    sysctlExact: new Set(allowedSysctls.filter((s) => !s.endsWith("*"))),
    sysctlPrefixes: allowedSysctls.filter((s) => s.endsWith("*")).map((s) => s.slice(0, -1))
  }
})
type Compiled = ReturnType<typeof compiled>

const userName = (user: string): string => (user.split(":")[0] ?? "").trim()
/** Does a policy user entry denote this user? Root spellings (``, `root`, `0`, `00`, `+0`) are all one user. */
const userIs = (user: string | undefined, entry: string): boolean => {
  if (isRootUser(user) && isRootUser(entry) && entry.trim() !== "") return true
  if (user === undefined) return false
  return entry === user || entry === userName(user)
}

const limits = (out: Array<Finding>, k: Compiled, r: Resources, update: boolean): void => {
  const f = update ? "update.resources" : "container.resources"
  const mem = r.memory !== undefined && r.memory > 0 ? r.memory : undefined
  const cpus = cpuLimit(r)
  if (k.c?.require_resource_limits === true) {
    const removed = update && ((r.memory ?? 0) < 0 || (r.nanoCpus ?? 0) < 0 || (r.cpuQuota ?? 0) < 0)
    if (update ? removed : mem === undefined && cpus === undefined) {
      out.push(mk(RESOURCE_LIMITS, "violation", "Resource limits are required", f, "Add --memory and --cpus flags"))
    }
  }
  if (k.maxMemory !== undefined && (update ? mem !== undefined && mem > k.maxMemory : mem === undefined || mem > k.maxMemory)) {
    out.push(mk(MEMORY_LIMIT, "violation", mem === undefined ? `A memory limit of at most ${String(k.c?.max_memory)} is required`
      : `Memory limit ${mem} bytes exceeds the maximum ${String(k.c?.max_memory)}`, `${f}.memory`, `Set --memory to at most ${String(k.c?.max_memory)}`))
  }
  if (k.maxCpus !== undefined && (update ? cpus !== undefined && cpus > k.maxCpus : cpus === undefined || cpus > k.maxCpus)) {
    out.push(mk(CPU_LIMIT, "violation", cpus === undefined ? `A CPU limit of at most ${k.maxCpus} is required`
      : `CPU limit ${cpus} exceeds the maximum ${k.maxCpus}`, `${f}.nanoCpus`, `Set --cpus to at most ${k.maxCpus}`))
  }
  if (k.c?.require_pids_limit === true && (update ? r.pidsLimit !== undefined && r.pidsLimit <= 0 : !(r.pidsLimit !== undefined && r.pidsLimit > 0))) {
    out.push(mk(PIDS_LIMIT, "violation", "A positive pids limit is required", `${f}.pidsLimit`, "Add --pids-limit"))
  }
}

const containerChecks = (spec: ContainerSpec, k: Compiled): ReadonlyArray<Finding> => {
  const out: Array<Finding> = []
  const c = k.c
  if (c?.require_non_root === true && isRootUser(spec.user)) {
    out.push(mk(ROOT_USER, "violation", "Container must run as non-root user", "container.user", "Add --user flag with non-root UID"))
  }
  if (c?.require_read_only_rootfs === true && !spec.readOnlyRootfs) {
    out.push(mk(RO_ROOTFS, "violation", "Read-only root filesystem is required", "container.readOnlyRootfs", "Add --read-only flag"))
  }
  limits(out, k, spec.resources, false)
  const shown = spec.user === undefined || spec.user === "" ? "(image default)" : spec.user
  const blocked = c?.blocked_users ?? []
  if (blocked.some((e) => userIs(spec.user, e))) {
    out.push(mk(USER_BLOCKED, "violation", `User ${shown} is blocked`, "container.user", "Run as a different --user"))
  }
  const allowed = c?.allowed_users ?? []
  if (allowed.length > 0 && !allowed.some((e) => userIs(spec.user, e))) {
    out.push(mk(USER_NOT_ALLOWED, "violation", `User ${shown} is not in the allowed users`, "container.user", `Run as one of: ${allowed.join(", ")}`))
  }
  const runtimes = c?.allowed_runtimes ?? []
  if (runtimes.length > 0 && spec.runtime !== undefined && spec.runtime !== "" && !runtimes.includes(spec.runtime)) {
    out.push(mk(RUNTIME, "violation", `Runtime ${spec.runtime} is not allowed`, "container.runtime", `Use one of: ${runtimes.join(", ")}`))
  }
  for (const key of Object.keys(spec.sysctls)) {
    if (k.sysctlExact.has(key) || k.sysctlPrefixes.some((p) => key.startsWith(p))) continue
    out.push(mk(SYSCTLS, "violation", `Sysctl ${key} is not allowed`, `container.sysctls.${key}`, `Remove --sysctl ${key}`))
  }
  for (const g of spec.groupAdd) {
    const gt = g.trim()
    if (!PRIVILEGED_GROUPS.has(gt) && !(/^[+-]?\d+$/.test(gt) && Number.parseInt(gt, 10) === 0)) continue
    out.push(mk(PRIVILEGED_GROUP, c?.require_non_root === true ? "violation" : "warning",
      `Supplementary group ${gt} grants root-equivalent access`, "container.groupAdd", `Remove --group-add ${gt}`))
  }
  if (spec.workingDir !== undefined && isWithin(spec.workingDir, "/proc")) {
    out.push(procWorkdir(spec.workingDir, "container.workingDir"))
  }
  return out
}

const procWorkdir = (wd: string, field: string): Finding =>
  mk(PROC_WORKDIR, "violation", `Working directory ${wd} is under /proc (runc CVE-2024-21626 host escape)`, field,
    "Use a working directory inside the container filesystem")

/** Container rules: full set for container-ish requests, user/workdir for exec, limits for update. */
export const containerRules: RuleFamily = (request, policy) => {
  if (request.action === "container.exec") {
    const e = request.exec
    if (e === undefined) return NONE
    const out: Array<Finding> = []
    const explicitRoot = e.user !== undefined && e.user.trim() !== "" && isRootUser(e.user)
    if (policy.rules?.container?.require_non_root === true && explicitRoot) {
      out.push(mk(ROOT_USER, "violation", "Container must run as non-root user", "exec.user", "Add --user flag with non-root UID"))
    }
    if (e.workingDir !== undefined && isWithin(e.workingDir, "/proc")) out.push(procWorkdir(e.workingDir, "exec.workingDir"))
    return out
  }
  if (request.action === "container.update") {
    const r = request.update?.resources
    if (r === undefined) return NONE
    const out: Array<Finding> = []
    limits(out, compiled(policy), r, true)
    return out
  }
  const spec = containerSpecOf(request)
  return spec === undefined ? NONE : containerChecks(spec, compiled(policy))
}

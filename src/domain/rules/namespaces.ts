/** Host and shared namespaces: network, pid, ipc, uts (seed), userns, cgroupns, container joins (added). */
import type { ActionKind, RuleAction } from "../policy.ts"
import type { Finding } from "../finding.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, kindOf, mk, type RuleDef } from "./kit.ts"

export const HOST_NETWORK: RuleDef = { rule: "namespaces.host-network", level: "high", category: "network_exposure", points: 25 }
export const HOST_PID: RuleDef = { rule: "namespaces.host-pid", level: "critical", category: "container_escape", points: 40 }
export const HOST_IPC: RuleDef = { rule: "namespaces.host-ipc", level: "high", category: "container_escape", points: 25 }
export const HOST_UTS: RuleDef = { rule: "namespaces.host-uts", level: "medium", category: "misconfiguration", points: 10 }
export const HOST_USERNS: RuleDef = { rule: "namespaces.host-userns", level: "high", category: "container_escape", points: 30 }
export const HOST_CGROUPNS: RuleDef = { rule: "namespaces.host-cgroupns", level: "medium", category: "container_escape", points: 10 }
export const CONTAINER_JOIN: RuleDef = { rule: "namespaces.container-join", level: "medium", category: "container_escape", points: 15 }

const check = (
  out: Array<Finding>,
  def: RuleDef,
  ra: RuleAction | undefined,
  dflt: ActionKind,
  message: string,
  field: string,
  mitigation: string
): void => {
  const kind = kindOf(ra?.action, dflt)
  if (kind === undefined) return
  const msg = ra?.message !== undefined && ra.message !== "" ? ra.message : message
  out.push(mk(def, kind, msg, field, mitigation))
}

/** Namespace rules. Seed namespaces do nothing when the action is empty; added ones have defaults. */
export const namespaceRules: RuleFamily = (request, policy) => {
  const spec = containerSpecOf(request)
  if (spec === undefined) return NONE
  const ns = policy.rules?.host_namespaces
  const out: Array<Finding> = []
  const hostNet = spec.networkMode === "host" || spec.networks.includes("host")
  if (hostNet) {
    check(out, HOST_NETWORK, ns?.network, "allow", "Host network mode bypasses network isolation", "container.networkMode",
      "Use bridge networking or create a custom network.")
  }
  if (spec.pidMode === "host") {
    check(out, HOST_PID, ns?.pid, "allow", "Host PID namespace allows access to all host processes", "container.pidMode",
      "Remove --pid=host flag.")
  }
  if (spec.ipcMode === "host") {
    check(out, HOST_IPC, ns?.ipc, "allow", "Host IPC namespace allows access to host shared memory", "container.ipcMode",
      "Remove --ipc=host flag.")
  }
  if (spec.utsMode === "host") {
    check(out, HOST_UTS, ns?.uts, "allow", "Host UTS namespace shares hostname with host", "container.utsMode",
      "Remove --uts=host flag.")
  }
  if (spec.usernsMode === "host") {
    check(out, HOST_USERNS, ns?.userns, "block", "Host user namespace disables the daemon's user-namespace remapping",
      "container.usernsMode", "Remove --userns=host flag.")
  }
  if (spec.cgroupnsMode === "host") {
    check(out, HOST_CGROUPNS, ns?.cgroupns, "warn", "Host cgroup namespace exposes the host cgroup hierarchy",
      "container.cgroupnsMode", "Remove --cgroupns=host flag (use private).")
  }
  const joins: Array<[string, string | undefined]> = [
    ["network", spec.networkMode],
    ["pid", spec.pidMode],
    ["ipc", spec.ipcMode]
  ]
  for (const [name, mode] of joins) {
    if (mode === undefined || !mode.startsWith("container:")) continue
    const target = mode.slice("container:".length)
    check(out, CONTAINER_JOIN, ns?.container_join, "warn",
      `Joining the ${name} namespace of container ${target} shares its isolation boundary`,
      `container.${name}Mode`, `Remove --${name}=container:${target}.`)
  }
  return out
}

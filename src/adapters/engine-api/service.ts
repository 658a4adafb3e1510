/**
 * Swarm service specs (POST /services/create, /services/{id}/update) mapped onto the same
 * ContainerSpec rules evaluate for containers: the executor creates the task containers
 * inside dockerd, so no node's plugin ever sees a /containers/create for them.
 */
import { normalizeCaps } from "../../domain/caps.ts"
import { parseImageRef } from "../../domain/image-ref.ts"
import type { ContainerSpec, PluginSpec, Port, SecurityOpt, ServiceSpec } from "../../domain/request.ts"

type PluginPrivilege = PluginSpec["privileges"][number]
import { emptyContainer } from "../../domain/request.ts"
import { envVar } from "../../domain/secrets.ts"
import { parseSecurityOpt } from "../../domain/secopt.ts"
import { type Mutable, mapMounts } from "./container.ts"
import { get, type GoObject, type GoValue } from "./goshape.ts"

// Decode a base64 []byte field (Go encodes []byte as base64); undefined when not base64.
const fromBase64 = (s: string): string | undefined => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined
  return Buffer.from(s, "base64").toString("utf8")
}

// Privileges → the security options they amount to (seccomp/apparmor/label/no-new-privileges).
const privilegesToSecOpts = (priv: GoObject | undefined): Array<SecurityOpt> => {
  const out: Array<SecurityOpt> = []
  if (priv === undefined) return out
  const seccomp = get.obj(priv, "Seccomp")
  const mode = get.str(seccomp, "Mode") ?? ""
  if (mode === "unconfined") out.push({ key: "seccomp", value: "unconfined" })
  else if (mode === "custom") {
    const profile = fromBase64(get.str(seccomp, "Profile") ?? "")
    out.push(
      profile === undefined
        ? { key: "seccomp", value: "<inline>", seccompDefaultAction: "<unparsable>" }
        : parseSecurityOpt(`seccomp=${profile}`)
    )
  } else if (mode !== "" && mode !== "default") out.push({ key: "seccomp", value: mode })
  const apparmor = get.str(get.obj(priv, "AppArmor"), "Mode") ?? ""
  // swarm's executor turns AppArmor Mode "disabled" into apparmor=unconfined
  if (apparmor !== "" && apparmor !== "default") out.push({ key: "apparmor", value: apparmor === "disabled" ? "unconfined" : apparmor })
  const selinux = get.obj(priv, "SELinuxContext")
  if (get.bool(selinux, "Disable")) out.push({ key: "label", value: "disable" })
  for (const part of ["User", "Role", "Type", "Level"] as const) {
    const v = get.str(selinux, part)
    if (v !== undefined && v !== "") out.push({ key: "label", value: `${part.toLowerCase()}:${v}` })
  }
  if (get.bool(priv, "NoNewPrivileges")) out.push({ key: "no-new-privileges", value: "true" })
  return out
}

const privilegeList = (items: ReadonlyArray<GoValue> | undefined): Array<PluginPrivilege> =>
  (items ?? []).map((p) => ({ name: get.str(p, "Name") ?? "", value: get.strs(p, "Value") ?? [] }))

/** POST /plugins/pull|upgrade body: the privileges granted to the plugin. */
export const pluginPrivileges = (body: GoValue): Array<PluginPrivilege> =>
  privilegeList(Array.isArray(body) ? body : undefined)

const endpointPorts = (spec: GoObject): { all: Array<Port>; host: Array<Port> } => {
  const all: Array<Port> = []
  const host: Array<Port> = []
  for (const p of get.arr(get.obj(spec, "EndpointSpec"), "Ports") ?? []) {
    const port: Mutable<Port> = {
      containerPort: String(get.int(p, "TargetPort") ?? 0n),
      protocol: (get.str(p, "Protocol") ?? "") || "tcp"
    }
    const published = get.int(p, "PublishedPort")
    if (published !== undefined && published !== 0n) port.hostPort = String(published)
    all.push(port)
    if (get.str(p, "PublishMode") === "host") host.push(port)
  }
  return { all, host }
}

/** ServiceSpec (request model) from a decoded swarm.ServiceSpec. */
export const serviceFromSpec = (spec: GoObject): ServiceSpec => {
  const task = get.obj(spec, "TaskTemplate")
  const cs = get.obj(task, "ContainerSpec")
  const c: Mutable<ContainerSpec> = emptyContainer()
  const image = get.str(cs, "Image")
  if (image !== undefined && image !== "") c.image = parseImageRef(image)
  const user = get.str(cs, "User")
  if (user !== undefined) c.user = user
  c.groupAdd = get.strs(cs, "Groups") ?? []
  c.mounts = mapMounts(get.arr(cs, "Mounts"))
  c.capAdd = normalizeCaps(get.strs(cs, "CapabilityAdd") ?? [])
  c.capDrop = normalizeCaps(get.strs(cs, "CapabilityDrop") ?? [])
  c.securityOpts = privilegesToSecOpts(get.obj(cs, "Privileges"))
  c.sysctls = get.strMap(cs, "Sysctls")
  c.readOnlyRootfs = get.bool(cs, "ReadOnly")
  c.env = (get.strs(cs, "Env") ?? []).map(envVar)
  c.labels = get.strMap(cs, "Labels")
  const dir = get.str(cs, "Dir")
  if (dir !== undefined && dir !== "") c.workingDir = dir
  const command = get.strs(cs, "Command")
  if (command !== undefined) c.entrypoint = command
  c.cmd = get.strs(cs, "Args") ?? []
  c.tty = get.bool(cs, "TTY")
  c.interactive = get.bool(cs, "OpenStdin")
  const oom = get.int(cs, "OomScoreAdj")
  if (oom !== undefined && oom !== 0n) c.oomScoreAdj = Number(oom)
  c.dns = get.strs(get.obj(cs, "DNSConfig"), "Nameservers") ?? []
  const limits = get.obj(get.obj(task, "Resources"), "Limits")
  const res: Mutable<ContainerSpec["resources"]> = {}
  const mem = get.int(limits, "MemoryBytes")
  if (mem !== undefined) res.memory = Number(mem)
  const cpu = get.int(limits, "NanoCPUs")
  if (cpu !== undefined) res.nanoCpus = Number(cpu)
  const pids = get.int(limits, "Pids")
  if (pids !== undefined) res.pidsLimit = Number(pids)
  c.resources = res
  const restart = get.str(get.obj(task, "RestartPolicy"), "Condition")
  if (restart !== undefined && restart !== "") c.restartPolicy = restart
  const log = get.str(get.obj(task, "LogDriver"), "Name")
  if (log !== undefined && log !== "") c.logDriver = log
  const targets = [...(get.arr(task, "Networks") ?? []), ...(get.arr(spec, "Networks") ?? [])]
  c.networks = targets.map((n) => get.str(n, "Target") ?? "").filter((t) => t !== "")
  const ports = endpointPorts(spec)
  c.ports = ports.all
  const name = get.str(spec, "Name")
  if (name !== undefined && name !== "") c.name = name
  const out: Mutable<ServiceSpec> = {
    container: c,
    hostModePorts: ports.host,
    pluginPrivileges: privilegeList(get.arr(get.obj(task, "PluginSpec"), "Privileges"))
  }
  if (name !== undefined && name !== "") out.name = name
  const runtime = get.str(task, "Runtime")
  if (runtime !== undefined && runtime !== "") out.taskRuntime = runtime
  return out
}

/** `Init` and `Isolation` etc. that rules do not read yet but auditors want to see. */
export const serviceDetails = (spec: GoObject): Record<string, string> => {
  const task = get.obj(spec, "TaskTemplate")
  const cs = get.obj(task, "ContainerSpec")
  const d: Record<string, string> = {}
  const plugin = get.obj(task, "PluginSpec")
  const remote = get.str(plugin, "Remote")
  if (remote !== undefined && remote !== "") d["pluginRemote"] = remote
  const iso = get.str(cs, "Isolation")
  if (iso !== undefined && iso !== "" && iso !== "default") d["isolation"] = iso
  if (get.has(cs, "Init") && get.bool(cs, "Init")) d["init"] = "true"
  return d
}

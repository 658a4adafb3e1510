/**
 * Map decoded container bodies (Config, HostConfig, the create wrapper) onto the normalized
 * ContainerSpec, with dockerd's own interpretation: binds per moby's linux mount parser,
 * capabilities normalized, security options parsed, `[]` kept apart from nil.
 */
import { normalizeCaps } from "../../domain/caps.ts"
import { parseImageRef } from "../../domain/image-ref.ts"
import { cleanPath } from "../../domain/paths.ts"
import type { ContainerSpec, Device, DeviceRequest, Mount, Port, Resources } from "../../domain/request.ts"
import { emptyContainer } from "../../domain/request.ts"
import { envVar } from "../../domain/secrets.ts"
import { parseSecurityOpt } from "../../domain/secopt.ts"
import { get, type GoObject, type GoValue, isObj } from "./goshape.ts"
import { topLevelHostConfigNames } from "./shapes.ts"

export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const PROPAGATION = new Set(["shared", "rshared", "slave", "rslave", "private", "rprivate"])

/** moby linuxParser.ParseMountRaw for a `-v`/Binds entry: absolute source = bind, else named volume. */
export const parseBind = (raw: string, volumeDriver: string | undefined): Mount => {
  const arr = raw.split(":")
  // Count(":") > 2 is rejected by the daemon; keep the first fields so rules still see the source
  const [a = "", b, c = ""] = arr
  const source = b === undefined ? "" : a
  const target = b === undefined ? a : b
  const opts = c.split(",").filter((o) => o !== "")
  const bind = source.startsWith("/")
  const m: Mutable<Mount> = {
    type: bind ? "bind" : "volume",
    source: bind ? cleanPath(source) : source,
    target,
    readOnly: opts.includes("ro"),
    origin: "bind-spec"
  }
  const prop = opts.find((o) => PROPAGATION.has(o))
  if (prop !== undefined) m.propagation = prop
  if (!bind && volumeDriver !== undefined && volumeDriver !== "") m.volumeDriver = volumeDriver
  return m
}

const MOUNT_TYPES = new Set<Mount["type"]>(["bind", "volume", "tmpfs", "image", "npipe", "cluster"])
const isMountType = (t: string): t is Mount["type"] => MOUNT_TYPES.has(t as Mount["type"])

const lowerKeys = (o: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]))

/** HostConfig.Mounts / ContainerSpec.Mounts items (unknown types are rejected by the daemon). */
export const mapMounts = (items: ReadonlyArray<GoValue> | undefined): Array<Mount> => {
  const out: Array<Mount> = []
  for (const it of items ?? []) {
    const type = get.str(it, "Type") ?? ""
    if (!isMountType(type)) continue
    const source = get.str(it, "Source") ?? ""
    const m: Mutable<Mount> = {
      type,
      source: type === "bind" && source !== "" ? cleanPath(source) : source,
      target: get.str(it, "Target") ?? "",
      readOnly: get.bool(it, "ReadOnly"),
      origin: "mount"
    }
    const prop = get.str(get.obj(it, "BindOptions"), "Propagation")
    if (prop !== undefined && prop !== "") m.propagation = prop
    const driver = get.obj(get.obj(it, "VolumeOptions"), "DriverConfig")
    if (driver !== undefined) {
      const name = get.str(driver, "Name")
      if (name !== undefined && name !== "") m.volumeDriver = name
      const options = lowerKeys(get.strMap(driver, "Options"))
      if (Object.keys(options).length > 0) m.volumeOptions = options
    }
    out.push(m)
  }
  return out
}

const num = (v: bigint | undefined): number | undefined => (v === undefined ? undefined : Number(v))

/** Resources fields (container create/update, legacy start). */
export const mapResources = (hc: GoValue): Resources => {
  const r: Mutable<Resources> = {}
  const set = (k: keyof Resources, field: string) => {
    const v = num(get.int(hc, field))
    if (v !== undefined) r[k] = v
  }
  set("memory", "Memory")
  set("memorySwap", "MemorySwap")
  set("nanoCpus", "NanoCpus")
  set("cpuShares", "CpuShares")
  set("cpuQuota", "CpuQuota")
  set("cpuPeriod", "CpuPeriod")
  set("pidsLimit", "PidsLimit")
  return r
}

const nonEmpty = (s: string | undefined): s is string => s !== undefined && s !== ""

const mapPorts = (pb: GoObject | undefined): Array<Port> => {
  const out: Array<Port> = []
  for (const [key, bindings] of Object.entries(pb ?? {})) {
    const slash = key.indexOf("/")
    const containerPort = slash < 0 ? key : key.slice(0, slash)
    const protocol = slash < 0 ? "tcp" : key.slice(slash + 1).toLowerCase()
    for (const b of Array.isArray(bindings) ? bindings : []) {
      const p: Mutable<Port> = { containerPort, protocol }
      const hostIp = get.str(b, "HostIp")
      const hostPort = get.str(b, "HostPort")
      if (nonEmpty(hostIp)) p.hostIp = hostIp
      if (hostPort !== undefined) p.hostPort = hostPort
      out.push(p)
    }
  }
  return out
}

/** Apply a decoded HostConfig onto a spec. */
export const applyHostConfig = (spec: Mutable<ContainerSpec>, hc: GoValue): void => {
  if (!isObj(hc)) return
  const volumeDriver = get.str(hc, "VolumeDriver")
  if (nonEmpty(volumeDriver)) spec.volumeDriver = volumeDriver
  spec.privileged = get.bool(hc, "Privileged")
  spec.mounts = [
    ...(get.strs(hc, "Binds") ?? []).map((b) => parseBind(b, volumeDriver)),
    ...mapMounts(get.arr(hc, "Mounts")),
    ...Object.entries(get.strMap(hc, "Tmpfs")).map(
      ([target, opts]): Mount => ({ type: "tmpfs", source: "", target, readOnly: opts.split(",").includes("ro"), origin: "tmpfs" })
    )
  ]
  spec.volumesFrom = get.strs(hc, "VolumesFrom") ?? []
  spec.groupAdd = get.strs(hc, "GroupAdd") ?? []
  // HostConfig.Capabilities (API 1.40 engines) replaced the whole capability set: judge each as added
  spec.capAdd = normalizeCaps([...(get.strs(hc, "CapAdd") ?? []), ...(get.strs(hc, "Capabilities") ?? [])])
  spec.capDrop = normalizeCaps(get.strs(hc, "CapDrop") ?? [])
  const strField = (k: "networkMode" | "pidMode" | "ipcMode" | "utsMode" | "usernsMode" | "cgroupnsMode" | "cgroupParent" | "runtime", f: string) => {
    const v = get.str(hc, f)
    if (nonEmpty(v)) spec[k] = v
  }
  strField("networkMode", "NetworkMode")
  strField("pidMode", "PidMode")
  strField("ipcMode", "IpcMode")
  strField("utsMode", "UTSMode")
  strField("usernsMode", "UsernsMode")
  strField("cgroupnsMode", "CgroupnsMode")
  strField("cgroupParent", "CgroupParent")
  strField("runtime", "Runtime")
  spec.devices = (get.arr(hc, "Devices") ?? []).map(
    (d): Device => ({
      host: get.str(d, "PathOnHost") ?? "",
      container: get.str(d, "PathInContainer") ?? "",
      permissions: get.str(d, "CgroupPermissions") ?? ""
    })
  )
  spec.deviceCgroupRules = get.strs(hc, "DeviceCgroupRules") ?? []
  spec.deviceRequests = (get.arr(hc, "DeviceRequests") ?? []).map(
    (d): DeviceRequest => ({
      driver: get.str(d, "Driver") ?? "",
      count: num(get.int(d, "Count")) ?? 0,
      deviceIds: get.strs(d, "DeviceIDs") ?? [],
      capabilities: (get.arr(d, "Capabilities") ?? []).map((c) =>
        Array.isArray(c) ? c.filter((x): x is string => typeof x === "string") : []
      )
    })
  )
  spec.securityOpts = (get.strs(hc, "SecurityOpt") ?? []).map(parseSecurityOpt)
  const masked = get.strs(hc, "MaskedPaths")
  if (masked !== undefined) spec.maskedPaths = masked
  const ro = get.strs(hc, "ReadonlyPaths")
  if (ro !== undefined) spec.readonlyPaths = ro
  spec.sysctls = get.strMap(hc, "Sysctls")
  spec.readOnlyRootfs = get.bool(hc, "ReadonlyRootfs")
  spec.resources = mapResources(hc)
  spec.ports = mapPorts(get.obj(hc, "PortBindings"))
  spec.publishAll = get.bool(hc, "PublishAllPorts")
  spec.autoRemove = get.bool(hc, "AutoRemove")
  const restart = get.str(get.obj(hc, "RestartPolicy"), "Name")
  if (nonEmpty(restart)) spec.restartPolicy = restart
  spec.oomKillDisable = get.bool(hc, "OomKillDisable")
  const oom = num(get.int(hc, "OomScoreAdj"))
  if (oom !== undefined && oom !== 0) spec.oomScoreAdj = oom
  const log = get.str(get.obj(hc, "LogConfig"), "Type")
  if (nonEmpty(log)) spec.logDriver = log
  spec.dns = get.strs(hc, "Dns") ?? []
}

/** Apply a decoded container Config onto a spec. */
export const applyConfig = (spec: Mutable<ContainerSpec>, cfg: GoValue): void => {
  const image = get.str(cfg, "Image")
  if (nonEmpty(image)) spec.image = parseImageRef(image)
  const user = get.str(cfg, "User")
  if (user !== undefined) spec.user = user
  spec.env = (get.strs(cfg, "Env") ?? []).map(envVar)
  spec.labels = get.strMap(cfg, "Labels")
  const wd = get.str(cfg, "WorkingDir")
  if (nonEmpty(wd)) spec.workingDir = wd
  const ep = get.strs(cfg, "Entrypoint")
  if (ep !== undefined) spec.entrypoint = ep
  spec.cmd = get.strs(cfg, "Cmd") ?? []
  spec.tty = get.bool(cfg, "Tty")
  spec.interactive = get.bool(cfg, "OpenStdin")
}

/** The HostConfig dockerd 20.10–26 uses for a create body (runconfig getHostConfig). */
export const effectiveHostConfig = (body: GoObject): { hc: GoObject | undefined; ignoredTopLevel: Array<string> } => {
  const touched = Object.keys(body).filter((k) => topLevelHostConfigNames.has(k))
  const top = Object.create(null) as GoObject
  for (const k of touched) top[k] = body[k]
  const inner = get.obj(body, "HostConfig")
  if (inner === undefined) return { hc: touched.length > 0 ? top : undefined, ignoredTopLevel: [] }
  if (touched.length === 0) return { hc: inner, ignoredTopLevel: [] }
  const copied = ["Memory", "MemorySwap", "CpuShares", "CpusetCpus", "VolumeDriver"]
  for (const k of copied) {
    const tv = top[k]
    const iv = inner[k]
    const zero = iv === undefined || iv === 0n || iv === ""
    const topSet = tv !== undefined && tv !== 0n && tv !== ""
    if (topSet && zero) inner[k] = tv
  }
  return { hc: inner, ignoredTopLevel: touched.filter((k) => !copied.includes(k)) }
}

/** ContainerSpec for a decoded create body (wrapper shape). */
export const containerFromCreate = (body: GoObject, name: string | undefined): { spec: ContainerSpec; ignoredTopLevel: Array<string> } => {
  const spec: Mutable<ContainerSpec> = emptyContainer()
  if (name !== undefined && name !== "") spec.name = name
  applyConfig(spec, body)
  const { hc, ignoredTopLevel } = effectiveHostConfig(body)
  applyHostConfig(spec, hc)
  return { spec, ignoredTopLevel }
}

/** ContainerSpec from a HostConfig alone (legacy start body). */
export const containerFromHostConfig = (hc: GoObject): ContainerSpec => {
  const spec: Mutable<ContainerSpec> = emptyContainer()
  applyHostConfig(spec, hc)
  return spec
}

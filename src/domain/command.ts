/**
 * A reconstructed docker command line for audit views (never contains env or build-arg
 * values: they are not in the model). Works for requests from either front end.
 */
import type { ContainerSpec, DockerRequest, ExecSpec, Mount, Port, Resources } from "./request.ts"

const SAFE = /^[A-Za-z0-9_@%+=:,./*<>-]+$/
const q = (s: string): string => (SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

const size = (bytes: number): string => {
  if (bytes <= 0) return String(bytes)
  for (const [unit, n] of [["g", 1024 ** 3], ["m", 1024 ** 2], ["k", 1024]] as const) {
    if (bytes % n === 0) return `${bytes / n}${unit}`
  }
  return String(bytes)
}

const mountArgs = (m: Mount): Array<string> => {
  if (m.origin === "tmpfs") return ["--tmpfs", m.readOnly ? `${m.target}:ro` : m.target]
  if (m.origin === "bind-spec") {
    const mode = [m.readOnly ? "ro" : "", m.propagation ?? ""].filter((x) => x !== "").join(",")
    const spec = m.source === "" ? m.target : `${m.source}:${m.target}`
    return ["-v", mode === "" ? spec : `${spec}:${mode}`]
  }
  const parts = [`type=${m.type}`]
  if (m.source !== "") parts.push(`source=${m.source}`)
  parts.push(`target=${m.target}`)
  if (m.readOnly) parts.push("readonly")
  if (m.propagation !== undefined) parts.push(`bind-propagation=${m.propagation}`)
  if (m.volumeDriver !== undefined) parts.push(`volume-driver=${m.volumeDriver}`)
  for (const [k, v] of Object.entries(m.volumeOptions ?? {})) parts.push(`volume-opt=${k}=${v}`)
  return ["--mount", parts.join(",")]
}

const resourceArgs = (r: Resources): Array<string> => [
  ...(r.memory !== undefined && r.memory !== 0 ? ["-m", size(r.memory)] : []),
  ...(r.memorySwap !== undefined && r.memorySwap !== 0 ? ["--memory-swap", size(r.memorySwap)] : []),
  ...(r.nanoCpus !== undefined && r.nanoCpus !== 0 ? ["--cpus", String(r.nanoCpus / 1e9)] : []),
  ...(r.cpuShares !== undefined && r.cpuShares !== 0 ? ["--cpu-shares", String(r.cpuShares)] : []),
  ...(r.cpuQuota !== undefined && r.cpuQuota !== 0 ? ["--cpu-quota", String(r.cpuQuota)] : []),
  ...(r.pidsLimit !== undefined && r.pidsLimit !== 0 ? ["--pids-limit", String(r.pidsLimit)] : [])
]

const portSpec = (p: Port): string => {
  const ip = p.hostIp === undefined ? "" : `${p.hostIp.includes(":") ? `[${p.hostIp}]` : p.hostIp}:`
  const host = p.hostPort !== undefined ? `${p.hostPort}:` : ip !== "" ? ":" : ""
  return `${ip}${host}${p.containerPort}${p.protocol !== "tcp" ? `/${p.protocol}` : ""}`
}

const opt = (flag: string, v: string | undefined): Array<string> => (v === undefined || v === "" ? [] : [flag, v])
const env = (e: ReadonlyArray<{ key: string; hasValue: boolean }>): Array<string> =>
  e.flatMap((x) => ["-e", x.hasValue ? `${x.key}=***` : x.key])

const containerArgs = (c: ContainerSpec): Array<string> => [
  ...opt("--name", c.name),
  ...(c.privileged ? ["--privileged"] : []),
  ...opt("-u", c.user),
  ...opt("--network", c.networkMode === "default" ? undefined : c.networkMode),
  ...opt("--pid", c.pidMode),
  ...opt("--ipc", c.ipcMode),
  ...opt("--uts", c.utsMode),
  ...opt("--userns", c.usernsMode),
  ...opt("--cgroupns", c.cgroupnsMode),
  ...opt("--cgroup-parent", c.cgroupParent),
  ...opt("--runtime", c.runtime),
  ...c.mounts.flatMap(mountArgs),
  ...c.volumesFrom.flatMap((v) => ["--volumes-from", v]),
  ...c.capAdd.flatMap((v) => ["--cap-add", v]),
  ...c.capDrop.flatMap((v) => ["--cap-drop", v]),
  ...c.securityOpts.flatMap((s) => ["--security-opt", s.value === "" ? s.key : `${s.key}=${s.value}`]),
  ...(c.maskedPaths !== undefined && c.maskedPaths.length === 0 ? ["--security-opt", "systempaths=unconfined"] : []),
  ...c.devices.flatMap((d) => ["--device", `${d.host}:${d.container}:${d.permissions}`]),
  ...c.deviceRequests.flatMap((d) =>
    ["--gpus", d.count === -1 ? "all" : d.deviceIds.length > 0 ? `device=${d.deviceIds.join(",")}` : String(d.count)]),
  ...Object.entries(c.sysctls).flatMap(([k, v]) => ["--sysctl", `${k}=${v}`]),
  ...c.groupAdd.flatMap((g) => ["--group-add", g]),
  ...env(c.env),
  ...c.ports.flatMap((p) => ["-p", portSpec(p)]),
  ...(c.publishAll ? ["-P"] : []),
  ...(c.readOnlyRootfs ? ["--read-only"] : []),
  ...resourceArgs(c.resources),
  ...opt("--restart", c.restartPolicy === "no" ? undefined : c.restartPolicy),
  ...opt("-w", c.workingDir),
  ...(c.entrypoint !== undefined ? ["--entrypoint", c.entrypoint.join(" ")] : [])
]

const execArgs = (e: ExecSpec): Array<string> => [
  ...(e.privileged ? ["--privileged"] : []),
  ...opt("-u", e.user),
  ...opt("-w", e.workingDir),
  ...env(e.env),
  e.target,
  ...e.cmd
]

const argsOf = (r: DockerRequest): Array<string> | undefined => {
  switch (r.action) {
    case "container.create": {
      if (r.container === undefined) return undefined
      const verb = /create/.test(r.operation) && !/run/.test(r.operation) ? "create" : "run"
      const image = r.container.image ?? r.image
      return [verb, ...containerArgs(r.container), ...(image !== undefined ? [image.raw] : []), ...r.container.cmd]
    }
    case "container.exec":
      return r.exec === undefined ? undefined : ["exec", ...execArgs(r.exec)]
    case "image.push":
    case "image.pull":
      return r.image === undefined ? undefined : [r.action === "image.push" ? "push" : "pull", r.image.raw]
    case "image.tag":
      return r.image === undefined ? undefined : ["tag", r.image.raw, ...r.destinations.map((d) => d.raw)]
    case "image.build": {
      const b = r.build
      if (b === undefined) return undefined
      return [
        "build", ...b.tags.flatMap((t) => ["-t", t.raw]),
        ...b.buildArgs.flatMap((a) => ["--build-arg", a.hasValue ? `${a.key}=***` : a.key]),
        ...opt("--network", b.networkMode),
        ...opt("-f", b.dockerfile === "Dockerfile" ? undefined : b.dockerfile),
        ...opt("--cgroup-parent", b.cgroupParent),
        ...b.securityOpts.flatMap((s) => ["--security-opt", s]), b.remote ?? b.context ?? "."
      ]
    }
    case "volume.create": {
      const v = r.volume
      if (v === undefined) return undefined
      return [
        "volume", "create", ...(v.driver !== "local" && v.driver !== "" ? ["-d", v.driver] : []),
        ...Object.entries(v.options).flatMap(([k, val]) => ["-o", `${k}=${val}`]), ...(v.name !== undefined ? [v.name] : [])
      ]
    }
    case "network.create": {
      const n = r.network
      if (n === undefined) return undefined
      return [
        "network", "create", ...opt("-d", n.driver === "bridge" ? undefined : n.driver),
        ...Object.entries(n.options).flatMap(([k, v]) => ["-o", `${k}=${v}`]), ...(n.name !== undefined ? [n.name] : [])
      ]
    }
    case "network.connect":
      return r.network?.network === undefined ? undefined : ["network", "connect", r.network.network, r.network.container ?? r.target ?? ""]
    case "service.create": {
      const s = r.service
      if (s === undefined) return undefined
      const img = s.container.image
      const spec = { ...s.container, name: s.name ?? s.container.name ?? "" }
      return ["service", "create", ...containerArgs(spec), ...(img !== undefined ? [img.raw] : []), ...s.container.cmd]
    }
    case "container.update":
      return r.update === undefined || r.target === undefined
        ? undefined
        : ["update", ...resourceArgs(r.update.resources), ...opt("--restart", r.update.restartPolicy), r.target]
    default:
      return undefined
  }
}

/** `docker run --privileged --network host -v /:/host ubuntu sh`; falls back to request.operation. */
export const formatCommand = (request: DockerRequest): string => {
  const args = argsOf(request)
  return args === undefined ? request.operation : ["docker", ...args].map(q).join(" ")
}

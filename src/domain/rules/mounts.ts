/**
 * Mount rules: blocked/warned paths and bind blocking (seed), Docker API sockets, allow-list,
 * read-only requirement, local-driver volume binds, volume drivers, volumes-from, propagation (added).
 */
import type { Finding } from "../finding.ts"
import type { Policy } from "../policy.ts"
import type { ContainerSpec, DockerRequest } from "../request.ts"
import { cleanPath } from "../paths.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, globMatch, hasGlob, kindOf, memo, mk, type RuleDef } from "./kit.ts"

export const BLOCKED_MOUNT: RuleDef = { rule: "mounts.blocked", level: "critical", category: "data_exposure", points: 35 }
export const WARNED_MOUNT: RuleDef = { rule: "mounts.warned", level: "medium", category: "data_exposure", points: 10 }
export const BIND_BLOCKED: RuleDef = { rule: "mounts.bind-blocked", level: "high", category: "data_exposure", points: 20 }
export const DOCKER_SOCKET: RuleDef = { rule: "mounts.docker-socket", level: "critical", category: "container_escape", points: 35 }
export const NOT_ALLOWED: RuleDef = { rule: "mounts.not-allowed", level: "high", category: "data_exposure", points: 20 }
export const RO_REQUIRED: RuleDef = { rule: "mounts.read-only-required", level: "medium", category: "data_exposure", points: 10 }
export const VOLUME_HOST_BIND: RuleDef = { rule: "mounts.volume-host-bind", level: "critical", category: "container_escape", points: 35 }
export const VOLUME_DRIVER: RuleDef = { rule: "mounts.volume-driver", level: "medium", category: "data_exposure", points: 15 }
export const VOLUMES_FROM: RuleDef = { rule: "mounts.volumes-from", level: "medium", category: "data_exposure", points: 15 }
export const SHARED_PROPAGATION: RuleDef = { rule: "mounts.shared-propagation", level: "medium", category: "container_escape", points: 10 }

/** Daemon control sockets and state directories: exposing any of them is host root. */
export const DOCKER_API_PATHS: ReadonlyArray<string> = [
  "/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
  "/run/docker/plugins", "/var/lib/docker", "/etc/docker", "/run/podman/podman.sock"
]

/** A host path reachable from the container: a bind, or a local-driver volume backed by a host device path. */
interface HostPath {
  readonly source: string
  readonly readOnly: boolean
  readonly propagation: string | undefined
  readonly field: string
}

const entryCache = new Map<string, string>()
const cleanEntry = (entry: string): string => {
  let e = entryCache.get(entry)
  if (e === undefined) {
    e = cleanPath(entry)
    if (entryCache.size > 10_000) entryCache.clear()
    entryCache.set(entry, e)
  }
  return e
}

/** Seed matchesPath with cleaning: equal, inside (component-wise), or glob. `/` matches only `/`. */
export const matchesPath = (src: string, entry: string): boolean => matchesClean(src, cleanEntry(entry), hasGlob(entry))

const matchesClean = (src: string, e: string, glob: boolean): boolean => {
  if (src === e) return true
  if (e !== "/" && src.startsWith(e) && src.charCodeAt(e.length) === 47) return true
  return glob && globMatch(e, src, true)
}

/**
 * Is the mount source an ancestor of the entry (mounting `/` or `/var` exposes `/etc` or
 * `/var/run/docker.sock`)? Glob entries are compared by their literal prefix.
 */
const exposesEntry = (src: string, e: string, glob: boolean): boolean => {
  const base = glob ? literalPrefix(e) : e
  if (base === "" || base === "/" || src === base) return false
  return src === "/" || (base.startsWith(src) && base.charCodeAt(src.length) === 47)
}

const literalPrefix = (e: string): string => {
  const i = e.search(/[*?[]/)
  if (i < 0) return e
  const slash = e.lastIndexOf("/", i)
  return slash <= 0 ? "/" : e.slice(0, slash)
}

/** Does this path expose a Docker/containerd API socket or state dir (equal, inside, or an ancestor other than `/`)? */
export const exposesDockerApi = (src: string): string | undefined => exposesClean(cleanPath(src))

const exposesClean = (s: string): string | undefined => DOCKER_API_PATHS.find((p) => (s !== "/" && within(p, s)) || within(s, p))

/** isWithin for already-cleaned absolute paths (no re-cleaning on the hot path). */
const within = (path: string, base: string): boolean =>
  path === base || (path.startsWith(base) && (base === "/" || path.charCodeAt(base.length) === 47))

const isLocal = (driver: string | undefined): boolean => driver === undefined || driver === "" || driver === "local"

/** Does a local-driver volume with these options mount host storage (bind/rbind, a device path, a fs type)? */
export const volumeBindsHost = (driver: string | undefined, options: Readonly<Record<string, string>> | undefined): boolean => {
  if (!isLocal(driver) || options === undefined) return false
  const o = (options["o"] ?? "").split(",").map((s) => s.trim().toLowerCase())
  if (o.includes("bind") || o.includes("rbind")) return true
  if ((options["device"] ?? "").startsWith("/")) return true
  const type = (options["type"] ?? "").trim().toLowerCase()
  return type !== "" && type !== "tmpfs"
}

const devicePath = (options: Readonly<Record<string, string>> | undefined): string | undefined => {
  const d = options?.["device"]
  return d !== undefined && d.startsWith("/") ? cleanPath(d) : undefined
}

const compiled = memo((p: Policy) => {
  const m = p.rules?.mounts
  return {
    blocked: (m?.blocked ?? []).map((b) => ({ ...b, clean: cleanEntry(b.path), glob: hasGlob(b.path) })),
    warned: (m?.warned ?? []).map((w) => ({ ...w, clean: cleanEntry(w.path), glob: hasGlob(w.path) })),
    allowed: m?.allowed ?? [],
    allowedClean: (m?.allowed ?? []).map(cleanPath),
    blockBinds: m?.block_bind_mounts === true,
    requireRo: m?.require_read_only === true,
    socketKind: kindOf(m?.docker_socket?.action, "block"),
    socketMessage: m?.docker_socket?.message,
    volumesFromKind: kindOf(m?.volumes_from?.action, "warn"),
    volumesFromMessage: m?.volumes_from?.message,
    drivers: m?.allowed_volume_drivers !== undefined && m.allowed_volume_drivers.length > 0
      ? new Set(m.allowed_volume_drivers) : undefined
  }
})
type Compiled = ReturnType<typeof compiled>

const hostPathsOf = (spec: ContainerSpec): Array<HostPath> => {
  const out: Array<HostPath> = []
  spec.mounts.forEach((m, i) => {
    if (m.type === "bind") {
      out.push({ source: cleanPath(m.source), readOnly: m.readOnly, propagation: m.propagation, field: `container.mounts[${i}]` })
    } else if (m.type === "volume") {
      const driver = m.volumeDriver ?? spec.volumeDriver
      const dev = isLocal(driver) ? devicePath(m.volumeOptions) : undefined
      if (dev !== undefined) out.push({ source: dev, readOnly: m.readOnly, propagation: undefined, field: `container.mounts[${i}].volumeOptions.device` })
    }
  })
  return out
}

/** blocked, warned (seed) and Docker API socket checks on one host path. */
const pathChecks = (out: Array<Finding>, c: Compiled, hp: HostPath): void => {
  const src = hp.source
  let blockedHit = false
  for (const b of c.blocked) {
    if (!matchesClean(src, b.clean, b.glob)) continue
    if (b.allow_read_only === true && hp.readOnly) continue
    const kind = kindOf(b.action, "block")
    if (kind === undefined) continue
    blockedHit = true
    const msg = b.message !== undefined && b.message !== "" ? b.message : `Mounting ${src} is blocked`
    out.push(mk(BLOCKED_MOUNT, kind, msg, hp.field, `Remove volume mount: ${src}`))
  }
  // a mount of an ancestor exposes every blocked path below it: one finding for the first such entry
  if (!blockedHit) {
    for (const b of c.blocked) {
      if (!exposesEntry(src, b.clean, b.glob)) continue
      if (b.allow_read_only === true && hp.readOnly) continue
      const kind = kindOf(b.action, "block")
      if (kind === undefined) continue
      const why = b.message !== undefined && b.message !== "" ? ` (${b.message})` : ""
      out.push(mk(BLOCKED_MOUNT, kind, `Mounting ${src} exposes ${b.clean}, which is blocked${why}`, hp.field, `Remove volume mount: ${src}; mount only the subdirectory the container needs`))
      blockedHit = true
      break
    }
  }
  let warnedHit = false
  for (const w of c.warned) {
    if (!matchesClean(src, w.clean, w.glob)) continue
    warnedHit = true
    const msg = w.message !== undefined && w.message !== "" ? w.message : `Mounting ${src} may expose sensitive data`
    out.push(mk(WARNED_MOUNT, "warning", msg, hp.field))
  }
  if (!warnedHit && !blockedHit) {
    const w = c.warned.find((x) => exposesEntry(src, x.clean, x.glob))
    if (w !== undefined) out.push(mk(WARNED_MOUNT, "warning", `Mounting ${src} exposes ${w.clean}, which may contain sensitive data`, hp.field))
  }
}

const socketCheck = (out: Array<Finding>, c: Compiled, hp: HostPath): void => {
  if (c.socketKind === undefined) return
  const hit = exposesClean(hp.source)
  if (hit === undefined) return
  const msg = c.socketMessage !== undefined && c.socketMessage !== ""
    ? c.socketMessage
    : `Mounting ${hp.source} exposes the container engine (${hit}): full control of the host`
  out.push(mk(DOCKER_SOCKET, c.socketKind, msg, hp.field, `Remove volume mount: ${hp.source}`))
}

const containerMounts = (spec: ContainerSpec, c: Compiled): ReadonlyArray<Finding> => {
  if (spec.mounts.length === 0 && spec.volumesFrom.length === 0 && spec.volumeDriver === undefined) return NONE
  const out: Array<Finding> = []
  const hps = hostPathsOf(spec)
  for (const hp of hps) pathChecks(out, c, hp)
  if (c.blockBinds) {
    for (const hp of hps) out.push(mk(BIND_BLOCKED, "violation", `Bind mounts are blocked: ${hp.source}`, hp.field))
  }
  for (const hp of hps) socketCheck(out, c, hp)
  spec.mounts.forEach((m, i) => {
    if (m.type !== "volume") return
    const driver = m.volumeDriver ?? spec.volumeDriver
    if (volumeBindsHost(driver, m.volumeOptions)) {
      out.push(mk(VOLUME_HOST_BIND, "violation", `Volume mount at ${m.target} uses local-driver options that mount host storage`,
        `container.mounts[${i}].volumeOptions`, "Use a named volume without type/o/device options, or an allowed bind mount"))
    }
  })
  if (c.allowed.length > 0) {
    for (const hp of hps) {
      if (c.allowedClean.some((a) => within(hp.source, a))) continue
      out.push(mk(NOT_ALLOWED, "violation", `Mount source ${hp.source} is not under an allowed path`, hp.field,
        `Mount only paths under: ${c.allowed.join(", ")}`))
    }
  }
  if (c.requireRo) {
    for (const hp of hps) {
      if (!hp.readOnly) out.push(mk(RO_REQUIRED, "violation", `Bind mount ${hp.source} must be read-only`, hp.field, `Add :ro to the mount of ${hp.source}`))
    }
  }
  if (c.drivers !== undefined) {
    spec.mounts.forEach((m, i) => {
      if (m.type !== "volume") return
      const driver = m.volumeDriver ?? spec.volumeDriver ?? "local"
      const d = driver === "" ? "local" : driver
      if (!c.drivers?.has(d)) out.push(mk(VOLUME_DRIVER, "violation", `Volume driver ${d} is not allowed`, `container.mounts[${i}].volumeDriver`))
    })
  }
  for (const hp of hps) {
    if (hp.propagation === "shared" || hp.propagation === "rshared") {
      out.push(mk(SHARED_PROPAGATION, "warning", `Bind mount ${hp.source} uses ${hp.propagation} propagation: mounts made in the container reach the host`,
        hp.field, "Use the default rprivate propagation"))
    }
  }
  if (spec.volumesFrom.length > 0 && c.volumesFromKind !== undefined) {
    const msg = c.volumesFromMessage !== undefined && c.volumesFromMessage !== ""
      ? c.volumesFromMessage
      : `Mounting volumes from other containers (${spec.volumesFrom.join(", ")}) inherits their host mounts`
    out.push(mk(VOLUMES_FROM, c.volumesFromKind, msg, "container.volumesFrom", "Remove --volumes-from; mount the volumes you need explicitly"))
  }
  return out
}

const volumeCreate = (request: DockerRequest, c: Compiled): ReadonlyArray<Finding> => {
  const v = request.volume
  if (v === undefined) return NONE
  const out: Array<Finding> = []
  if (volumeBindsHost(v.driver, v.options)) {
    out.push(mk(VOLUME_HOST_BIND, "violation", `Volume${v.name !== undefined && v.name !== "" ? ` ${v.name}` : ""} uses local-driver options that mount host storage`,
      "volume.options", "Create volumes without type/o/device options"))
    const dev = devicePath(v.options)
    if (dev !== undefined) {
      const hp: HostPath = { source: dev, readOnly: false, propagation: undefined, field: "volume.options.device" }
      pathChecks(out, c, hp)
      socketCheck(out, c, hp)
    }
  }
  if (c.drivers !== undefined) {
    const d = v.driver === "" ? "local" : v.driver
    if (!c.drivers.has(d)) out.push(mk(VOLUME_DRIVER, "violation", `Volume driver ${d} is not allowed`, "volume.driver"))
  }
  return out
}

/** Mount rules for container-ish requests and `volume create`. */
export const mountRules: RuleFamily = (request, policy) => {
  if (request.action === "volume.create") return volumeCreate(request, compiled(policy))
  const spec = containerSpecOf(request)
  if (spec === undefined) return NONE
  return containerMounts(spec, compiled(policy))
}

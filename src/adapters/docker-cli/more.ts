/** Builders for volume, network, plugin, service, cp, commit, tag, load, import, login, lifecycle, secrets. */
import type { Action, ContainerSpec, Mount, Port } from "../../domain/request.ts"
import { baseRequest, emptyContainer } from "../../domain/request.ts"
import { parseImageRef } from "../../domain/image-ref.ts"
import { normalizeCaps } from "../../domain/caps.ts"
import type { Ctx } from "./container.ts"
import { collectEnv } from "./container.ts"
import type { FlagValues } from "./flags.ts"
import type { Handler } from "./handlers.ts"
import { simple, withLatest } from "./handlers.ts"
import { nanoCpus, parseMountSpec, parsePort, ramInBytes } from "./specs.ts"
import {
  MISC_FLAGS, NETWORK_CONNECT_FLAGS, NETWORK_CREATE_FLAGS, PLUGIN_FLAGS, SERVICE_CREATE_FLAGS,
  SERVICE_UPDATE_FLAGS, VOLUME_CREATE_FLAGS
} from "./tables.ts"

const kv = (vals: ReadonlyArray<string>, lower: boolean): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const v of vals) {
    const i = v.indexOf("=")
    const k = i < 0 ? v : v.slice(0, i)
    out[lower ? k.toLowerCase() : k] = i < 0 ? "" : v.slice(i + 1)
  }
  return out
}

export const volumeCreate: Handler = simple(VOLUME_CREATE_FLAGS, 0, "", (s, op) => {
  const name = s.pos[0] ?? s.f.last("name")
  return {
    ...baseRequest("volume.create", op),
    volume: { ...(name !== undefined ? { name } : {}), driver: s.f.last("driver") ?? "local", options: kv(s.f.all("opt"), true) }
  }
})

export const networkCreate: Handler = simple(NETWORK_CREATE_FLAGS, 1, "exactly 1 argument: a network name", (s, op) => {
  const driver = s.f.last("driver")
  return {
    ...baseRequest("network.create", op),
    network: { name: s.pos[0] ?? "", driver: driver ?? "bridge", options: kv(s.f.all("opt"), false) },
    details: s.f.bool("ingress") ? { ingress: "true" } : {}
  }
})

export const networkConnect: Handler = simple(NETWORK_CONNECT_FLAGS, 2, "exactly 2 arguments: a network and a container", (s, op) => ({
  ...baseRequest("network.connect", op),
  target: s.pos[1] ?? "",
  network: { network: s.pos[0] ?? "", container: s.pos[1] ?? "", options: {} }
}))

/** plugin install/upgrade/create → plugin.install; enable/disable/rm/set → plugin.configure */
export const pluginHandler = (sub: string): Handler => {
  const install = sub === "install" || sub === "upgrade" || sub === "create"
  return simple(PLUGIN_FLAGS[sub] ?? [], 1, "a plugin name", (s, op) => {
    const first = s.pos[0] ?? ""
    const alias = s.f.last("alias")
    const settings = s.pos.slice(1).filter((p) => p.includes("="))
    const details: Record<string, string> = {}
    if (settings.length > 0) {
      // keep mount sources / device paths (security relevant), mask everything else (may be env secrets)
      details["settings"] = settings
        .map((p) => {
          const k = p.slice(0, p.indexOf("="))
          return /\.(source|path)$/.test(k) ? p : `${k}=***`
        })
        .join(" ")
    }
    if (s.f.bool("grant-all-permissions")) details["grantAllPermissions"] = "true"
    // the CLI sends the remote fully qualified and the alias with an implicit :latest
    const remoteRaw = sub === "upgrade" ? s.pos[1] ?? first : first
    const ref = parseImageRef(remoteRaw)
    const remote = `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`
    const name = install ? (alias === undefined ? undefined : alias.includes(":") ? alias : `${alias}:latest`) : first
    return {
      ...baseRequest(install ? "plugin.install" : "plugin.configure", op),
      plugin: {
        op: sub === "rm" ? "remove" : sub === "install" ? "pull" : sub,
        ...(install && sub !== "create" ? { remote } : {}),
        ...(name !== undefined ? { name } : sub === "create" ? { name: first } : {}),
        privileges: []
      },
      details
    }
  })
}

const networkTarget = (v: string): string => {
  if (!v.includes("=")) return v
  const f = v.split(",").find((p) => p.startsWith("name=") || p.startsWith("target="))
  return f === undefined ? v : f.slice(f.indexOf("=") + 1)
}

const serviceSpec = (
  f: FlagValues, ctx: Ctx, image: string | undefined, cmd: ReadonlyArray<string>, update: boolean
): { container: ContainerSpec; hostModePorts: Array<Port> } => {
  const suffix = update ? "-add" : ""
  const mounts: Array<Mount> = []
  for (const v of f.all(`mount${suffix}`)) {
    const r = ctx.mount(parseMountSpec(v, ctx.io?.cwd), `--mount${suffix}`)
    if (r !== undefined) mounts.push(r)
  }
  const ports: Array<Port> = []
  const hostModePorts: Array<Port> = []
  for (const v of f.all(`publish${suffix}`)) {
    const r = ctx.take(parsePort(v), `--publish${suffix}`)
    if (r === undefined) continue
    const { mode, ...port } = r
    ports.push(port)
    if (mode === "host") hostModePorts.push(port)
  }
  const mem = f.last("limit-memory")
  const cpu = f.last("limit-cpu")
  const memory = mem === undefined ? undefined : ramInBytes(mem)
  const nano = cpu === undefined ? undefined : nanoCpus(cpu)
  if (mem !== undefined && memory === undefined) ctx.fail(`invalid --limit-memory "${mem}": use a size like 512m`, "--limit-memory")
  if (cpu !== undefined && nano === undefined) ctx.fail(`invalid --limit-cpu "${cpu}": use a number like 1.5`, "--limit-cpu")
  const pids = f.int("limit-pids")
  const user = f.last("user"), wd = f.last("workdir"), entry = f.last("entrypoint"), name = f.last("name")
  const oom = f.int("oom-score-adj")
  const container: ContainerSpec = {
    ...emptyContainer(),
    ...(name !== undefined ? { name } : {}),
    ...(image !== undefined ? { image: parseImageRef(image) } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(wd !== undefined ? { workingDir: wd } : {}),
    ...(entry !== undefined ? { entrypoint: entry.split(/\s+/).filter((x) => x !== "") } : {}),
    ...(oom !== undefined ? { oomScoreAdj: oom } : {}),
    groupAdd: f.all(update ? "group-add" : "group"),
    mounts,
    capAdd: normalizeCaps(f.all("cap-add")),
    capDrop: normalizeCaps(f.all("cap-drop")),
    sysctls: kv(f.all(`sysctl${suffix}`), false),
    readOnlyRootfs: f.bool("read-only"),
    resources: {
      ...(memory !== undefined ? { memory } : {}), ...(nano !== undefined ? { nanoCpus: nano } : {}),
      ...(pids !== undefined ? { pidsLimit: pids } : {})
    },
    ports,
    env: collectEnv(f, ctx, update ? "env-add" : "env"),
    labels: kv(f.all(update ? "container-label-add" : "container-label"), false),
    cmd: [...cmd],
    tty: f.bool("tty"),
    dns: f.all(`dns${suffix}`),
    networks: f.all(`network${suffix}`).map(networkTarget)
  }
  return { container, hostModePorts }
}

export const serviceCreate: Handler = (argv, start, op, ctx) =>
  simple(SERVICE_CREATE_FLAGS, 1, "at least 1 argument: an image", (s, o, c) => {
    const { container, hostModePorts } = serviceSpec(s.f, c, s.pos[0], s.pos.slice(1), false)
    const name = s.f.last("name")
    return {
      ...baseRequest("service.create", o),
      ...(container.image !== undefined ? { image: container.image } : {}),
      service: { ...(name !== undefined ? { name } : {}), container, hostModePorts, pluginPrivileges: [] }
    }
  }, false)(argv, start, op, ctx)

export const serviceUpdate: Handler = simple(SERVICE_UPDATE_FLAGS, 1, "exactly 1 argument: a service", (s, op, ctx) => {
  const args = s.f.last("args")
  const { container, hostModePorts } = serviceSpec(s.f, ctx, s.f.last("image"), args === undefined ? [] : args.split(/\s+/), true)
  return {
    ...baseRequest("service.update", op),
    target: s.pos[0] ?? "",
    ...(container.image !== undefined ? { image: container.image } : {}),
    service: { name: s.pos[0] ?? "", container, hostModePorts, pluginPrivileges: [] }
  }
})

/** `docker cp SRC DEST`: into a container (DEST is `ctr:path`) → container.archive. */
export const cpHandler: Handler = simple(MISC_FLAGS["cp"] ?? [], 2, "exactly 2 arguments: a source and a destination", (s, op) => {
  const [src = "", dst = ""] = s.pos
  const remote = (p: string): string | undefined => {
    if (p.startsWith("/") || p.startsWith(".")) return undefined
    const i = p.indexOf(":")
    return i > 0 ? p.slice(0, i) : undefined
  }
  const into = remote(dst)
  if (into !== undefined) {
    return { ...baseRequest("container.archive", op), target: into, details: { source: src, destination: dst.slice(into.length + 1) } }
  }
  const from = remote(src)
  return { ...baseRequest("read", op), ...(from !== undefined ? { target: from } : {}), details: { source: src, destination: dst } }
})

export const commitHandler: Handler = simple(MISC_FLAGS["commit"] ?? [], 1, "at least 1 argument: a container", (s, op) => ({
  ...baseRequest("container.commit", op),
  target: s.pos[0] ?? "",
  changes: s.f.all("change"),
  destinations: s.pos[1] !== undefined ? [parseImageRef(s.pos[1])] : []
}))

export const tagHandler: Handler = simple(MISC_FLAGS["tag"] ?? [], 2, "exactly 2 arguments: SOURCE_IMAGE TARGET_IMAGE", (s, op) => ({
  ...baseRequest("image.tag", op),
  image: parseImageRef(s.pos[0] ?? ""),
  destinations: [withLatest(s.pos[1] ?? "")]
}))

export const loadHandler: Handler = simple(MISC_FLAGS["load"] ?? [], 0, "", (s, op) => {
  const input = s.f.last("input")
  return { ...baseRequest("image.load", op), details: input !== undefined ? { input } : {} }
})

export const importHandler: Handler = simple(MISC_FLAGS["import"] ?? [], 1, "at least 1 argument: file|URL|-", (s, op) => ({
  ...baseRequest("image.import", op),
  changes: s.f.all("change"),
  destinations: s.pos[1] !== undefined ? [parseImageRef(s.pos[1])] : [],
  details: { source: s.pos[0] ?? "" }
}))

export const loginHandler: Handler = simple(MISC_FLAGS["login"] ?? [], 0, "", (s, op) => {
  const user = s.f.last("username")
  return {
    ...baseRequest("auth", op),
    details: { server: s.pos[0] ?? "docker.io", ...(user !== undefined ? { username: user } : {}) }
  }
})

/** start/stop/kill/rm/restart/pause/unpause/rename/attach: target = first container. */
export const targetHandler = (action: Action, sub: string): Handler =>
  simple(MISC_FLAGS[sub] ?? [], 1, "at least 1 argument: a container", (s, op) => ({
    ...baseRequest(action, op),
    target: s.pos[0] ?? "",
    details: s.pos.length > 1 ? { args: s.pos.slice(1).join(" ") } : {}
  }))

export const secretCreate = (kind: "secret" | "config"): Handler =>
  simple(MISC_FLAGS[kind] ?? [], 1, `a ${kind} name`, (s, op) => ({
    ...baseRequest("secret.create", op),
    details: { kind, name: s.pos[0] ?? "", ...(s.f.last("driver") !== undefined ? { driver: s.f.last("driver") ?? "" } : {}) }
  }))

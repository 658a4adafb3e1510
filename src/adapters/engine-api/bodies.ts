/**
 * JSON-body endpoints: decode the forwarded RequestBody exactly as dockerd would (gojson +
 * goshape + shapes) and fill the request model. Secret material (swarm join tokens, secret
 * and config Data, /auth bodies) is never copied into the model.
 */
import { normalizeCaps } from "../../domain/caps.ts"
import type { DockerRequest, ExecSpec } from "../../domain/request.ts"
import { envVar } from "../../domain/secrets.ts"
import { compareVersions } from "./uri.ts"
import { containerFromCreate, containerFromHostConfig, mapResources, type Mutable } from "./container.ts"
import { GoJsonError, parseWithRest, utf8 } from "./gojson.ts"
import { type DecodeNotes, get, type GoObject, type GoValue, isObj, project, type Shape } from "./goshape.ts"
import { pluginPrivileges, serviceDetails, serviceFromSpec } from "./service.ts"
import * as shapes from "./shapes.ts"
import * as swarm from "./shapes-swarm.ts"
import type { Query } from "./uri.ts"

export type Problem = DockerRequest["problems"][number]

/** Decode a body into a Go type; the problem names the field dockerd would fail on. */
export const decodeGo = (
  bytes: Uint8Array,
  shape: Shape,
  what: string
): { value: GoValue; details: Record<string, string> } | { problem: Problem } => {
  try {
    const { value: tree, trailing } = parseWithRest(utf8(bytes))
    const notes: DecodeNotes = { folded: [], duplicates: [] }
    const value = project(tree, shape, undefined, "", notes)
    const details: Record<string, string> = {}
    if (trailing) details["json.trailingData"] = "ignored by dockerd (first JSON value used)"
    if (notes.folded.length > 0) details["json.foldedKeys"] = notes.folded.slice(0, 20).join(", ")
    if (notes.duplicates.length > 0) details["json.duplicateKeys"] = notes.duplicates.slice(0, 20).join(", ")
    return { value, details }
  } catch (e) {
    if (!(e instanceof GoJsonError) && !(e instanceof RangeError)) throw e
    return {
      problem: {
        code: "undecodable-body",
        message: `Sentinel cannot decode the ${what} body the way dockerd would (${e.message}; field ${e instanceof GoJsonError ? e.field : "(body)"}), so it denies it — send a well-formed JSON body with the documented field types`
      }
    }
  }
}

export interface BodyContext {
  readonly req: Mutable<DockerRequest>
  readonly params: Readonly<Record<string, string>>
  readonly query: Query
  readonly apiVersion: string | undefined
}

const str = (v: string | undefined): v is string => v !== undefined && v !== ""

const addDetails = (req: Mutable<DockerRequest>, d: Record<string, string>): void => {
  req.details = { ...req.details, ...d }
}

/** The Go shape for an action's JSON body (undefined: the body carries nothing we read). */
export const bodyShape = (action: DockerRequest["action"], pattern: string): Shape | undefined => {
  switch (action) {
    case "container.create":
      return shapes.containerCreate
    case "container.exec":
      return shapes.execCreate
    case "container.update":
      return shapes.containerUpdate
    case "container.start":
      return shapes.hostConfig
    case "container.commit":
      return shapes.containerConfig
    case "service.create":
    case "service.update":
      return swarm.serviceSpec
    case "volume.create":
      return swarm.volumeCreate
    case "network.create":
      return swarm.networkCreate
    case "network.connect":
      return swarm.networkConnect
    case "plugin.install":
      return pattern.endsWith("/create") ? undefined : swarm.pluginPrivilegeList
    case "plugin.configure":
      return pattern.endsWith("/set") ? swarm.pluginSet : undefined
    case "swarm.init":
      return swarm.swarmInit
    case "swarm.join":
      return swarm.swarmJoin
    case "swarm.manage":
      if (pattern.endsWith("/unlock")) return swarm.swarmUnlock
      if (pattern.startsWith("/nodes/")) return swarm.nodeUpdate
      return pattern.endsWith("/update") ? swarm.swarmUpdate : undefined
    case "secret.create":
      return swarm.secretCreate
    default:
      return undefined
  }
}

/** Legacy start: dockerd decodes a HostConfig body only on API < 1.24 (rejects it on later ones). */
export const legacyStartApplies = (apiVersion: string | undefined): boolean =>
  apiVersion !== undefined && compareVersions(apiVersion, "1.24") < 0

/** Fill the request model from a decoded body. */
export const applyBody = (ctx: BodyContext, value: GoValue, pattern: string): void => {
  const { req, params, query } = ctx
  const body: GoObject = isObj(value) ? value : (Object.create(null) as GoObject)
  switch (req.action) {
    case "container.create": {
      const { spec, ignoredTopLevel } = containerFromCreate(body, query.get("name") || undefined)
      req.container = spec
      if (spec.image !== undefined) req.image = spec.image
      const endpoints = Object.keys(get.obj(get.obj(body, "NetworkingConfig"), "EndpointsConfig") ?? {})
      const d: Record<string, string> = {}
      if (endpoints.length > 0) d["endpoints"] = endpoints.join(",")
      if (ignoredTopLevel.length > 0) d["ignoredTopLevelHostConfig"] = ignoredTopLevel.join(",")
      const hc = get.obj(body, "HostConfig") ?? body
      const caps = get.strs(hc, "Capabilities")
      if (caps !== undefined) d["capabilities"] = normalizeCaps(caps).join(",")
      if (get.has(hc, "Init") && get.bool(hc, "Init")) d["init"] = "true"
      const cgroup = get.str(hc, "Cgroup")
      if (str(cgroup)) d["cgroup"] = cgroup
      const annotations = Object.keys(get.strMap(hc, "Annotations"))
      if (annotations.length > 0) d["annotations"] = annotations.join(",")
      for (const [k, f] of [["extraHosts", "ExtraHosts"], ["links", "Links"]] as const) {
        const v = get.strs(hc, f)
        if (v !== undefined && v.length > 0) d[k] = v.join(",")
      }
      addDetails(req, d)
      return
    }
    case "container.exec": {
      const exec: Mutable<ExecSpec> = {
        target: params["name"] ?? "",
        privileged: get.bool(body, "Privileged"),
        env: (get.strs(body, "Env") ?? []).map(envVar),
        cmd: get.strs(body, "Cmd") ?? [],
        tty: get.bool(body, "Tty"),
        interactive: get.bool(body, "AttachStdin")
      }
      const user = get.str(body, "User")
      if (user !== undefined) exec.user = user
      const wd = get.str(body, "WorkingDir")
      if (str(wd)) exec.workingDir = wd
      req.exec = exec
      return
    }
    case "container.update": {
      const restart = get.str(get.obj(body, "RestartPolicy"), "Name")
      req.update = str(restart) ? { resources: mapResources(body), restartPolicy: restart } : { resources: mapResources(body) }
      return
    }
    case "container.start":
      req.container = containerFromHostConfig(body)
      addDetails(req, { legacyStartHostConfig: "true" })
      return
    case "container.commit": {
      const d: Record<string, string> = {}
      const user = get.str(body, "User")
      if (user !== undefined) d["commit.user"] = user
      const env = get.strs(body, "Env")
      if (env !== undefined) d["commit.env"] = env.map((e) => envVar(e).key).join(",")
      addDetails(req, d)
      return
    }
    case "service.create":
    case "service.update": {
      req.service = serviceFromSpec(body)
      if (req.service.container.image !== undefined) req.image = req.service.container.image
      addDetails(req, serviceDetails(body))
      return
    }
    case "volume.create": {
      const name = get.str(body, "Name")
      const options = Object.fromEntries(Object.entries(get.strMap(body, "DriverOpts")).map(([k, v]) => [k.toLowerCase(), v]))
      req.volume = { ...(str(name) ? { name } : {}), driver: get.str(body, "Driver") || "local", options }
      return
    }
    case "network.create": {
      const name = get.str(body, "Name")
      const driver = get.str(body, "Driver")
      req.network = { ...(str(name) ? { name } : {}), ...(str(driver) ? { driver } : {}), options: get.strMap(body, "Options") }
      const d: Record<string, string> = {}
      if (get.bool(body, "Internal")) d["internal"] = "true"
      const from = get.str(get.obj(body, "ConfigFrom"), "Network")
      if (str(from)) d["configFrom"] = from
      addDetails(req, d)
      return
    }
    case "network.connect": {
      const container = get.str(body, "Container")
      req.network = { network: params["id"] ?? "", options: {}, ...(str(container) ? { container } : {}) }
      if (str(container)) req.target = container
      return
    }
    case "plugin.install":
      if (req.plugin !== undefined) req.plugin = { ...req.plugin, privileges: pluginPrivileges(value) }
      return
    case "plugin.configure":
      if (Array.isArray(value)) addDetails(req, { pluginSet: value.filter((v) => typeof v === "string").map((v) => envVar(v).key).join(",") })
      return
    case "swarm.init":
    case "swarm.join":
    case "swarm.manage": {
      const d: Record<string, string> = {}
      for (const k of ["ListenAddr", "AdvertiseAddr", "DataPathAddr", "Role", "Availability", "Name"]) {
        const v = get.str(body, k)
        if (str(v)) d[`swarm.${k}`] = v
      }
      const remotes = get.strs(body, "RemoteAddrs")
      if (remotes !== undefined) d["swarm.RemoteAddrs"] = remotes.join(",")
      if (get.bool(body, "ForceNewCluster")) d["swarm.ForceNewCluster"] = "true"
      if (get.has(get.obj(body, "EncryptionConfig"), "AutoLockManagers")) {
        d["swarm.AutoLockManagers"] = String(get.bool(get.obj(body, "EncryptionConfig"), "AutoLockManagers"))
      }
      addDetails(req, d)
      return
    }
    case "secret.create": {
      const d: Record<string, string> = { kind: pattern.startsWith("/configs") ? "config" : "secret" }
      const name = get.str(body, "Name")
      if (str(name)) d["name"] = name
      const driver = get.str(get.obj(body, "Driver"), "Name")
      if (str(driver)) d["driver"] = driver
      addDetails(req, d)
      return
    }
    default:
      return
  }
}

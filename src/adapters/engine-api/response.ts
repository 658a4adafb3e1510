/**
 * Facts to learn from an AuthZRes: the security facts of a container that was just created
 * (so later exec/attach/archive into it can be judged), the container an exec instance
 * belongs to, containers that were removed, and named volumes that were created (their
 * driver and options, so a later `-v name:/path` of a host-bind volume is judged) or removed.
 */
import type { TargetFacts } from "../../domain/request.ts"
import { decodeAuthZRequestEither } from "./decode.ts"
import { field } from "./envelope.ts"
import { decodeBase64 } from "./envelope.ts"

export interface LearnedFacts {
  readonly container?: { readonly facts: TargetFacts; readonly name?: string | undefined } | undefined
  readonly exec?: { readonly execId: string; readonly containerId: string } | undefined
  readonly removed?: string | undefined
  /** a volume created (201 from POST /volumes/create), as the daemon reports it */
  readonly volume?: { readonly name: string; readonly driver: string; readonly options: Readonly<Record<string, string>> } | undefined
  /** a volume (maybe) removed: DELETE /volumes/{name} */
  readonly volumeRemoved?: string | undefined
  /** POST /volumes/prune: forget every learned volume */
  readonly volumesPruned?: boolean | undefined
}

const responseObject = (envelope: Record<string, unknown>): Record<string, unknown> | undefined => {
  const raw = field(envelope, "ResponseBody")
  if (typeof raw !== "string" || raw === "") return undefined
  const bytes = decodeBase64(raw)
  if (bytes === "invalid") return undefined
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"))
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

const responseId = (envelope: Record<string, unknown>): string | undefined => {
  const id = responseObject(envelope)?.["Id"]
  return typeof id === "string" && /^[0-9a-f]{12,64}$/.test(id) ? id : undefined
}

/** The created volume as the daemon reports it (an existing volume of that name is returned as it is). */
const createdVolume = (envelope: Record<string, unknown>): LearnedFacts["volume"] => {
  const v = responseObject(envelope)
  const name = v?.["Name"]
  if (v === undefined || typeof name !== "string" || name === "") return undefined
  const driver = typeof v["Driver"] === "string" && v["Driver"] !== "" ? v["Driver"] : "local"
  const raw = v["Options"]
  const options: Record<string, string> = {}
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw)) {
    for (const [k, o] of Object.entries(raw as Record<string, unknown>)) if (typeof o === "string") options[k.toLowerCase()] = o
  }
  return { name, driver, options }
}

/** What an AuthZRes teaches; empty when it teaches nothing (or is not a response at all). */
export const decodeAuthZResponse = (envelope: unknown): LearnedFacts => {
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope)) return {}
  const env = envelope as Record<string, unknown>
  const status = field(env, "ResponseStatusCode")
  const decoded = decodeAuthZRequestEither(envelope)
  if (decoded._tag === "Left") return {}
  const { request, meta } = decoded.right
  if (request.action === "container.create" && status === 201 && request.container !== undefined) {
    const id = responseId(env)
    if (id === undefined) return {}
    const c = request.container
    const hostMounts = c.mounts.flatMap((m) =>
      m.type === "bind" ? [m.source] : m.volumeOptions?.["device"] !== undefined ? [m.volumeOptions["device"]] : []
    )
    const facts: TargetFacts = {
      id,
      privileged: c.privileged,
      hostMounts,
      capAdd: c.capAdd,
      pidHost: c.pidMode === "host",
      networkHost: c.networkMode === "host"
    }
    return { container: { facts, name: c.name } }
  }
  if (request.action === "container.exec" && status === 201 && request.target !== undefined) {
    const execId = responseId(env)
    return execId === undefined ? {} : { exec: { execId, containerId: request.target } }
  }
  if (meta.route === "DELETE /containers/{name:.*}" && status === 204 && request.target !== undefined) {
    return { removed: request.target }
  }
  if (request.action === "volume.create" && status === 201) {
    const volume = createdVolume(env)
    return volume === undefined ? {} : { volume }
  }
  // forgetting is always safe (the plugin asks the daemon again), so any status will do
  if (meta.route === "DELETE /volumes/{name:.*}") {
    const name = meta.path.slice("/volumes/".length)
    return name === "" ? {} : { volumeRemoved: name }
  }
  if (meta.route === "POST /volumes/prune") return { volumesPruned: true }
  return {}
}

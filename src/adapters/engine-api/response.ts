/**
 * Facts to learn from an AuthZRes: the security facts of a container that was just created
 * (so later exec/attach/archive into it can be judged), the container an exec instance
 * belongs to, and containers that were removed.
 */
import type { TargetFacts } from "../../domain/request.ts"
import { decodeAuthZRequestEither } from "./decode.ts"
import { field } from "./envelope.ts"
import { decodeBase64 } from "./envelope.ts"

export interface LearnedFacts {
  readonly container?: { readonly facts: TargetFacts; readonly name?: string | undefined } | undefined
  readonly exec?: { readonly execId: string; readonly containerId: string } | undefined
  readonly removed?: string | undefined
}

const responseId = (envelope: Record<string, unknown>): string | undefined => {
  const raw = field(envelope, "ResponseBody")
  if (typeof raw !== "string" || raw === "") return undefined
  const bytes = decodeBase64(raw)
  if (bytes === "invalid") return undefined
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"))
    if (typeof v !== "object" || v === null) return undefined
    const id = (v as Record<string, unknown>)["Id"]
    return typeof id === "string" && /^[0-9a-f]{12,64}$/.test(id) ? id : undefined
  } catch {
    return undefined
  }
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
  return {}
}

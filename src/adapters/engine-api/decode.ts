/**
 * The Engine API front end: an AuthZ plugin envelope (what dockerd sends to
 * /AuthZPlugin.AuthZReq) decoded into the normalized DockerRequest plus routing metadata.
 *
 * request.problems codes (each denies in enforce mode via the api.<code> rule):
 * - missing-body: a body-bearing endpoint arrived without RequestBody (chunked/≥1 MiB/not JSON),
 *   or a legacy start (API < 1.24) whose HostConfig body was withheld
 * - undecodable-body: the body is not what dockerd would decode (type mismatch, bad JSON, bad base64)
 * - form-body: a form-encoded body (overrides the query, never forwarded) or a JSON body on /build
 * - undecodable-query: a JSON query value dockerd would reject (buildargs)
 * - bad-uri: a request target Go would not route
 * An unknown endpoint is action "unknown" without a problem (the unknown-endpoint rule decides).
 * request.details may carry json.foldedKeys / json.duplicateKeys / json.trailingData: body
 * features a naive JSON reader would see differently (decoded here as dockerd does).
 */
import { Either, Schema } from "effect"
import type { DockerRequest } from "../../domain/request.ts"
import { baseRequest } from "../../domain/request.ts"
import { applyBody, bodyShape, decodeGo, legacyStartApplies, type Problem } from "./bodies.ts"
import type { Mutable } from "./container.ts"
import { readEnvelope } from "./envelope.ts"
import { buildRequest, commitRequest, imagesCreateRequest, pushRequest, tagRequest } from "./query-actions.ts"
import { matchRoute } from "./routes.ts"
import { maskUri } from "./mask.ts"
import { parseUri } from "./uri.ts"

/** The envelope is not an AuthZ request (not an object, no RequestMethod/RequestUri). */
export class AuthZEnvelopeError extends Schema.TaggedError<AuthZEnvelopeError>()("AuthZEnvelopeError", {
  message: Schema.String
}) {}

export interface DecodeMeta {
  readonly method: string
  readonly path: string
  readonly apiVersion?: string
  readonly user?: string
  readonly authMethod?: string
  /** route id, e.g. `POST /containers/{name}/exec` */
  readonly route: string
  /** RequestUri with buildargs and other secret query values masked */
  readonly maskedUri: string
  readonly readOnly: boolean
}

export interface DecodedAuthZ {
  readonly request: DockerRequest
  readonly meta: DecodeMeta
}

const missingBody = (route: string): Problem => ({
  code: "missing-body",
  message: `${route} carries its settings in a JSON body, but the daemon did not forward the body (chunked, ≥1 MiB or not application/json) so Sentinel cannot see what it would do; send it as application/json under 1 MiB`
})

const FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"]

const mediaType = (headers: Readonly<Record<string, string>>): string => {
  const ct = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-type")?.[1] ?? ""
  return (ct.split(";")[0] ?? "").trim().toLowerCase()
}

// the Content-Length header as a number (absent for chunked bodies: Go strips it)
const contentLength = (headers: Readonly<Record<string, string>>): number | undefined => {
  const cl = Object.entries(headers).find(([k]) => k.toLowerCase() === "content-length")?.[1]?.trim()
  return cl !== undefined && /^[0-9]+$/.test(cl) ? Number(cl) : undefined
}
// dockerd ignores a start body of at most 7 bytes
const emptyByLength = (headers: Readonly<Record<string, string>>): boolean => (contentLength(headers) ?? 8) <= 7

const PLUGIN_OPS: Record<string, string> = { pull: "pull", upgrade: "upgrade", create: "create", enable: "enable", disable: "disable", set: "set" }

/** Decode an AuthZReq (or AuthZRes) envelope; Left when it is not an AuthZ request at all. */
export const decodeAuthZRequestEither = (envelope: unknown): Either.Either<DecodedAuthZ, AuthZEnvelopeError> => {
  const env = readEnvelope(envelope)
  if (typeof env === "string") return Either.left(new AuthZEnvelopeError({ message: env }))
  const { method, uri, headers } = env
  const parsed = parseUri(uri)
  const base = {
    method,
    maskedUri: maskUri(uri),
    ...(env.user !== undefined ? { user: env.user } : {}),
    ...(env.authMethod !== undefined ? { authMethod: env.authMethod } : {})
  }
  if (parsed === undefined) {
    const req = baseRequest("unknown", `${method} ${uri}`)
    const problems = [{ code: "bad-uri", message: `the request target ${JSON.stringify(base.maskedUri)} is not a URI dockerd would route; Sentinel denies it — use an origin-form path such as /v1.41/containers/json` }]
    return Either.right({ request: { ...req, problems }, meta: { ...base, path: uri, route: "unknown", readOnly: false } })
  }
  const meta0 = { ...base, path: parsed.path, ...(parsed.apiVersion !== undefined ? { apiVersion: parsed.apiVersion } : {}) }
  const match = matchRoute(method, parsed.path)
  if (match === undefined) {
    // no problem here: the api.unknown-endpoint rule decides (policy rules.api.unknown_endpoints)
    const req = baseRequest("unknown", `${method} ${parsed.path}`)
    return Either.right({ request: req, meta: { ...meta0, route: "unknown", readOnly: false } })
  }
  const { route, params } = match
  const routeId = `${route.method} ${route.pattern}`
  const req: Mutable<DockerRequest> = baseRequest(route.action, routeId)
  const problems: Array<Problem> = []
  const q = parsed.query
  const target = params["name"] ?? params["id"]
  if (target !== undefined && target !== "") {
    if (route.action.startsWith("container.")) req.target = target
    else if (!route.pattern.startsWith("/images/")) req.details = { ...req.details, id: target }
    if (route.pattern.startsWith("/exec/")) req.details = { ...req.details, execId: target }
  }

  // query-driven parts
  switch (route.action) {
    case "image.build":
      buildRequest(req, q)
      break
    case "image.pull":
      imagesCreateRequest(req, q)
      break
    case "image.push":
      pushRequest(req, params["name"] ?? "", q)
      break
    case "image.tag":
      tagRequest(req, params["name"] ?? "", q)
      break
    case "container.commit":
      commitRequest(req, q)
      break
    case "container.archive":
      req.details = { ...req.details, path: q.get("path") }
      break
    case "plugin.install":
    case "plugin.configure": {
      const last = route.pattern.split("/").pop() ?? ""
      const op = route.method === "DELETE" ? "remove" : (PLUGIN_OPS[last] ?? last)
      const name = params["name"] ?? q.get("name")
      const remote = q.get("remote")
      req.plugin = { op, privileges: [], ...(name !== "" ? { name } : {}), ...(remote !== "" ? { remote } : {}) }
      break
    }
    default:
      break
  }

  // CRIU checkpoints (experimental daemons): a restore reads container state from any host directory
  const restore = route.action === "container.start" && (q.get("checkpoint") !== "" || q.get("checkpoint-dir") !== "")
  if (restore || /\/checkpoints$/.test(route.pattern) && route.method === "POST") {
    problems.push({
      code: "checkpoint",
      message: `${routeId}${restore ? " with checkpoint/checkpoint-dir" : ""}: CRIU checkpoint and restore read or write container state in arbitrary host directories, which Sentinel does not evaluate; start the container without a checkpoint, or add an exception for api.checkpoint bound to an authenticated user`
    })
  }

  // a form body overrides the query for r.FormValue and is never forwarded to the plugin
  const mt = mediaType(headers)
  if ((method === "POST" || method === "PUT" || method === "PATCH") && FORM_TYPES.includes(mt) && contentLength(headers) !== 0) {
    problems.push({
      code: "form-body",
      message: `${routeId} was sent with Content-Type ${mt}: dockerd reads form values from that body ahead of the query string, and the body is not forwarded to Sentinel; send the options in the query string only`
    })
  }

  // body presence and decoding
  const body = env.body
  if (body === "invalid") {
    problems.push({ code: "undecodable-body", message: "RequestBody is not valid base64; the envelope is malformed, so Sentinel denies the request" })
  } else if (route.body === "required" && body === undefined) {
    problems.push(missingBody(routeId))
  } else if (route.body === "legacy-start" && body === undefined && legacyStartApplies(parsed.apiVersion) && !emptyByLength(headers)) {
    // API < 1.24 decodes a start body (> 7 bytes or chunked) as HostConfig; docker start sends Content-Length: 0
    problems.push({
      code: "missing-body",
      message: `${routeId} on API ${parsed.apiVersion ?? ""} (< 1.24) applies a HostConfig body, but no body was forwarded and Content-Length does not show it was empty (chunked, ≥1 MiB or not application/json), so Sentinel cannot see what it would do; send Content-Length: 0 with no body, or use API 1.24 or later`
    })
  } else if (body !== undefined) {
    const shape = bodyShape(route.action, route.pattern)
    const startRejected = route.body === "legacy-start" && !legacyStartApplies(parsed.apiVersion)
    if (startRejected) req.details = { ...req.details, startBody: "ignored: dockerd rejects a start body on API >= 1.24" }
    else if (route.action === "image.build") problems.push({ code: "form-body", message: "POST /build carried a JSON body; the build context must be a tar (application/x-tar) and options go in the query string" })
    else if (shape !== undefined && route.body !== "blind") {
      const decoded = decodeGo(body, shape, routeId)
      if ("problem" in decoded) problems.push(decoded.problem)
      else {
        req.details = { ...req.details, ...decoded.details }
        applyBody({ req, params, query: q, apiVersion: parsed.apiVersion }, decoded.value, route.pattern)
      }
    }
  }
  if (route.action === "container.create" && req.container === undefined) {
    const name = q.get("name")
    if (name !== "") req.details = { ...req.details, name }
  }
  const platform = q.get("platform")
  if (route.action === "container.create" && platform !== "") req.details = { ...req.details, platform }
  req.problems = [...req.problems, ...problems]
  return Either.right({ request: req, meta: { ...meta0, route: routeId, readOnly: route.readOnly } })
}

/**
 * Decode an AuthZReq envelope into { request, meta }. Throws AuthZEnvelopeError when the
 * envelope is not an object or has no RequestMethod/RequestUri (the server denies it).
 */
export const decodeAuthZRequest = (envelope: unknown): DecodedAuthZ => {
  const r = decodeAuthZRequestEither(envelope)
  if (Either.isLeft(r)) throw r.left
  return r.right
}

export { decodeAuthZResponse } from "./response.ts"
export type { LearnedFacts } from "./response.ts"

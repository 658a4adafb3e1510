/**
 * The Engine API route table (moby daemon/server/router/{container,image,build,volume,network,
 * plugin,swarm,system,session,grpc,checkpoint,distribution}), in registration order since
 * gorilla/mux takes the first match. Patterns match on path segments of the decoded path
 * without the version prefix; `{x}` is one segment, `{x:.*}` any number (image names, plugin
 * names and exec ids may contain `/`).
 */
import type { Action } from "../../domain/request.ts"

/** How the body of an endpoint matters to Sentinel. */
export type BodyKind =
  | "none" // no body, or one with no security content
  | "required" // body-bearing: a missing RequestBody is a problem
  | "optional" // decoded when present (commit config, plugin set)
  | "legacy-start" // container start: a HostConfig body honoured on API < 1.24
  | "blind" // tar or other non-JSON body the plugin never sees (build, load, archive)

export interface Route {
  readonly method: string
  readonly pattern: string
  readonly action: Action
  readonly body: BodyKind
  /** read-only: no state change, eligible for the fast path */
  readonly readOnly: boolean
}

export interface RouteMatch {
  readonly route: Route
  readonly params: Readonly<Record<string, string>>
}

const r = (method: string, pattern: string, action: Action, body: BodyKind = "none"): Route => ({
  method,
  pattern,
  action,
  body,
  readOnly: (method === "GET" || method === "HEAD" || method === "OPTIONS") && action === "read"
})
const get = (p: string): Route => r("GET", p, "read")
const lc = (p: string): Route => r("POST", p, "container.lifecycle")

export const ROUTES: ReadonlyArray<Route> = [
  // system
  r("OPTIONS", "/{anyroute:.*}", "read"),
  get("/_ping"),
  r("HEAD", "/_ping", "read"),
  get("/events"),
  get("/info"),
  get("/version"),
  get("/system/df"),
  r("POST", "/auth", "auth"),
  get("/debug/vars"),
  get("/debug/pprof/"),
  get("/debug/pprof/cmdline"),
  get("/debug/pprof/profile"),
  get("/debug/pprof/symbol"),
  get("/debug/pprof/trace"),
  get("/debug/pprof/{name}"),
  // container
  get("/containers/json"),
  get("/containers/{name:.*}/export"),
  get("/containers/{name:.*}/changes"),
  get("/containers/{name:.*}/json"),
  get("/containers/{name:.*}/top"),
  get("/containers/{name:.*}/logs"),
  get("/containers/{name:.*}/stats"),
  r("GET", "/containers/{name:.*}/attach/ws", "container.attach"),
  get("/exec/{id:.*}/json"),
  get("/containers/{name:.*}/archive"),
  r("HEAD", "/containers/{name:.*}/archive", "read"),
  r("POST", "/containers/create", "container.create", "required"),
  lc("/containers/{name:.*}/kill"),
  lc("/containers/{name:.*}/pause"),
  lc("/containers/{name:.*}/unpause"),
  lc("/containers/{name:.*}/restart"),
  r("POST", "/containers/{name:.*}/start", "container.start", "legacy-start"),
  lc("/containers/{name:.*}/stop"),
  lc("/containers/{name:.*}/wait"),
  r("POST", "/containers/{name:.*}/resize", "container.attach"),
  r("POST", "/containers/{name:.*}/attach", "container.attach"),
  r("POST", "/containers/{name:.*}/exec", "container.exec", "required"),
  r("POST", "/exec/{name:.*}/start", "container.attach"),
  r("POST", "/exec/{name:.*}/resize", "container.attach"),
  lc("/containers/{name:.*}/rename"),
  r("POST", "/containers/{name:.*}/update", "container.update", "required"),
  r("POST", "/containers/prune", "other"),
  r("POST", "/commit", "container.commit", "optional"),
  r("PUT", "/containers/{name:.*}/archive", "container.archive", "blind"),
  r("DELETE", "/containers/{name:.*}", "container.lifecycle"),
  // checkpoint (experimental)
  get("/containers/{name:.*}/checkpoints"),
  r("POST", "/containers/{name:.*}/checkpoints", "other"),
  r("DELETE", "/containers/{name}/checkpoints/{checkpoint}", "other"),
  // image
  get("/images/json"),
  get("/images/search"),
  get("/images/get"),
  get("/images/{name:.*}/get"),
  get("/images/{name:.*}/history"),
  get("/images/{name:.*}/json"),
  r("POST", "/images/load", "image.load", "blind"),
  r("POST", "/images/create", "image.pull", "blind"),
  r("POST", "/images/{name:.*}/push", "image.push"),
  r("POST", "/images/{name:.*}/tag", "image.tag"),
  r("POST", "/images/prune", "other"),
  r("DELETE", "/images/{name:.*}", "other"),
  // build
  r("POST", "/build", "image.build", "blind"),
  r("POST", "/build/prune", "other"),
  r("POST", "/build/cancel", "other"),
  // volume
  get("/volumes"),
  get("/volumes/{name:.*}"),
  r("POST", "/volumes/create", "volume.create", "required"),
  r("POST", "/volumes/prune", "other"),
  r("PUT", "/volumes/{name:.*}", "other", "optional"),
  r("DELETE", "/volumes/{name:.*}", "other"),
  // network
  get("/networks"),
  get("/networks/"),
  get("/networks/{id:.+}"),
  r("POST", "/networks/create", "network.create", "required"),
  r("POST", "/networks/{id:.*}/connect", "network.connect", "required"),
  r("POST", "/networks/{id:.*}/disconnect", "other"),
  r("POST", "/networks/prune", "other"),
  r("DELETE", "/networks/{id:.*}", "other"),
  // plugin
  get("/plugins"),
  get("/plugins/{name:.*}/json"),
  get("/plugins/privileges"),
  r("DELETE", "/plugins/{name:.*}", "plugin.configure"),
  r("POST", "/plugins/{name:.*}/enable", "plugin.configure"),
  r("POST", "/plugins/{name:.*}/disable", "plugin.configure"),
  r("POST", "/plugins/pull", "plugin.install", "required"),
  r("POST", "/plugins/{name:.*}/push", "other"),
  r("POST", "/plugins/{name:.*}/upgrade", "plugin.install", "required"),
  r("POST", "/plugins/{name:.*}/set", "plugin.configure", "required"),
  r("POST", "/plugins/create", "plugin.install", "blind"),
  // swarm
  get("/swarm"),
  get("/swarm/unlockkey"),
  r("POST", "/swarm/init", "swarm.init", "required"),
  r("POST", "/swarm/join", "swarm.join", "required"),
  r("POST", "/swarm/leave", "swarm.manage"),
  r("POST", "/swarm/update", "swarm.manage", "required"),
  r("POST", "/swarm/unlock", "swarm.manage", "required"),
  get("/services"),
  get("/services/{id}"),
  r("POST", "/services/create", "service.create", "required"),
  r("POST", "/services/{id}/update", "service.update", "required"),
  r("DELETE", "/services/{id}", "other"),
  get("/services/{id}/logs"),
  get("/nodes"),
  get("/nodes/{id}"),
  r("DELETE", "/nodes/{id}", "swarm.manage"),
  r("POST", "/nodes/{id}/update", "swarm.manage", "required"),
  get("/tasks"),
  get("/tasks/{id}"),
  get("/tasks/{id}/logs"),
  get("/secrets"),
  r("POST", "/secrets/create", "secret.create", "required"),
  r("DELETE", "/secrets/{id}", "other"),
  get("/secrets/{id}"),
  r("POST", "/secrets/{id}/update", "secret.create", "required"),
  get("/configs"),
  r("POST", "/configs/create", "secret.create", "required"),
  r("DELETE", "/configs/{id}", "other"),
  get("/configs/{id}"),
  r("POST", "/configs/{id}/update", "secret.create", "required"),
  // session, grpc, distribution
  r("POST", "/session", "buildkit"),
  r("POST", "/grpc", "buildkit"),
  get("/distribution/{name:.*}/json")
]

type Seg = { readonly lit: string } | { readonly param: string; readonly rest: "one" | "any" | "some" }

const compile = (pattern: string): ReadonlyArray<Seg> =>
  pattern
    .slice(1)
    .split("/")
    .map((s): Seg => {
      const m = /^\{([a-z]+)(?::(\.\*|\.\+))?\}$/.exec(s)
      if (m === null) return { lit: s }
      return { param: m[1] as string, rest: m[2] === ".*" ? "any" : m[2] === ".+" ? "some" : "one" }
    })

const COMPILED = ROUTES.map((route) => ({ route, segs: compile(route.pattern) }))

// Match segments; a `.*` param may span several segments (backtracking, tried longest first).
const matchSegs = (
  segs: ReadonlyArray<Seg>,
  parts: ReadonlyArray<string>,
  params: Record<string, string>
): boolean => {
  const [seg, ...more] = segs
  if (seg === undefined) return parts.length === 0
  if ("lit" in seg) return parts[0] === seg.lit && matchSegs(more, parts.slice(1), params)
  if (seg.rest === "one") {
    const p = parts[0]
    if (p === undefined || p === "") return false
    params[seg.param] = p
    return matchSegs(more, parts.slice(1), params)
  }
  for (let n = parts.length; n >= 1; n--) {
    const value = parts.slice(0, n).join("/")
    if (seg.rest === "some" && value === "") continue
    params[seg.param] = value
    if (matchSegs(more, parts.slice(n), params)) return true
  }
  if (seg.rest === "any" && more.length === 0 && parts.length === 0) {
    params[seg.param] = ""
    return true
  }
  return false
}

/** The first route registered for this method and (version-stripped, decoded) path. */
export const matchRoute = (method: string, path: string): RouteMatch | undefined => {
  if (!path.startsWith("/")) return undefined
  const parts = path.slice(1).split("/")
  for (const { route, segs } of COMPILED) {
    if (route.method !== method) continue
    const params: Record<string, string> = {}
    if (matchSegs(segs, parts, params)) return { route, params }
  }
  return undefined
}

/**
 * A tiny client for the Docker daemon's own API over its unix socket, used by the AuthZ
 * plugin to learn facts about a target container (exec/attach/archive), to resolve
 * service network IDs to names, and to learn a named volume's driver and options. Every call has a short timeout; nothing here retries.
 */
import { request } from "node:http"
import type { TargetFacts } from "../domain/request.ts"
import type { VolumeFacts } from "./facts.ts"
import { cleanPath } from "../domain/paths.ts"
import { normalizeCaps } from "../domain/caps.ts"

/** The daemon answered with an error status, timed out, or could not be reached. */
export class DockerApiError extends Error {
  override readonly name = "DockerApiError"
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message)
  }
}

/** Parse a docker host URI (`unix:///var/run/docker.sock` or a bare absolute path) into a socket path. */
export const socketPathOf = (dockerHost: string): string => {
  if (dockerHost.startsWith("unix://")) return dockerHost.slice("unix://".length)
  if (dockerHost.startsWith("/")) return dockerHost
  throw new DockerApiError(
    `docker host "${dockerHost}" is not supported: Sentinel talks to the daemon over its unix socket only; ` +
      `pass --docker-host unix:///var/run/docker.sock`
  )
}

/** GET a JSON document from the daemon. 404 resolves to undefined. */
export const getJson = (socketPath: string, path: string, timeoutMs: number): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: "GET", headers: { Host: "docker" }, timeout: timeoutMs }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const status = res.statusCode ?? 0
        if (status === 404) return resolve(undefined)
        const text = Buffer.concat(chunks).toString("utf8")
        if (status !== 200) return reject(new DockerApiError(`daemon answered ${status} for GET ${path}: ${text.slice(0, 200).trim()}`, status))
        try {
          resolve(JSON.parse(text) as unknown)
        } catch {
          reject(new DockerApiError(`daemon answered GET ${path} with a body that is not JSON`))
        }
      })
      res.on("error", reject)
    })
    req.on("timeout", () => req.destroy(new DockerApiError(`daemon did not answer GET ${path} within ${timeoutMs} ms`)))
    req.on("error", (e) => reject(e instanceof DockerApiError ? e : new DockerApiError(`cannot reach the daemon at ${socketPath}: ${e.message}`)))
    req.end()
  })

const rec = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {}
const strs = (v: unknown): Array<string> => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [])

/** Turn a `GET /containers/{id}/json` document into TargetFacts. */
export const factsFromInspect = (doc: unknown): TargetFacts => {
  const d = rec(doc)
  const hc = rec(d["HostConfig"])
  const hostMounts = new Set<string>()
  for (const b of strs(hc["Binds"])) {
    const src = b.split(":")[0] ?? ""
    if (src.startsWith("/")) hostMounts.add(cleanPath(src))
  }
  for (const m of Array.isArray(d["Mounts"]) ? d["Mounts"] : []) {
    const mm = rec(m)
    if (mm["Type"] === "bind" && typeof mm["Source"] === "string") hostMounts.add(cleanPath(mm["Source"]))
  }
  return {
    id: typeof d["Id"] === "string" ? d["Id"] : "",
    privileged: hc["Privileged"] === true,
    hostMounts: [...hostMounts],
    capAdd: normalizeCaps(strs(hc["CapAdd"])),
    pidHost: hc["PidMode"] === "host",
    networkHost: hc["NetworkMode"] === "host"
  }
}

/** Inspect a container (id, id prefix or name); undefined when the daemon does not know it. */
export const inspectContainer = async (socketPath: string, target: string, timeoutMs: number): Promise<TargetFacts | undefined> => {
  const doc = await getJson(socketPath, `/containers/${encodeURIComponent(target)}/json`, timeoutMs)
  return doc === undefined ? undefined : factsFromInspect(doc)
}

/** Inspect an exec instance: the container it runs in. */
export const execContainer = async (socketPath: string, execId: string, timeoutMs: number): Promise<string | undefined> => {
  const doc = await getJson(socketPath, `/exec/${encodeURIComponent(execId)}/json`, timeoutMs)
  const id = rec(doc)["ContainerID"]
  return typeof id === "string" ? id : undefined
}

/** Resolve a network ID (or name) to its name, e.g. the swarm `host` network's ID to `host`. */
export const networkName = async (socketPath: string, idOrName: string, timeoutMs: number): Promise<string | undefined> => {
  const doc = await getJson(socketPath, `/networks/${encodeURIComponent(idOrName)}`, timeoutMs)
  const name = rec(doc)["Name"]
  return typeof name === "string" ? name : undefined
}

/** Turn a `GET /volumes/{name}` document into VolumeFacts (option keys lower-cased, as the decoder does). */
export const volumeFromInspect = (doc: unknown): VolumeFacts => {
  const d = rec(doc)
  const options: Record<string, string> = {}
  for (const [k, v] of Object.entries(rec(d["Options"]))) if (typeof v === "string") options[k.toLowerCase()] = v
  return { driver: typeof d["Driver"] === "string" ? d["Driver"] : "local", options }
}

/** Inspect a named volume; undefined when the daemon does not know it (docker will create an empty local volume). */
export const inspectVolume = async (socketPath: string, name: string, timeoutMs: number): Promise<VolumeFacts | undefined> => {
  const doc = await getJson(socketPath, `/volumes/${encodeURIComponent(name)}`, timeoutMs)
  return doc === undefined ? undefined : volumeFromInspect(doc)
}

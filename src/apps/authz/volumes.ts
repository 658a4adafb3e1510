/**
 * Named volumes a container mounts by name (`-v rootvol:/host`) carry no driver options in
 * the request, yet the volume may already exist as a local-driver bind of a host path
 * (`docker volume create -o type=none -o o=bind -o device=/ rootvol`). Fill each such mount's
 * driver and options from what the plugin learned when the volume was created, else from
 * `GET /volumes/{name}`, so the mount rules judge the real volume. A volume that does not
 * exist yet is fine (docker creates an empty local one); one that cannot be looked up is a
 * problem that denies (fail closed).
 */
import type { ContainerSpec, DockerRequest, Mount } from "../../domain/request.ts"
import { volumeBindsHost } from "../../domain/rules/mounts.ts"
import type { FactsStore, VolumeFacts } from "../../adapters/facts.ts"
import type { DaemonClient } from "./deps.ts"

type Resolved = { readonly name: string; readonly facts: VolumeFacts | undefined } | { readonly name: string; readonly error: string }

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const specOf = (request: DockerRequest): ContainerSpec | undefined =>
  request.action === "service.create" || request.action === "service.update" ? request.service?.container
    : request.action === "container.create" || request.action === "container.start" ? request.container
      : undefined

const named = (m: Mount): boolean => m.type === "volume" && m.source !== ""

/**
 * The mount as docker will really make it. Inline options only apply when docker creates the
 * volume; an existing volume is used as it is, so its options win when they bind host storage.
 */
const withVolume = (m: Mount, v: VolumeFacts): Mount => {
  if (m.volumeOptions !== undefined && !volumeBindsHost(v.driver, v.options)) return m
  return { ...m, volumeDriver: v.driver, volumeOptions: v.options }
}

const problemFor = (name: string, why: string) => ({
  code: "volume-unknown",
  message: `Sentinel could not learn whether named volume "${name}" mounts host storage (${why}); ` +
    `let the plugin inspect volumes (check --docker-host / authz.docker_host), or mount a volume created while Sentinel runs`
})

const apply = (request: DockerRequest, spec: ContainerSpec, results: ReadonlyArray<Resolved>): DockerRequest => {
  const byName = new Map(results.map((r) => [r.name, r]))
  const mounts = spec.mounts.map((m) => {
    const r = named(m) ? byName.get(m.source) : undefined
    return r === undefined || "error" in r || r.facts === undefined ? m : withVolume(m, r.facts)
  })
  const problems = results.flatMap((r) => ("error" in r ? [problemFor(r.name, r.error)] : []))
  const container = { ...spec, mounts }
  const next: DockerRequest = request.service !== undefined && (request.action === "service.create" || request.action === "service.update")
    ? { ...request, service: { ...request.service, container } }
    : { ...request, container }
  return problems.length === 0 ? next : { ...next, problems: [...request.problems, ...problems] }
}

/** Fill named-volume mounts with their real driver and options. Synchronous when everything is learned; never rejects. */
export const resolveVolumes = (request: DockerRequest, facts: FactsStore, daemon: DaemonClient | undefined): DockerRequest | Promise<DockerRequest> => {
  const spec = specOf(request)
  if (spec === undefined || !spec.mounts.some(named)) return request
  const names = [...new Set(spec.mounts.filter(named).map((m) => m.source))]
  const known: Array<Resolved> = []
  const unknown: Array<string> = []
  for (const name of names) {
    const f = facts.volume(name)
    if (f !== undefined) known.push({ name, facts: f })
    else unknown.push(name)
  }
  if (unknown.length === 0) return apply(request, spec, known)
  const look = daemon?.volume
  if (look === undefined) {
    return apply(request, spec, [...known, ...unknown.map((name) => ({ name, error: "daemon look-ups are disabled" }))])
  }
  return Promise.all(
    unknown.map((name): Promise<Resolved> => Promise.resolve().then(() => look(name)).then((f) => ({ name, facts: f }), (e: unknown) => ({ name, error: describe(e) })))
  ).then((found) => apply(request, spec, [...known, ...found]))
}

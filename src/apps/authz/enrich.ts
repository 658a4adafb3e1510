/**
 * Facts the request body does not carry: what the target container of an exec/attach/cp
 * is (learned from its create, else inspected through the daemon), and the names of
 * service networks given only as IDs (`--network host` arrives as the host network's ID),
 * and the driver options of named volumes mounted by name (see volumes.ts).
 */
import type { LoadedPolicy } from "../../domain/policy.ts"
import type { DockerRequest, TargetFacts } from "../../domain/request.ts"
import type { FactsStore } from "../../adapters/facts.ts"
import type { DaemonClient, DecodedRequest } from "./deps.ts"
import { resolveVolumes } from "./volumes.ts"
import { parseUri } from "../../adapters/engine-api/uri.ts"

const TARGETED = new Set(["container.exec", "container.attach", "container.archive"])

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const targetFacts = async (request: DockerRequest, meta: DecodedRequest["meta"], policy: LoadedPolicy, facts: FactsStore, daemon: DaemonClient | undefined): Promise<DockerRequest> => {
  if (request.targetFacts !== undefined || request.target === undefined) return request
  if (policy.policy.rules?.api?.exec_into_privileged?.action === "allow") return request
  let target = request.target
  try {
    if (/^\/exec\//.test(meta.path)) {
      const container = facts.containerOfExec(target) ?? (daemon === undefined ? undefined : await daemon.execContainer(target))
      if (container === undefined) {
        if (daemon === undefined) throw new Error("daemon look-ups are disabled and this exec was not created through the plugin")
        return request // the daemon does not know the exec and will refuse the request itself
      }
      target = container
    }
    const known = facts.get(target)
    if (known !== undefined) return { ...request, targetFacts: known }
    if (daemon === undefined) throw new Error("daemon look-ups are disabled and its create was not seen by the plugin")
    const inspected = await daemon.inspect(target)
    if (inspected === undefined) return request // the daemon does not know it and will refuse the request itself
    facts.learn(inspected, /^[0-9a-f]{64}$/.test(target) ? undefined : target)
    return { ...request, targetFacts: inspected }
  } catch (e) {
    const problem = {
      code: "target-unknown",
      message: `Sentinel could not learn whether container "${target}" is privileged or host-mounted (${describe(e)}); ` +
        `check --docker-host / authz.docker_host, or set rules.api.exec_into_privileged.action: allow`
    }
    return { ...request, problems: [...request.problems, problem] }
  }
}

const networkProblem = (n: string, why: string) => ({
  code: "network-unknown",
  message: `Sentinel could not learn which network "${n}" is (${why}), so it cannot tell whether the service uses the host network; ` +
    `let the plugin inspect networks (check --docker-host / authz.docker_host)`
})

const serviceNetworks = async (request: DockerRequest, daemon: DaemonClient | undefined): Promise<DockerRequest> => {
  const svc = request.service
  if (svc === undefined || svc.container.networks.length === 0) return request
  // the CLI sends network IDs: one that cannot be resolved may be the host network (fail closed)
  if (daemon === undefined) return { ...request, problems: [...request.problems, ...svc.container.networks.filter((n) => n !== "host").map((n) => networkProblem(n, "daemon look-ups are disabled"))] }
  const failed: Array<{ n: string; why: string }> = []
  const names = await Promise.all(
    svc.container.networks.map((n) => daemon.networkName(n).then((x) => x ?? n, (e: unknown) => (failed.push({ n, why: describe(e) }), n)))
  )
  const container = { ...svc.container, networks: names, ...(names.includes("host") && svc.container.networkMode === undefined ? { networkMode: "host" } : {}) }
  const problems = failed.map((f) => networkProblem(f.n, f.why))
  return { ...request, service: { ...svc, container }, ...(problems.length > 0 ? { problems: [...request.problems, ...problems] } : {}) }
}

/**
 * `--volumes-from src[:ro|:rw]` copies src's mounts, host binds included: add them to the request as binds
 * (read-write unless `:ro`) so the mount rules judge them. A source that cannot be looked up denies.
 */
const volumesFrom = async (request: DockerRequest, facts: FactsStore, daemon: DaemonClient | undefined): Promise<DockerRequest> => {
  const c = request.container
  if (c === undefined) return request
  const mounts = [...c.mounts]
  const problems = [...request.problems]
  for (const entry of c.volumesFrom) {
    const m = /^(.*?)(?::(ro|rw))?$/.exec(entry)
    const src = m?.[1] ?? entry
    let f: TargetFacts | undefined
    try {
      f = facts.get(src) ?? (daemon === undefined ? undefined : await daemon.inspect(src))
      if (f === undefined && daemon === undefined) throw new Error("daemon look-ups are disabled")
    } catch (e) {
      problems.push({ code: "target-unknown", message: `Sentinel could not learn which host paths container "${src}" mounts (${describe(e)}), and --volumes-from would copy them; check --docker-host / authz.docker_host` })
      continue
    }
    for (const source of f?.hostMounts ?? []) mounts.push({ type: "bind", source, target: `/volumes-from/${src}${source}`, readOnly: m?.[2] === "ro", origin: "bind-spec" })
  }
  return { ...request, container: { ...c, mounts }, problems }
}

/** Add target facts, network names and named-volume options; forget facts a request invalidates. Synchronous unless it must ask the daemon; never rejects. */
export const enrich = (request: DockerRequest, meta: DecodedRequest["meta"], policy: LoadedPolicy, facts: FactsStore, daemon: DaemonClient | undefined): DockerRequest | Promise<DockerRequest> => {
  if (TARGETED.has(request.action)) return targetFacts(request, meta, policy, facts, daemon)
  if (request.action === "container.start" && request.container !== undefined && request.target !== undefined) facts.forget(request.target)
  // removed or renamed: the name may soon belong to another container
  if (request.action === "container.lifecycle" && request.target !== undefined && (meta.method === "DELETE" || /\/rename$/.test(meta.path))) facts.forget(request.target)
  // the new name may still point at a learned container that is gone (--rm, prune): forget that alias too
  if (request.action === "container.lifecycle" && /\/rename$/.test(meta.path)) {
    const to = parseUri(meta.maskedUri)?.query.get("name") ?? ""
    if (to !== "") facts.forget(to)
  }
  if (request.action === "service.create" || request.action === "service.update") {
    return serviceNetworks(request, daemon).then((r) => resolveVolumes(r, facts, daemon))
  }
  if (request.action === "container.create" && (request.container?.volumesFrom.length ?? 0) > 0) {
    return volumesFrom(request, facts, daemon).then((r) => resolveVolumes(r, facts, daemon))
  }
  return resolveVolumes(request, facts, daemon)
}

/**
 * Facts the request body does not carry: what the target container of an exec/attach/cp
 * is (learned from its create, else inspected through the daemon), and the names of
 * service networks given only as IDs (`--network host` arrives as the host network's ID),
 * and the driver options of named volumes mounted by name (see volumes.ts).
 */
import type { LoadedPolicy } from "../../domain/policy.ts"
import type { DockerRequest } from "../../domain/request.ts"
import type { FactsStore } from "../../adapters/facts.ts"
import type { DaemonClient, DecodedRequest } from "./deps.ts"
import { resolveVolumes } from "./volumes.ts"

const TARGETED = new Set(["container.exec", "container.attach", "container.archive"])

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const targetFacts = async (request: DockerRequest, meta: DecodedRequest["meta"], policy: LoadedPolicy, facts: FactsStore, daemon: DaemonClient | undefined): Promise<DockerRequest> => {
  if (request.targetFacts !== undefined || request.target === undefined) return request
  if (policy.policy.rules?.api?.exec_into_privileged?.action === "allow") return request
  let target = request.target
  try {
    if (/^\/exec\//.test(meta.path)) {
      const container = facts.containerOfExec(target) ?? (daemon === undefined ? undefined : await daemon.execContainer(target))
      if (container === undefined) return request
      target = container
    }
    const known = facts.get(target)
    if (known !== undefined) return { ...request, targetFacts: known }
    if (daemon === undefined) return request
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

const serviceNetworks = async (request: DockerRequest, daemon: DaemonClient | undefined): Promise<DockerRequest> => {
  const svc = request.service
  if (svc === undefined || daemon === undefined || svc.container.networks.length === 0) return request
  const names = await Promise.all(
    svc.container.networks.map((n) => daemon.networkName(n).then((x) => x ?? n, () => n))
  )
  const container = { ...svc.container, networks: names, ...(names.includes("host") && svc.container.networkMode === undefined ? { networkMode: "host" } : {}) }
  return { ...request, service: { ...svc, container } }
}

/** Add target facts, network names and named-volume options; forget facts a request invalidates. Synchronous unless it must ask the daemon; never rejects. */
export const enrich = (request: DockerRequest, meta: DecodedRequest["meta"], policy: LoadedPolicy, facts: FactsStore, daemon: DaemonClient | undefined): DockerRequest | Promise<DockerRequest> => {
  if (TARGETED.has(request.action)) return targetFacts(request, meta, policy, facts, daemon)
  if (request.action === "container.start" && request.container !== undefined && request.target !== undefined) facts.forget(request.target)
  // removed or renamed: the name may soon belong to another container
  if (request.action === "container.lifecycle" && request.target !== undefined && (meta.method === "DELETE" || /\/rename$/.test(meta.path))) facts.forget(request.target)
  if (request.action === "service.create" || request.action === "service.update") {
    return serviceNetworks(request, daemon).then((r) => resolveVolumes(r, facts, daemon))
  }
  return resolveVolumes(request, facts, daemon)
}

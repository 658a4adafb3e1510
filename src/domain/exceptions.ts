/**
 * Exceptions: per-RuleAction `exceptions` (for the rule that RuleAction controls) and
 * top-level `exceptions[]` whose `rules` globs match the finding's rule id.
 *
 * An exception applies only if it names at least one fact the requester cannot forge —
 * `digests` (image content), `users` (daemon-authenticated identity), or `images` when
 * `settings.trust_image_tags` is true — and ALL criteria it names match. `names` and
 * `labels` are chosen by the requester, so they only narrow an exception.
 */
import type { Finding } from "./finding.ts"
import type { Exception, GlobalException, Policy, RuleAction } from "./policy.ts"
import type { DockerRequest } from "./request.ts"
import { globMatch, imageMatchesAny } from "./glob.ts"
import { requestImage } from "./rules/fields.ts"
import type { RuleContext } from "./rules/types.ts"

/** The RuleAction that controls a rule id, if the rule has one (its `exceptions` apply to it). */
export const ruleActionFor = (rule: string, policy: Policy): RuleAction | undefined => {
  const r = policy.rules
  if (r === undefined) return undefined
  const ns = r.host_namespaces
  const api = r.api
  switch (rule) {
    case "runtime.privileged":
      return r.privileged
    case "namespaces.host-network":
      return ns?.network
    case "namespaces.host-pid":
      return ns?.pid
    case "namespaces.host-ipc":
      return ns?.ipc
    case "namespaces.host-uts":
      return ns?.uts
    case "namespaces.host-userns":
      return ns?.userns
    case "namespaces.host-cgroupns":
      return ns?.cgroupns
    case "namespaces.container-join":
      return ns?.container_join
    case "mounts.docker-socket":
      return r.mounts?.docker_socket
    case "mounts.volumes-from":
      return r.mounts?.volumes_from
    case "api.plugin":
      return api?.plugins
    case "api.swarm":
      return api?.swarm
    case "api.secret":
      return api?.secrets
    case "api.buildkit":
      return api?.buildkit
    case "api.build-host-network":
      return api?.build_host_network
    case "api.image-import":
      return api?.image_import
    case "api.commit":
      return api?.commit
    case "api.exec-into-privileged":
      return api?.exec_into_privileged
    case "api.archive-upload":
      return api?.archive_upload
    case "api.network-driver":
      return api?.network_create
    default:
      return undefined
  }
}

const nonEmpty = (xs: ReadonlyArray<unknown> | undefined): boolean => xs !== undefined && xs.length > 0

/** Does the exception name a criterion the requester cannot forge? */
export const hasUnforgeableCriterion = (e: Exception | GlobalException, policy: Policy): boolean =>
  nonEmpty(e.digests) || nonEmpty(e.users) || (policy.settings?.trust_image_tags === true && nonEmpty(e.images))

const containerName = (r: DockerRequest): string | undefined =>
  r.container?.name ?? r.service?.name ?? r.service?.container.name ?? r.target

const containerLabels = (r: DockerRequest) => r.container?.labels ?? r.service?.container.labels

/** Do all criteria the exception names match this request? */
const allMatch = (e: Exception | GlobalException, r: DockerRequest, ctx: RuleContext): boolean => {
  const image = requestImage(r)
  if (nonEmpty(e.digests)) {
    const d = image?.digest?.toLowerCase()
    if (d === undefined || !(e.digests ?? []).some((x) => x.trim().toLowerCase() === d)) return false
  }
  if (nonEmpty(e.users)) {
    if (ctx.user === undefined || ctx.user === "" || !(e.users ?? []).includes(ctx.user)) return false
  }
  if (nonEmpty(e.images)) {
    if (image === undefined || imageMatchesAny(image, e.images ?? []) === undefined) return false
  }
  if (nonEmpty(e.names)) {
    const name = containerName(r)
    if (name === undefined || !(e.names ?? []).some((p) => globMatch(p, name.replace(/^\//, "")))) return false
  }
  if (e.labels !== undefined && Object.keys(e.labels).length > 0) {
    const labels = containerLabels(r)
    if (labels === undefined) return false
    for (const [k, v] of Object.entries(e.labels)) if (labels[k] !== v) return false
  }
  return true
}

const applies = (e: Exception | GlobalException, r: DockerRequest, policy: Policy, ctx: RuleContext): boolean =>
  hasUnforgeableCriterion(e, policy) && allMatch(e, r, ctx)

const reasonOf = (e: Exception | GlobalException): string =>
  e.reason !== undefined && e.reason.trim() !== "" ? e.reason : "exception"

/** The reason an exception suppresses this finding, or undefined if none applies. */
export const exceptionFor = (
  finding: Finding,
  request: DockerRequest,
  policy: Policy,
  ctx: RuleContext
): string | undefined => {
  const own = ruleActionFor(finding.rule, policy)?.exceptions ?? []
  for (const e of own) if (applies(e, request, policy, ctx)) return reasonOf(e)
  for (const e of policy.exceptions ?? []) {
    if (!e.rules.some((g) => globMatch(g.trim(), finding.rule))) continue
    if (applies(e, request, policy, ctx)) return reasonOf(e)
  }
  return undefined
}

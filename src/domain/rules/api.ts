/**
 * Engine API surfaces beyond container create (engine-api-threats.md §2.3): decoding
 * problems, unknown endpoints, exec/attach/cp into privileged targets, builds, BuildKit,
 * image import/load/tag/commit, plugins, services, swarm, secrets, networks, compose.
 */
import type { Finding, Level } from "../finding.ts"
import type { ActionKind, Policy, RuleAction } from "../policy.ts"
import type { ContainerSpec, DockerRequest, ImageRef, TargetFacts } from "../request.ts"
import { baseRequest, emptyContainer } from "../request.ts"
import { formatImageRef } from "../image-ref.ts"
import { imageMatchesAny } from "../glob.ts"
import { ALL_CAPS, BLOCKED_CAP, CAP_NOT_ALLOWED, capabilityRules } from "./capabilities.ts"
import { exposesDockerApi, mountRules } from "./mounts.ts"
import { HOST_NETWORK, namespaceRules } from "./namespaces.ts"
import type { RuleContext, RuleFamily } from "./types.ts"

interface Spec {
  readonly rule: string
  readonly level: Level
  readonly category: string
  readonly points: number
  readonly mitigation?: string
}

const make = (spec: Spec, kind: Finding["kind"], message: string, field?: string): Finding => {
  const f: { -readonly [K in keyof Finding]: Finding[K] } = {
    rule: spec.rule,
    level: spec.level,
    category: spec.category,
    points: spec.points,
    kind,
    message
  }
  if (spec.mitigation !== undefined) f.mitigation = spec.mitigation
  if (field !== undefined) f.field = field
  return f
}

/** A RuleAction-controlled rule: "" / missing → the rule's default; allow → nothing. */
const controlled = (
  out: Array<Finding>,
  spec: Spec,
  ra: RuleAction | ActionKind | undefined,
  dflt: ActionKind,
  message: string,
  field?: string
): void => {
  const ruleAction = typeof ra === "object" ? ra : undefined
  const raw = typeof ra === "string" ? ra : ra?.action
  const action: ActionKind = raw === undefined || raw === "" ? dflt : raw
  if (action === "allow") return
  const msg = ruleAction?.message !== undefined && ruleAction.message !== "" ? ruleAction.message : message
  out.push(make(spec, action === "block" ? "violation" : "warning", msg, field))
}

const S = {
  unknown: { rule: "api.unknown-endpoint", level: "critical", category: "api_bypass", points: 50, mitigation: "Use a Docker API endpoint Sentinel knows, or set rules.api.unknown_endpoints: allow if you accept the risk." },
  execPriv: { rule: "api.exec-into-privileged", level: "critical", category: "container_escape", points: 40, mitigation: "Do not exec/attach/copy into privileged or host-mounted containers; recreate the container without host access." },
  archive: { rule: "api.archive-upload", level: "medium", category: "data_exposure", points: 15 },
  buildNet: { rule: "api.build-host-network", level: "high", category: "network_exposure", points: 25, mitigation: "Build without --network host." },
  buildkit: { rule: "api.buildkit", level: "high", category: "api_bypass", points: 20, mitigation: "BuildKit gRPC calls bypass authorization; use the classic builder (DOCKER_BUILDKIT=0) or a trusted build host." },
  imageImport: { rule: "api.image-import", level: "medium", category: "supply_chain", points: 15, mitigation: "Pull images from an allowed registry instead of importing/loading tarballs." },
  protected: { rule: "api.protected-image", level: "high", category: "supply_chain", points: 30, mitigation: "Use a different image name; protected names may only be written by administrators." },
  commit: { rule: "api.commit", level: "medium", category: "supply_chain", points: 15 },
  plugin: { rule: "api.plugin", level: "critical", category: "container_escape", points: 40, mitigation: "Managed plugins run as root with the privileges granted; install plugins as an administrator only." },
  svcPlugin: { rule: "api.service-plugin-runtime", level: "critical", category: "container_escape", points: 40, mitigation: "Use a container task runtime for services." },
  swarm: { rule: "api.swarm", level: "critical", category: "container_escape", points: 40, mitigation: "Swarm membership lets another manager schedule tasks here; change swarm state as an administrator only." },
  secret: { rule: "api.secret", level: "low", category: "secret_exposure", points: 5 },
  netDriver: { rule: "api.network-driver", level: "medium", category: "network_exposure", points: 15, mitigation: "Use the bridge or overlay driver, or add the driver to rules.network.allowed_drivers." },
  compose: { rule: "cli.not-evaluable", level: "high", category: "misconfiguration", points: 25, mitigation: "Run compose against a daemon protected by the Sentinel AuthZ plugin, which sees every container compose creates." }
} satisfies Record<string, Spec>

const problems = (r: DockerRequest, out: Array<Finding>): void => {
  for (const p of r.problems) {
    out.push(make({ rule: `api.${p.code}`, level: "critical", category: "api_bypass", points: 50 }, "violation", p.message))
  }
}

/** The request a create of a container with just these settings would be (to judge a target by the policy's own rules). */
const probe = (patch: Partial<ContainerSpec>): DockerRequest => ({
  ...baseRequest("container.create", "target facts"),
  container: { ...emptyContainer(), ...patch }
})
const refuses = (findings: ReadonlyArray<Finding>, rules: ReadonlyArray<string>): boolean =>
  findings.some((f) => f.kind === "violation" && rules.includes(f.rule))
const CAP_RULES = [BLOCKED_CAP.rule, ALL_CAPS.rule, CAP_NOT_ALLOWED.rule]

/**
 * Why exec/attach/cp into the target is an escalation: it is privileged or shares the host PID
 * namespace, or it has something this policy refuses to give a new container — a host mount
 * (judged read-write, as facts do not record read-only; the host root and the Docker API are
 * always counted), an added capability, or the host network. Whatever the policy would let the
 * caller create anyway (e.g. a bind of a project directory) is no escalation, so a `docker run`
 * that validate allows is not refused at its attach.
 */
const targetRisks = (t: TargetFacts, p: Policy, ctx: RuleContext): Array<string> => {
  const why: Array<string> = []
  if (t.privileged) why.push("is privileged")
  const mounts = t.hostMounts.filter((source) =>
    source === "/" || exposesDockerApi(source) !== undefined ||
    mountRules(probe({ mounts: [{ type: "bind", source, target: "/target", readOnly: false, origin: "bind-spec" }] }), p, ctx).some((f) => f.kind === "violation"))
  if (mounts.length > 0) why.push(`mounts host paths (${mounts.join(", ")})`)
  const caps = t.capAdd.filter((cap) => refuses(capabilityRules(probe({ capAdd: [cap] }), p, ctx), CAP_RULES))
  if (caps.length > 0) why.push(`has added capabilities (${caps.join(", ")})`)
  if (t.pidHost) why.push("shares the host PID namespace")
  if (t.networkHost && refuses(namespaceRules(probe({ networkMode: "host" }), p, ctx), [HOST_NETWORK.rule])) why.push("shares the host network")
  return why
}

const execIntoPrivileged = (r: DockerRequest, p: Policy, ctx: RuleContext, out: Array<Finding>): void => {
  const t = r.targetFacts
  if (t === undefined) return
  const why = targetRisks(t, p, ctx)
  if (why.length === 0) return
  const verb = r.action === "container.archive" ? "Copying files into" : r.action === "container.attach" ? "Attaching to" : "Exec into"
  const name = r.target ?? t.id
  controlled(out, S.execPriv, p.rules?.api?.exec_into_privileged, "block",
    `${verb} container ${name}, which ${why.join(" and ")}, gives host access`, "targetFacts")
}

const destinations = (r: DockerRequest): ReadonlyArray<ImageRef> =>
  r.action === "image.build" ? [...(r.build?.tags ?? []), ...r.destinations] : r.destinations

const protectedImages = (r: DockerRequest, p: Policy, out: Array<Finding>): void => {
  const patterns = p.rules?.images?.protected_images
  if (patterns === undefined || patterns.length === 0) return
  for (const ref of destinations(r)) {
    const hit = imageMatchesAny(ref, patterns)
    if (hit !== undefined) {
      out.push(make(S.protected, "violation",
        `Writing image name ${formatImageRef(ref)} is not allowed: it is protected (${hit})`, "destinations"))
    }
  }
}

const privilegesText = (privs: ReadonlyArray<{ readonly name: string; readonly value: ReadonlyArray<string> }>) =>
  privs.length === 0 ? "no privileges listed" : privs.map((x) => `${x.name}=${x.value.join(",")}`).join("; ")

const RISKY_DRIVERS = new Set(["macvlan", "ipvlan"])

const networkDriver = (r: DockerRequest, p: Policy, out: Array<Finding>): void => {
  const driver = r.network?.driver !== undefined && r.network.driver !== "" ? r.network.driver : "bridge"
  const allowed = p.rules?.network?.allowed_drivers
  let message: string | undefined
  if (allowed !== undefined && allowed.length > 0) {
    if (!allowed.includes(driver)) message = `Network driver ${driver} is not allowed (allowed: ${allowed.join(", ")})`
  } else if (RISKY_DRIVERS.has(driver)) {
    message = `Network driver ${driver} attaches containers to the host's network segment, bypassing host firewalling`
  }
  if (message !== undefined) controlled(out, S.netDriver, p.rules?.api?.network_create, "warn", message, "network.driver")
}

/** Every `api.*` rule and `cli.not-evaluable`, for the request's action. */
export const apiRules: RuleFamily = (r, p, ctx) => {
  const out: Array<Finding> = []
  problems(r, out)
  const api = p.rules?.api
  switch (r.action) {
    case "unknown":
      controlled(out, S.unknown, api?.unknown_endpoints, "block",
        `Unknown Docker API endpoint or command: ${r.operation}; Sentinel cannot tell what it does`)
      break
    case "compose":
      out.push(make(S.compose, "violation",
        `docker compose cannot be evaluated from the command line (${r.operation}): the containers it creates are not visible to sentinel exec/validate`))
      break
    case "container.exec":
    case "container.attach":
      execIntoPrivileged(r, p, ctx, out)
      break
    case "container.archive":
      execIntoPrivileged(r, p, ctx, out)
      controlled(out, S.archive, api?.archive_upload, "allow",
        `Copying files into container ${r.target ?? "(unknown)"} (docker cp); the tar body is not visible to Sentinel`)
      break
    case "image.build":
      if (r.build?.networkMode === "host") {
        controlled(out, S.buildNet, api?.build_host_network, "block", "Build with host network bypasses network isolation", "build.networkMode")
      } else if (r.build?.networkMode?.toLowerCase().startsWith("container:") === true) {
        // the joined container may itself be on the host network; a build cannot be checked further
        controlled(out, S.buildNet, api?.build_host_network, "block",
          `Build joins the network namespace of ${r.build.networkMode.slice("container:".length)}, which may be the host's`, "build.networkMode")
      }
      protectedImages(r, p, out)
      break
    case "buildkit":
      controlled(out, S.buildkit, api?.buildkit, "warn",
        `BuildKit session/gRPC (${r.operation}): build steps run outside Docker API authorization`)
      break
    case "image.import":
    case "image.load":
      controlled(out, S.imageImport, api?.image_import, "warn",
        `${r.action === "image.load" ? "Loading" : "Importing"} an image from a tarball bypasses registry rules`)
      protectedImages(r, p, out)
      break
    case "image.tag":
      protectedImages(r, p, out)
      break
    case "container.commit":
      if (r.changes.length > 0) {
        const instr = [...new Set(r.changes.map((c) => (c.trim().split(/\s+/)[0] ?? "").toUpperCase()))]
        controlled(out, S.commit, api?.commit, "warn",
          `Commit rewrites image configuration (${instr.join(", ")})`, "changes")
      }
      protectedImages(r, p, out)
      break
    case "plugin.install":
    case "plugin.configure": {
      const pl = r.plugin
      const what = pl?.remote ?? pl?.name ?? "(unnamed)"
      controlled(out, S.plugin, api?.plugins, "block",
        `Plugin ${pl?.op ?? r.action} ${what}: managed plugins run as root with the privileges granted (${privilegesText(pl?.privileges ?? [])})`, "plugin")
      break
    }
    case "service.create":
    case "service.update":
      if (r.service?.taskRuntime === "plugin") {
        out.push(make(S.svcPlugin, "violation",
          `Service ${r.service.name ?? r.target ?? "(unnamed)"} uses the plugin task runtime, which installs a managed plugin on every node (${privilegesText(r.service.pluginPrivileges)})`, "service.taskRuntime"))
      }
      break
    case "swarm.init":
    case "swarm.join":
    case "swarm.manage":
      controlled(out, S.swarm, api?.swarm, "block", `Swarm operation ${r.operation} changes which managers can run tasks on this host`)
      break
    case "secret.create":
      controlled(out, S.secret, api?.secrets, "allow", `Creating a swarm secret/config (${r.operation})`)
      break
    case "network.create":
      networkDriver(r, p, out)
      break
    default:
      break
  }
  return out
}

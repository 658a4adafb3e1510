import { describe, expect, it } from "vitest"
import { baseRequest, emptyContainer } from "../../src/domain/request.ts"
import type { Action, DockerRequest } from "../../src/domain/request.ts"
import type { Policy } from "../../src/domain/policy.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import { apiRules } from "../../src/domain/rules/api.ts"

const P: Policy = { name: "t" }
const withApi = (api: NonNullable<NonNullable<Policy["rules"]>["api"]>): Policy => ({ name: "t", rules: { api } })
const req = (action: Action, patch: Partial<DockerRequest> = {}): DockerRequest => ({ ...baseRequest(action, action), ...patch })
const run = (r: DockerRequest, p: Policy = P) => apiRules(r, p, {})
const kinds = (r: DockerRequest, p: Policy = P) => run(r, p).map((f) => `${f.rule}:${f.kind}`)

const facts = { id: "abc", privileged: false, hostMounts: [] as Array<string>, capAdd: [], pidHost: false, networkHost: false }

describe("api.<code> problems", () => {
  it("every problem becomes a critical api_bypass violation of 50 points, on any action", () => {
    const r = req("read", { problems: [{ code: "missing-body", message: "no body" }, { code: "ambiguous-json", message: "dup key" }] })
    expect(run(r)).toEqual([
      { rule: "api.missing-body", level: "critical", category: "api_bypass", points: 50, kind: "violation", message: "no body" },
      { rule: "api.ambiguous-json", level: "critical", category: "api_bypass", points: 50, kind: "violation", message: "dup key" }
    ])
  })
  it("no problems, read action → nothing", () => {
    expect(run(req("read"))).toEqual([])
    expect(run(req("other"))).toEqual([])
    expect(run(req("auth"))).toEqual([])
  })
})

describe("RuleAction-controlled api rules: default, block, warn, allow, message", () => {
  type Case = [string, DockerRequest, keyof NonNullable<NonNullable<Policy["rules"]>["api"]>, string, "violation" | "warning" | "none"]
  const cases: Array<Case> = [
    ["unknown endpoint", req("unknown", { operation: "POST /frobnicate" }), "unknown_endpoints", "api.unknown-endpoint", "violation"],
    ["exec into privileged", req("container.exec", { target: "web", targetFacts: { ...facts, privileged: true } }), "exec_into_privileged", "api.exec-into-privileged", "violation"],
    ["archive upload", req("container.archive", { target: "web" }), "archive_upload", "api.archive-upload", "none"],
    ["build host network", req("image.build", { build: { tags: [], networkMode: "host", buildArgs: [], securityOpts: [], extraHosts: [] } }), "build_host_network", "api.build-host-network", "violation"],
    ["buildkit", req("buildkit", { operation: "POST /session" }), "buildkit", "api.buildkit", "warning"],
    ["image import", req("image.import"), "image_import", "api.image-import", "warning"],
    ["image load", req("image.load"), "image_import", "api.image-import", "warning"],
    ["commit with changes", req("container.commit", { changes: ["USER root", "CMD [\"sh\"]"] }), "commit", "api.commit", "warning"],
    ["plugin install", req("plugin.install", { plugin: { op: "pull", remote: "evil/plugin", privileges: [{ name: "mount", value: ["/"] }] } }), "plugins", "api.plugin", "violation"],
    ["plugin configure", req("plugin.configure", { plugin: { op: "disable", name: "sentinel", privileges: [] } }), "plugins", "api.plugin", "violation"],
    ["swarm init", req("swarm.init"), "swarm", "api.swarm", "violation"],
    ["swarm join", req("swarm.join"), "swarm", "api.swarm", "violation"],
    ["swarm manage", req("swarm.manage"), "swarm", "api.swarm", "violation"],
    ["secret create", req("secret.create"), "secrets", "api.secret", "none"],
    ["macvlan network", req("network.create", { network: { driver: "macvlan", options: {} } }), "network_create", "api.network-driver", "warning"]
  ]
  it.each(cases)("%s: default", (_n, r, _k, rule, dflt) => {
    expect(kinds(r)).toEqual(dflt === "none" ? [] : [`${rule}:${dflt}`])
  })
  it.each(cases)("%s: block/warn/allow/message", (_n, r, key, rule) => {
    const ra = (action: "block" | "warn" | "allow") => (key === "unknown_endpoints" ? action : { action, message: "custom msg" })
    expect(kinds(r, withApi({ [key]: ra("block") }))).toEqual([`${rule}:violation`])
    expect(kinds(r, withApi({ [key]: ra("warn") }))).toEqual([`${rule}:warning`])
    expect(kinds(r, withApi({ [key]: ra("allow") }))).toEqual([])
    if (key !== "unknown_endpoints") expect(run(r, withApi({ [key]: ra("block") }))[0]?.message).toBe("custom msg")
  })
  it("empty action string means the default", () => {
    expect(kinds(req("swarm.init"), withApi({ swarm: { action: "" } }))).toEqual(["api.swarm:violation"])
  })
})

describe("specific triggers", () => {
  it("exec/attach/archive into a privileged, host-mounted or host-pid target; not into a plain one", () => {
    for (const action of ["container.exec", "container.attach", "container.archive"] as const) {
      for (const tf of [{ privileged: true }, { hostMounts: ["/"] }, { pidHost: true }]) {
        const out = run(req(action, { target: "web", targetFacts: { ...facts, ...tf } }))
        expect(out.map((f) => f.rule)).toContain("api.exec-into-privileged")
      }
      expect(run(req(action, { target: "web", targetFacts: facts })).map((f) => f.rule)).not.toContain("api.exec-into-privileged")
      expect(run(req(action, { target: "web" })).map((f) => f.rule)).not.toContain("api.exec-into-privileged")
    }
    const [f] = run(req("container.exec", { target: "web", targetFacts: { ...facts, privileged: true, hostMounts: ["/etc"] } }))
    expect(f).toMatchObject({ level: "critical", category: "container_escape", points: 40 })
    expect(f?.message).toMatch(/web.*privileged.*\/etc/)
  })

  it("build without host network and commit without changes do not fire", () => {
    expect(run(req("image.build", { build: { tags: [], networkMode: "bridge", buildArgs: [], securityOpts: [], extraHosts: [] } }))).toEqual([])
    expect(run(req("container.commit"))).toEqual([])
  })

  it("commit message lists the instructions", () => {
    const [f] = run(req("container.commit", { changes: ["USER root", "ENTRYPOINT /bin/sh", "user 0"] }))
    expect(f?.message).toMatch(/USER, ENTRYPOINT/)
    expect(f).toMatchObject({ level: "medium", category: "supply_chain", points: 15 })
  })

  it("plugin message lists requested privileges", () => {
    const [f] = run(req("plugin.install", { plugin: { op: "pull", remote: "evil/p", privileges: [{ name: "mount", value: ["/"] }, { name: "capabilities", value: ["CAP_SYS_ADMIN"] }] } }))
    expect(f?.message).toMatch(/evil\/p/)
    expect(f?.message).toMatch(/mount=\/; capabilities=CAP_SYS_ADMIN/)
  })

  it("service with plugin task runtime is always a violation", () => {
    const svc = (taskRuntime?: string): DockerRequest =>
      req("service.create", { service: { name: "s", container: emptyContainer(), hostModePorts: [], pluginPrivileges: [], ...(taskRuntime !== undefined ? { taskRuntime } : {}) } })
    expect(kinds(svc("plugin"))).toEqual(["api.service-plugin-runtime:violation"])
    expect(kinds(svc("container"))).toEqual([])
    expect(kinds(svc())).toEqual([])
  })

  it("network driver: macvlan/ipvlan warn by default; allowed_drivers restricts; bridge fine", () => {
    const net = (driver?: string) => req("network.create", { network: { options: {}, ...(driver !== undefined ? { driver } : {}) } })
    expect(kinds(net("ipvlan"))).toEqual(["api.network-driver:warning"])
    expect(kinds(net("bridge"))).toEqual([])
    expect(kinds(net())).toEqual([])
    const p: Policy = { name: "t", rules: { network: { allowed_drivers: ["bridge"] } } }
    expect(kinds(net("overlay"), p)).toEqual(["api.network-driver:warning"])
    expect(kinds(net(), p)).toEqual([])
    expect(kinds(net("macvlan"), { name: "t", rules: { network: { allowed_drivers: ["macvlan"] } } })).toEqual([])
  })

  it("compose is never evaluable from the CLI", () => {
    expect(run(req("compose", { operation: "compose up" }))).toEqual([
      expect.objectContaining({ rule: "cli.not-evaluable", kind: "violation", level: "high", category: "misconfiguration", points: 25 })
    ])
  })
})

describe("api.protected-image", () => {
  const p: Policy = { name: "t", rules: { images: { protected_images: ["nginx", "myorg/*", "ghcr.io/org/base:*"] } } }
  const dest = (action: Action, ref: string): DockerRequest =>
    action === "image.build"
      ? req(action, { build: { tags: [parseImageRef(ref)], buildArgs: [], securityOpts: [], extraHosts: [] } })
      : req(action, { destinations: [parseImageRef(ref)] })
  it.each(["image.tag", "image.import", "image.load", "container.commit", "image.build"] as const)("%s into a protected name", (action) => {
    expect(run(dest(action, "nginx:latest"), p).map((f) => f.rule)).toContain("api.protected-image")
    expect(run(dest(action, "docker.io/library/nginx"), p).map((f) => f.rule)).toContain("api.protected-image")
    expect(run(dest(action, "myorg/app:1"), p).map((f) => f.rule)).toContain("api.protected-image")
    expect(run(dest(action, "ghcr.io/org/base:2"), p).map((f) => f.rule)).toContain("api.protected-image")
    expect(run(dest(action, "mine/app:1"), p).map((f) => f.rule)).not.toContain("api.protected-image")
  })
  it("is a high supply_chain violation of 30 points; no list → nothing", () => {
    const [f] = run(dest("image.tag", "nginx:1"), p)
    expect(f).toMatchObject({ level: "high", category: "supply_chain", points: 30, kind: "violation" })
    expect(run(dest("image.tag", "nginx:1"))).toEqual([])
  })
  it("push and pull are not destinations", () => {
    expect(run(dest("image.push", "nginx:1"), p)).toEqual([])
  })
})

import { describe, expect, it } from "vitest"
import { baseRequest, emptyContainer } from "../../src/domain/request.ts"
import type { DockerRequest } from "../../src/domain/request.ts"
import type { Condition } from "../../src/domain/policy.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import { applyOperator, evalCondition, goString } from "../../src/domain/rules/condition.ts"
import { checkField, readField } from "../../src/domain/rules/fields.ts"

const create = (patch: Partial<ReturnType<typeof emptyContainer>> = {}): DockerRequest => {
  const container = { ...emptyContainer(), image: parseImageRef("nginx:1.25"), ...patch }
  return { ...baseRequest("container.create", "run"), container }
}

describe("seed aliases", () => {
  const r = create({
    privileged: true,
    user: "root",
    networkMode: "host",
    pidMode: "host",
    ipcMode: "shareable",
    utsMode: "host",
    name: "web",
    image: parseImageRef("ghcr.io/org/app")
  })
  it.each([
    ["privileged", true],
    ["image", "ghcr.io/org/app"],
    ["user", "root"],
    ["network_mode", "host"],
    ["pid_mode", "host"],
    ["ipc_mode", "shareable"],
    ["uts_mode", "host"],
    ["container_name", "web"],
    ["action", "container.create"],
    ["registry", "ghcr.io"],
    ["tag", "latest"]
  ] as const)("%s", (field, expected) => {
    expect(readField(r, field)).toEqual(expected)
  })

  it("empty request: string aliases are empty, privileged false", () => {
    const r0 = baseRequest("image.pull", "pull")
    expect(readField(r0, "image")).toBe("")
    expect(readField(r0, "user")).toBe("")
    expect(readField(r0, "privileged")).toBe(false)
  })

  it("exec: user, privileged and container_name come from the exec", () => {
    const r1: DockerRequest = {
      ...baseRequest("container.exec", "exec"),
      target: "db",
      exec: { target: "db", privileged: true, user: "0", env: [], cmd: ["sh"], tty: false, interactive: false }
    }
    expect(readField(r1, "user")).toBe("0")
    expect(readField(r1, "privileged")).toBe(true)
    expect(readField(r1, "container_name")).toBe("db")
  })

  it("service: container.* reads the service's container spec", () => {
    const svc: DockerRequest = {
      ...baseRequest("service.create", "POST /services/create"),
      service: { container: { ...emptyContainer(), privileged: true }, hostModePorts: [], pluginPrivileges: [] }
    }
    expect(readField(svc, "container.privileged")).toBe(true)
    expect(readField(svc, "privileged")).toBe(true)
  })
})

describe("dotted paths", () => {
  const r = create({
    capAdd: ["NET_ADMIN", "SYS_TIME"],
    mounts: [
      { type: "bind", source: "/etc", target: "/x", readOnly: true, origin: "bind-spec" },
      { type: "volume", source: "data", target: "/d", readOnly: false, origin: "mount" }
    ],
    labels: { team: "a" },
    sysctls: { "net.ipv4.ip_forward": "1" },
    resources: { memory: 1024 }
  })
  it.each([
    ["container.capAdd", ["NET_ADMIN", "SYS_TIME"]],
    ["container.mounts.source", ["/etc", "data"]],
    ["container.mounts.0.source", "/etc"],
    ["container.labels.team", "a"],
    ["container.sysctls.net.ipv4.ip_forward", "1"],
    ["container.resources.memory", 1024],
    ["image.registry", "docker.io"],
    ["image.tag", "1.25"],
    ["container.image.registry", "docker.io"],
    ["exec.user", undefined]
  ] as const)("%s", (field, expected) => {
    expect(readField(r, field)).toEqual(expected)
  })

  it.each(["container.privileged", "image.registry", "exec.user", "container.mounts.source", "container.labels.anything",
    "container.mounts.0.readOnly", "targetFacts.hostMounts", "details.x", "privileged", "tag"])("valid field %s", (f) => {
    expect(checkField(f).ok).toBe(true)
  })

  it("unknown fields say where the path breaks and what exists there", () => {
    const c = checkField("container.privilegd")
    expect(c.ok).toBe(false)
    if (!c.ok) {
      expect(c.at).toBe("container")
      expect(c.available).toContain("privileged")
    }
    const top = checkField("nope")
    expect(top.ok).toBe(false)
    if (!top.ok) expect(top.available).toEqual(expect.arrayContaining(["image", "network_mode", "container"]))
    expect(checkField("container.privileged.x").ok).toBe(false)
  })
})

describe("operators (scalars use Go %v strings)", () => {
  it.each([
    ["equals", "root", "root", true],
    ["equals", true, "true", true],
    ["equals", 5, 5, true],
    ["equals", "root", "0", false],
    ["not_equals", "root", "0", true],
    ["not_equals", "root", "root", false],
    ["contains", "my-debug-image", "debug", true],
    ["contains", "app", "debug", false],
    ["not_contains", "app", "debug", true],
    ["not_contains", "my-debug", "debug", false],
    ["matches", "org/app-debug:1", ".*(debug|dev-build).*", true],
    ["matches", "org/app:1", "debug", false],
    ["matches", "org/App", "(?i)app", true],
    ["matches", "anything", "([", false],
    ["exists", "x", undefined, true],
    ["exists", "", undefined, false],
    ["exists", undefined, undefined, false],
    ["exists", false, undefined, true],
    ["in", "host", ["host", "container"], true],
    ["in", "bridge", ["host"], false],
    ["in", "host", "host", true],
    ["not_in", "bridge", ["host"], true],
    ["not_in", "host", ["host"], false],
    ["gt", 2048, 1024, true],
    ["gt", 1024, 1024, false],
    ["gt", "abc", 1, false],
    ["gte", 1024, "1024", true],
    ["lt", 1, 2, true],
    ["lt", 3, 2, false],
    ["lte", 2, 2, true],
    ["lte", 3, 2, false],
    ["starts_with", "/proc/self", "/proc", true],
    ["starts_with", "/tmp", "/proc", false],
    ["ends_with", "image:latest", ":latest", true],
    ["ends_with", "image:1", ":latest", false]
  ] as const)("%s(%j, %j) = %s", (op, field, value, expected) => {
    expect(applyOperator(op, field, value)).toBe(expected)
  })

  it.each([
    ["contains", ["SYS_ADMIN", "NET_RAW"], "SYS_ADMIN", true],
    ["contains", ["NET_RAW"], "SYS_ADMIN", false],
    ["equals", ["NET_RAW"], "NET_RAW", true],
    ["not_contains", ["NET_RAW"], "SYS_ADMIN", true],
    ["not_contains", ["SYS_ADMIN"], "SYS_ADMIN", false],
    ["not_equals", ["SYS_ADMIN"], "SYS_ADMIN", false],
    ["in", ["SYS_ADMIN"], ["SYS_ADMIN", "BPF"], true],
    ["in", [], ["SYS_ADMIN"], false],
    ["not_in", ["NET_BIND_SERVICE", "SYS_ADMIN"], ["NET_BIND_SERVICE"], true],
    ["not_in", ["NET_BIND_SERVICE"], ["NET_BIND_SERVICE"], false],
    ["not_in", [], ["NET_BIND_SERVICE"], false],
    ["starts_with", ["/etc", "/proc/1"], "/proc", true],
    ["matches", ["a", "b"], "^c$", false],
    ["exists", [], undefined, false],
    ["exists", ["x"], undefined, true],
    ["contains", { team: "a" }, "team", true],
    ["exists", {}, undefined, false]
  ] as const)("list/record field %s(%j, %j) = %s", (op, field, value, expected) => {
    expect(applyOperator(op, field, value)).toBe(expected)
  })

  it("goString renders like Go %v", () => {
    expect(goString(true)).toBe("true")
    expect(goString(1.5)).toBe("1.5")
    expect(goString(undefined)).toBe("")
    expect(goString(["a", "b"])).toBe("[a b]")
  })
})

describe("condition trees", () => {
  const r = create({ privileged: true, user: "root" })
  const t = (field: string, value: unknown): Condition => ({ field, operator: "equals", value })
  it.each<[string, Condition, boolean]>([
    ["leaf true", t("user", "root"), true],
    ["leaf false", t("user", "app"), false],
    ["and all true", { and: [t("user", "root"), t("privileged", true)] }, true],
    ["and one false", { and: [t("user", "root"), t("privileged", false)] }, false],
    ["or one true", { or: [t("user", "app"), t("privileged", true)] }, true],
    ["or none true", { or: [t("user", "app"), t("privileged", false)] }, false],
    ["and wins over or", { and: [t("user", "app")], or: [t("user", "root")] }, false],
    ["or wins over field", { or: [t("user", "app")], field: "user", operator: "equals", value: "root" }, false],
    ["empty and falls through to or", { and: [], or: [t("user", "root")] }, true],
    ["nested", { and: [{ or: [t("user", "x"), t("user", "root")] }, { and: [t("privileged", true)] }] }, true],
    ["unknown operator is false", { field: "user", operator: "like", value: "root" }, false],
    ["operator case-insensitive", { field: "user", operator: "EQUALS", value: "root" }, true],
    ["no field is false", { operator: "exists" }, false],
    ["unknown field reads as empty", { field: "nope", operator: "equals", value: "" }, true]
  ])("%s", (_n, c, expected) => {
    expect(evalCondition(c, r)).toBe(expected)
  })
})

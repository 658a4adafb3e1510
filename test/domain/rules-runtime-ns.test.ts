import { describe, expect, it } from "vitest"
import { runtimeRules } from "../../src/domain/rules/runtime.ts"
import { namespaceRules } from "../../src/domain/rules/namespaces.ts"
import { capabilityRules } from "../../src/domain/rules/capabilities.ts"
import { emptyContainer } from "../../src/domain/request.ts"
import { apply, pol, req, run, type Row } from "./rules-fixtures.ts"

const exec = (privileged: boolean) =>
  req("container.exec", { exec: { target: "web", privileged, env: [], cmd: ["sh"], tty: false, interactive: false } })

describe("runtime.privileged", () => {
  const rows: ReadonlyArray<Row> = [
    ["not privileged", pol(), run(), []],
    ["missing rules.privileged blocks (seed: empty action = block)", pol(), run({ privileged: true }), ["runtime.privileged:V"]],
    ["empty action blocks", pol({ privileged: { action: "" } }), run({ privileged: true }), ["runtime.privileged:V"]],
    ["warn", pol({ privileged: { action: "warn" } }), run({ privileged: true }), ["runtime.privileged:W"]],
    ["allow disables", pol({ privileged: { action: "allow" } }), run({ privileged: true }), []],
    ["exec --privileged", pol(), exec(true), ["runtime.privileged:V"]],
    ["exec plain", pol(), exec(false), []],
    ["service task", pol(), req("service.create", { service: { container: { ...emptyContainer(), privileged: true }, hostModePorts: [], pluginPrivileges: [] } }), ["runtime.privileged:V"]],
    ["pull is not container-ish", pol(), req("image.pull"), []]
  ]
  it.each(rows)("%s", (...row) => expect(apply(runtimeRules, row)).toEqual(row[3]))

  it("uses the seed message and mitigation, and the policy message for V and W", () => {
    const [v] = runtimeRules(run({ privileged: true }), pol(), {})
    expect(v).toMatchObject({ level: "critical", category: "container_escape", points: 40, message: "Privileged mode grants full host capabilities",
      mitigation: "Remove --privileged flag. Use specific capabilities with --cap-add instead." })
    const [w] = runtimeRules(run({ privileged: true }), pol({ privileged: { action: "warn", message: "nope" } }), {})
    expect(w?.message).toBe("nope")
    expect(w?.mitigation).toBeUndefined()
  })
})

describe("namespaces", () => {
  const all = { network: { action: "block" as const }, pid: { action: "block" as const }, ipc: { action: "warn" as const }, uts: { action: "block" as const } }
  const rows: ReadonlyArray<Row> = [
    ["seed namespaces do nothing without an action", pol(), run({ networkMode: "host", pidMode: "host", ipcMode: "host", utsMode: "host" }), []],
    ["host net/pid/ipc/uts", pol({ host_namespaces: all }), run({ networkMode: "host", pidMode: "host", ipcMode: "host", utsMode: "host" }),
      ["namespaces.host-network:V", "namespaces.host-pid:V", "namespaces.host-ipc:W", "namespaces.host-uts:V"]],
    ["bridge is fine", pol({ host_namespaces: all }), run({ networkMode: "bridge", pidMode: "", ipcMode: "private" }), []],
    ["service network named host", pol({ host_namespaces: all }),
      req("service.create", { service: { container: { ...emptyContainer(), networks: ["host"] }, hostModePorts: [], pluginPrivileges: [] } }),
      ["namespaces.host-network:V"]],
    ["userns host blocks by default", pol(), run({ usernsMode: "host" }), ["namespaces.host-userns:V"]],
    ["userns allow", pol({ host_namespaces: { userns: { action: "allow" } } }), run({ usernsMode: "host" }), []],
    ["cgroupns host warns by default", pol(), run({ cgroupnsMode: "host" }), ["namespaces.host-cgroupns:W"]],
    ["cgroupns private", pol(), run({ cgroupnsMode: "private" }), []],
    ["container joins warn by default, one per namespace", pol(), run({ networkMode: "container:db", pidMode: "container:db", ipcMode: "container:db" }),
      ["namespaces.container-join:W", "namespaces.container-join:W", "namespaces.container-join:W"]],
    ["container join block", pol({ host_namespaces: { container_join: { action: "block" } } }), run({ pidMode: "container:x" }), ["namespaces.container-join:V"]],
    ["ipc shareable is not a join", pol(), run({ ipcMode: "shareable" }), []]
  ]
  it.each(rows)("%s", (...row) => expect(apply(namespaceRules, row)).toEqual(row[3]))

  it("keeps seed points and message overrides", () => {
    const fs = namespaceRules(run({ networkMode: "host", pidMode: "host", ipcMode: "host", utsMode: "host" }),
      pol({ host_namespaces: { ...all, network: { action: "block", message: "no host net" } } }), {})
    expect(fs.map((f) => [f.points, f.level, f.category])).toEqual([
      [25, "high", "network_exposure"], [40, "critical", "container_escape"], [25, "high", "container_escape"], [10, "medium", "misconfiguration"]
    ])
    expect(fs[0]?.message).toBe("no host net")
    expect(fs[1]?.message).toBe("Host PID namespace allows access to all host processes")
  })
})

describe("capabilities", () => {
  const blocked = { capabilities: { blocked: [{ name: "SYS_ADMIN" }, { name: "cap_net_admin", message: "no net admin" }] } }
  const rows: ReadonlyArray<Row> = [
    ["no caps", pol(blocked), run(), []],
    ["blocked cap", pol(blocked), run({ capAdd: ["SYS_ADMIN"] }), ["capabilities.blocked:V"]],
    ["CAP_ prefix and case are normalized on both sides", pol(blocked), run({ capAdd: ["cap_sys_admin", "net_admin"] }),
      ["capabilities.blocked:V", "capabilities.blocked:V"]],
    ["comma list is split", pol(blocked), run({ capAdd: ["CHOWN,SYS_ADMIN"] }), ["capabilities.blocked:V"]],
    ["harmless cap", pol(blocked), run({ capAdd: ["NET_BIND_SERVICE"] }), []],
    ["ALL entry matches every cap", pol({ capabilities: { blocked: [{ name: "ALL" }] } }), run({ capAdd: ["CHOWN", "KILL"] }),
      ["capabilities.blocked:V", "capabilities.blocked:V"]],
    ["entry action warn", pol({ capabilities: { blocked: [{ name: "SYS_PTRACE", action: "warn" }] } }), run({ capAdd: ["SYS_PTRACE"] }), ["capabilities.blocked:W"]],
    ["--cap-add ALL is unconditional", pol(), run({ capAdd: ["all"] }), ["capabilities.all:V"]],
    ["not in allow-list blocks by default", pol({ capabilities: { allowed: ["NET_BIND_SERVICE"] } }), run({ capAdd: ["NET_BIND_SERVICE", "NET_RAW"] }),
      ["capabilities.not-allowed:V"]],
    ["allow-list default_action warn", pol({ capabilities: { allowed: ["CHOWN"], default_action: "warn" } }), run({ capAdd: ["NET_RAW"] }),
      ["capabilities.not-allowed:W"]],
    ["allow-list default_action allow", pol({ capabilities: { allowed: ["CHOWN"], default_action: "allow" } }), run({ capAdd: ["NET_RAW"] }), []],
    ["drop ALL required", pol({ capabilities: { require_drop_all: true } }), run({ capDrop: ["NET_RAW"] }), ["capabilities.drop-all-required:V"]],
    ["drop ALL given", pol({ capabilities: { require_drop_all: true } }), run({ capDrop: ["all"] }), []]
  ]
  it.each(rows)("%s", (...row) => expect(apply(capabilityRules, row)).toEqual(row[3]))

  it("seed messages, points and mitigation", () => {
    const fs = capabilityRules(run({ capAdd: ["SYS_ADMIN", "NET_ADMIN", "ALL"] }), pol(blocked), {})
    expect(fs.map((f) => [f.rule, f.points, f.message])).toEqual([
      ["capabilities.blocked", 30, "Blocked capability: SYS_ADMIN"],
      ["capabilities.blocked", 30, "no net admin"],
      ["capabilities.all", 50, "Adding ALL capabilities is extremely dangerous"]
    ])
    expect(fs[0]?.mitigation).toBe("Remove --cap-add=SYS_ADMIN")
  })
})

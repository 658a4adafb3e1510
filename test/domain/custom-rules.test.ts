import { describe, expect, it } from "vitest"
import { baseRequest, emptyContainer } from "../../src/domain/request.ts"
import type { DockerRequest } from "../../src/domain/request.ts"
import type { CustomRule, Policy } from "../../src/domain/policy.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import { customRules, severityLevel, severityPoints } from "../../src/domain/rules/custom.ts"
import { compileCel, evalCel } from "../../src/domain/cel.ts"

const create = (patch: Partial<ReturnType<typeof emptyContainer>> = {}): DockerRequest => ({
  ...baseRequest("container.create", "run"),
  container: { ...emptyContainer(), image: parseImageRef("registry.example.com/app-debug:1"), ...patch }
})
const policy = (...rules: Array<CustomRule>): Policy => ({ name: "t", custom_rules: rules })

describe("custom rules: findings", () => {
  it("seed production rule no-debug-images fires as a high violation", () => {
    const rule: CustomRule = {
      name: "no-debug-images",
      severity: "high",
      category: "supply_chain",
      condition: { field: "image", operator: "matches", value: ".*(debug|dev-build).*" },
      message: "Debug/development images should not run in production"
    }
    expect(customRules(create(), policy(rule), {})).toEqual([
      {
        rule: "custom.no-debug-images",
        level: "high",
        category: "supply_chain",
        points: 25,
        kind: "violation",
        message: "Debug/development images should not run in production",
        field: "image"
      }
    ])
  })

  it("does not fire when the condition is false", () => {
    const rule: CustomRule = { name: "r", condition: { field: "user", operator: "equals", value: "root" } }
    expect(customRules(create({ user: "1000" }), policy(rule), {})).toEqual([])
  })

  it.each([
    ["critical", 40, "critical"],
    ["high", 25, "high"],
    ["medium", 15, "medium"],
    ["low", 5, "low"],
    ["info", 10, "info"],
    ["bogus", 10, "medium"],
    [undefined, 10, "medium"]
  ] as const)("severity %s → %i points, level %s", (sev, points, level) => {
    expect(severityPoints(sev)).toBe(points)
    expect(severityLevel(sev)).toBe(level)
  })

  it("defaults: category custom, message from description then name; action warn → warning; allow disables", () => {
    const c = { field: "privileged", operator: "equals", value: true }
    const r = create({ privileged: true })
    const [a] = customRules(r, policy({ name: "a", description: "desc", condition: c }), {})
    expect(a).toMatchObject({ category: "custom", message: "desc", kind: "violation" })
    const [b] = customRules(r, policy({ name: "b", condition: c, action: "warn" }), {})
    expect(b).toMatchObject({ message: "b", kind: "warning" })
    expect(customRules(r, policy({ name: "c", condition: c, action: "allow" }), {})).toEqual([])
  })

  it("applies to actions in `actions` (default: container-creating actions)", () => {
    const c = { field: "action", operator: "exists" }
    const pull = { ...baseRequest("image.pull", "pull"), image: parseImageRef("alpine") }
    expect(customRules(pull, policy({ name: "d", condition: c }), {})).toEqual([])
    expect(customRules(pull, policy({ name: "e", condition: c, actions: ["image.pull"] }), {})).toHaveLength(1)
    expect(customRules(pull, policy({ name: "f", condition: c, actions: ["*"] }), {})).toHaveLength(1)
    const svc: DockerRequest = {
      ...baseRequest("service.create", "POST /services/create"),
      service: { container: emptyContainer(), hostModePorts: [], pluginPrivileges: [] }
    }
    expect(customRules(svc, policy({ name: "g", condition: c }), {})).toHaveLength(1)
    expect(customRules(baseRequest("container.start", "start"), policy({ name: "h", condition: c }), {})).toEqual([])
  })

  it("evaluates rules in policy order", () => {
    const c = { field: "action", operator: "exists" }
    const out = customRules(create(), policy({ name: "z", condition: c }, { name: "a", condition: c }), {})
    expect(out.map((f) => f.rule)).toEqual(["custom.z", "custom.a"])
  })
})

describe("custom rules: CEL expressions", () => {
  const r = create({
    privileged: false,
    capAdd: ["NET_ADMIN"],
    mounts: [{ type: "bind", source: "/etc", target: "/x", readOnly: false, origin: "bind-spec" }],
    resources: { memory: 2 * 1024 ** 3 },
    labels: { team: "payments" }
  })
  it.each([
    ["request.container.privileged", false],
    ['"NET_ADMIN" in request.container.capAdd', true],
    ['request.container.mounts.exists(m, m.type == "bind" && m.source.startsWith("/etc"))', true],
    ["request.container.resources.memory > 1073741824", true],
    ['request.container.image.registry == "registry.example.com"', true],
    ['container.labels["team"] == "payments"', true],
    ['has(request.exec) && request.exec.user == "root"', false],
    ['user == "alice"', true],
    ['request.action == "container.create" && !has(request.service)', true]
  ] as const)("%s → %s", (expr, expected) => {
    expect(evalCel(expr, r, "alice")).toEqual({ ok: true, value: expected })
  })

  it("fires when true, stays quiet when false", () => {
    const yes = customRules(r, policy({ name: "caps", severity: "critical", expression: '"NET_ADMIN" in request.container.capAdd' }), {})
    expect(yes).toEqual([
      { rule: "custom.caps", level: "critical", category: "custom", points: 40, kind: "violation", message: "caps", field: "expression" }
    ])
    expect(customRules(r, policy({ name: "p", expression: "request.container.privileged" }), {})).toEqual([])
  })

  it("user is the authenticated user, empty when none", () => {
    const p = policy({ name: "u", expression: 'user == ""' })
    expect(customRules(r, p, {})).toHaveLength(1)
    expect(customRules(r, p, { user: "bob" })).toHaveLength(0)
  })

  it("a runtime error fails closed with a violation saying the expression failed", () => {
    const p = policy({ name: "boom", action: "warn", severity: "low", expression: 'request.exec.user == "root"' })
    const [f] = customRules(r, p, {})
    expect(f?.kind).toBe("violation")
    expect(f?.rule).toBe("custom.boom")
    expect(f?.message).toMatch(/expression failed/)
    expect(f?.message).toMatch(/exec/)
  })

  it("an expression that does not compile also fails closed", () => {
    const [f] = customRules(r, policy({ name: "bad", expression: "request.container.privileged &&" }), {})
    expect(f?.kind).toBe("violation")
    expect(f?.message).toMatch(/does not compile/)
  })

  it("compiles once per source and reports type errors", () => {
    const a = compileCel("request.container.privileged")
    expect(compileCel("request.container.privileged")).toBe(a)
    expect(compileCel("nosuchvar == 1").ok).toBe(false)
    expect(compileCel('"a" + 1').ok).toBe(false)
    const s = compileCel('"just a string"')
    expect(s.ok).toBe(false)
    if (!s.ok) expect(s.error).toMatch(/must return a bool/)
  })

  it("a non-bool result at run time fails closed", () => {
    expect(evalCel("request.container.labels.team", r, undefined)).toMatchObject({ ok: false })
  })
})

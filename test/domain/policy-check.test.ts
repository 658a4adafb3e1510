import { describe, expect, it } from "vitest"
import type { Policy } from "../../src/domain/policy.ts"
import { checkPolicy, REGO_MESSAGE } from "../../src/domain/policy-check.ts"

const DIGEST = "sha256:" + "a".repeat(64)
const problems = (p: Policy) => checkPolicy(p)
const one = (p: Policy) => {
  const out = checkPolicy(p)
  expect(out).toHaveLength(1)
  return out[0]!
}

describe("checkPolicy", () => {
  it("a clean policy (seed production style) has no problems", () => {
    const p: Policy = {
      name: "production",
      mode: "enforce",
      settings: { max_risk_score: 50, image_scanning: { cache_duration: "24h", scan_timeout: "20s" } },
      rules: {
        privileged: { action: "block", exceptions: [{ digests: [DIGEST], names: ["ci-*"], reason: "ci" }] },
        mounts: { blocked: [{ path: "/" }, { path: "/var/run/docker.sock" }], warned: [{ path: "/etc" }], allowed: ["/srv"] },
        container: { max_memory: "2g", max_cpus: 1.5 },
        images: { require_signed: false, require_digest: true }
      },
      custom_rules: [
        { name: "no-debug-images", severity: "high", condition: { field: "image", operator: "matches", value: ".*(debug|dev-build).*" } },
        { name: "warn-root-user", severity: "medium", condition: { field: "user", operator: "equals", value: "root" } },
        { name: "cel", severity: "low", expression: "request.container.privileged", actions: ["container.create", "*"] },
        { name: "nested", condition: { and: [{ or: [{ field: "container.capAdd", operator: "in", value: ["SYS_ADMIN"] }] }] } }
      ],
      exceptions: [{ rules: ["mounts.*", "api.swarm"], users: ["admin"] }],
      bindings: [{ users: ["ci-bot"], policy: "ci-cd" }]
    }
    expect(problems(p)).toEqual([])
  })

  it("REGO_MESSAGE says to use CEL", () => {
    expect(REGO_MESSAGE).toMatch(/rego is not supported/)
    expect(REGO_MESSAGE).toMatch(/expression/)
  })

  it.each(["Prod", "my policy", "", "ünï"])("policy name %j is rejected", (name) => {
    const pr = one({ name })
    expect(pr.path).toEqual(["name"])
    expect(pr.message).toMatch(/a-z, 0-9, _ and -/)
  })

  describe("exceptions must name an unforgeable criterion", () => {
    it.each([
      [{ names: ["web"] }],
      [{ labels: { team: "a" } }],
      [{ images: ["myorg/*"] }],
      [{ images: ["myorg/*"], names: ["x"], labels: { a: "b" } }]
    ])("rules.privileged exception %j", (e) => {
      const pr = one({ name: "p", rules: { privileged: { exceptions: [e] } } })
      expect(pr.path).toEqual(["rules", "privileged", "exceptions", 0])
      expect(pr.message).toMatch(/docker tag/)
      expect(pr.message).toMatch(/chosen by the requester/)
    })
    it("images are accepted with settings.trust_image_tags: true", () => {
      expect(problems({ name: "p", settings: { trust_image_tags: true }, rules: { privileged: { exceptions: [{ images: ["a/*"] }] } } })).toEqual([])
    })
    it("digests or users suffice", () => {
      expect(problems({ name: "p", rules: { privileged: { exceptions: [{ users: ["alice"] }, { digests: [DIGEST] }] } } })).toEqual([])
    })
    it("namespaces, mounts and api RuleActions are checked too", () => {
      const bad = { exceptions: [{ names: ["x"] }] }
      const out = problems({ name: "p", rules: { host_namespaces: { pid: bad }, mounts: { docker_socket: bad }, api: { plugins: bad } } })
      expect(out.map((x) => x.path)).toEqual([
        ["rules", "host_namespaces", "pid", "exceptions", 0],
        ["rules", "mounts", "docker_socket", "exceptions", 0],
        ["rules", "api", "plugins", "exceptions", 0]
      ])
    })
    it("top-level exceptions: forgeable, empty rules, unknown rule family", () => {
      expect(one({ name: "p", exceptions: [{ rules: ["mounts.*"], names: ["x"] }] }).path).toEqual(["exceptions", 0])
      expect(one({ name: "p", exceptions: [{ rules: [], users: ["a"] }] }).message).toMatch(/at least one rule/)
      const pr = one({ name: "p", exceptions: [{ rules: ["mount.*"], users: ["a"] }] })
      expect(pr.path).toEqual(["exceptions", 0, "rules", 0])
      expect(pr.message).toMatch(/matches no rule/)
    })
    it("malformed digests and globs", () => {
      expect(one({ name: "p", rules: { privileged: { exceptions: [{ digests: ["latest"] }] } } }).path).toEqual(["rules", "privileged", "exceptions", 0, "digests", 0])
      expect(one({ name: "p", rules: { privileged: { exceptions: [{ users: ["a"], names: ["[x"] }] } } }).message).toMatch(/not a valid glob/)
    })
  })

  it("image globs must be well formed", () => {
    const out = problems({ name: "p", rules: { images: { blocked_images: ["ok/*", "[bad"], protected_images: ["nginx\\"] } } })
    expect(out.map((x) => x.path)).toEqual([["rules", "images", "blocked_images", 1], ["rules", "images", "protected_images", 0]])
  })

  it("require_signed: true is not supported", () => {
    const pr = one({ name: "p", rules: { images: { require_signed: true } } })
    expect(pr.path).toEqual(["rules", "images", "require_signed"])
    expect(pr.message).toBe("require_signed: true is not supported: Sentinel cannot verify signatures; pin digests with require_digest")
  })

  describe("custom rules", () => {
    const cr = (rule: Record<string, unknown>): Policy => ({ name: "p", custom_rules: [{ name: "r", ...rule }] })
    it("needs exactly one of condition or expression", () => {
      expect(one(cr({})).message).toMatch(/exactly one of condition or expression \(it has neither\)/)
      expect(one(cr({ expression: "true", condition: { field: "user", operator: "exists" } })).message).toMatch(/has both/)
    })
    it("unknown field names where it breaks and what exists", () => {
      const pr = one(cr({ condition: { field: "container.privilegd", operator: "equals", value: true } }))
      expect(pr.path).toEqual(["custom_rules", 0, "condition", "field"])
      expect(pr.message).toMatch(/unknown field "container.privilegd"/)
      expect(pr.message).toMatch(/privileged/)
      const top = one(cr({ condition: { field: "imagee", operator: "exists" } }))
      expect(top.message).toMatch(/network_mode/)
    })
    it("unknown operator lists the operators", () => {
      const pr = one(cr({ condition: { field: "user", operator: "like", value: "x" } }))
      expect(pr.path).toEqual(["custom_rules", 0, "condition", "operator"])
      expect(pr.message).toMatch(/starts_with/)
    })
    it("matches needs a regex that compiles", () => {
      const pr = one(cr({ condition: { field: "image", operator: "matches", value: "([" } }))
      expect(pr.message).toMatch(/not a valid regular expression/)
    })
    it("value checks: missing value, in needs a list, gt needs a number", () => {
      expect(one(cr({ condition: { field: "user", operator: "equals" } })).message).toMatch(/needs a value/)
      expect(one(cr({ condition: { field: "user", operator: "in", value: "root" } })).message).toMatch(/needs a list/)
      expect(one(cr({ condition: { field: "container.resources.memory", operator: "gt", value: "lots" } })).message).toMatch(/needs a number/)
    })
    it("nested conditions are checked with their paths", () => {
      const pr = one(cr({ condition: { and: [{ field: "user", operator: "exists" }, { or: [{ field: "bogus", operator: "exists" }] }] } }))
      expect(pr.path).toEqual(["custom_rules", 0, "condition", "and", 1, "or", 0, "field"])
    })
    it("ambiguous and/or/field combinations", () => {
      expect(one(cr({ condition: { and: [{ field: "user", operator: "exists" }], or: [{ field: "user", operator: "exists" }] } })).message).toMatch(/`or` is ignored/)
      expect(one(cr({ condition: { or: [{ field: "user", operator: "exists" }], field: "user", operator: "exists" } })).message).toMatch(/field\/operator are ignored/)
      expect(one(cr({ condition: { operator: "exists" } })).message).toMatch(/needs `field`/)
    })
    it("CEL must compile", () => {
      const pr = one(cr({ expression: "request.container.privileged &&" }))
      expect(pr.path).toEqual(["custom_rules", 0, "expression"])
      expect(pr.message).toMatch(/CEL expression does not compile/)
      expect(pr.message).toMatch(/at character 32/)
      expect(one(cr({ expression: "bogus == 1" })).message).toMatch(/bogus/)
    })
    it("severity, actions, name and duplicates", () => {
      expect(one(cr({ severity: "urgent", expression: "true" })).message).toMatch(/unknown severity "urgent"/)
      expect(one(cr({ actions: ["run"], expression: "true" })).message).toMatch(/unknown action "run"/)
      expect(one({ name: "p", custom_rules: [{ name: "Bad Name", expression: "true" }] }).path).toEqual(["custom_rules", 0, "name"])
      const dup = one({ name: "p", custom_rules: [{ name: "a", expression: "true" }, { name: "a", expression: "true" }] })
      expect(dup.path).toEqual(["custom_rules", 1, "name"])
      expect(dup.message).toMatch(/used twice/)
    })
  })

  it("max_memory and max_cpus must parse", () => {
    const mem = one({ name: "p", rules: { container: { max_memory: "2 gigs" } } })
    expect(mem.path).toEqual(["rules", "container", "max_memory"])
    expect(mem.message).toMatch(/512m/)
    expect(one({ name: "p", rules: { container: { max_cpus: "two" } } }).path).toEqual(["rules", "container", "max_cpus"])
    expect(one({ name: "p", rules: { container: { max_cpus: 0 } } }).message).toMatch(/positive/)
  })

  it("cache_duration and scan_timeout must be durations", () => {
    const out = problems({ name: "p", settings: { image_scanning: { cache_duration: "1 day", scan_timeout: "soon" } } })
    expect(out.map((x) => x.path)).toEqual([
      ["settings", "image_scanning", "cache_duration"],
      ["settings", "image_scanning", "scan_timeout"]
    ])
    expect(out[0]?.message).toMatch(/7d/)
  })

  it("mount paths must be absolute", () => {
    const out = problems({ name: "p", rules: { mounts: { blocked: [{ path: "var/run/docker.sock" }], warned: [{ path: "~/x" }], allowed: ["srv"] } } })
    expect(out.map((x) => x.path)).toEqual([
      ["rules", "mounts", "blocked", 0, "path"],
      ["rules", "mounts", "warned", 0, "path"],
      ["rules", "mounts", "allowed", 0]
    ])
    expect(out[0]?.message).toMatch(/must be absolute/)
  })

  it("bindings need non-empty users and a policy name", () => {
    const out = problems({ name: "p", bindings: [{ users: [], policy: "x" }, { users: [" "], policy: "Bad" }] })
    expect(out.map((x) => x.path)).toEqual([["bindings", 0, "users"], ["bindings", 1, "users", 0], ["bindings", 1, "policy"]])
  })
})

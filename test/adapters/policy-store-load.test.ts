import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { Policy } from "../../src/domain/policy.ts"
import { parsePolicy, sha256 } from "../../src/adapters/policy-store/load.ts"
import { REGO_MESSAGE } from "../../src/domain/policy-check.ts"
import { decodeYaml } from "../../src/adapters/policy-store/yaml-decode.ts"

// never touch the real config dir (/etc/sentinel when run as root)
process.env["SENTINEL_CONFIG_DIR"] = mkdtempSync(join(tmpdir(), "sentinel-t5-env-"))

const problems = (text: string): ReadonlyArray<string> => {
  const r = parsePolicy(text, "t.yaml")
  if (Either.isRight(r)) throw new Error("expected the policy to be invalid")
  expect(r.left._tag).toBe("PolicyLoadError")
  expect(r.left.source).toBe("t.yaml")
  return r.left.problems
}

describe("policy load errors carry line numbers", () => {
  it("wrong type", () => {
    expect(problems("name: x\nrules:\n  mounts:\n    blocked:\n      - path: 5\n")).toEqual([
      "line 5: rules.mounts.blocked[0].path: expected a string, got 5"
    ])
  })

  it("unknown key with a suggestion and the allowed keys", () => {
    const [p, ...rest] = problems("name: x\nrules:\n  mounts:\n    blockd:\n      - path: /\n")
    expect(rest).toEqual([])
    expect(p).toMatch(/^line 4: rules\.mounts\.blockd: unknown key "blockd" \(did you mean "blocked"\?\); allowed keys here: blocked, warned, /)
  })

  it("unknown key without a close match lists the allowed keys", () => {
    expect(problems("name: x\nfoo: 1\n")[0]).toBe(
      'line 2: foo: unknown key "foo"; allowed keys here: version, name, description, author, tags, mode, settings, rules, custom_rules, exceptions, bindings'
    )
  })

  it("out of range and non-integer", () => {
    expect(problems("name: x\nsettings:\n  max_risk_score: 150\n")).toEqual([
      "line 3: settings.max_risk_score: expected a number between 0 and 100, got 150"
    ])
    expect(problems("name: x\nsettings:\n  max_risk_score: 1.5\n")).toEqual([
      "line 3: settings.max_risk_score: expected an integer, got 1.5"
    ])
  })

  it("bad enum", () => {
    expect(problems("name: x\nmode: enforcing\n")).toEqual([
      'line 2: mode: expected one of "enforce", "warn", "audit", "", got "enforcing"'
    ])
    expect(problems("name: x\nrules:\n  privileged:\n    action: deny\n")).toEqual([
      'line 4: rules.privileged.action: expected one of "allow", "warn", "block", "", got "deny"'
    ])
  })

  it("rego gives the CEL hint", () => {
    expect(problems("name: x\nrego:\n  - name: r\n    inline: package docker.security\n")).toEqual([
      `line 2: rego: ${REGO_MESSAGE}`
    ])
  })

  it("YAML syntax errors keep line and column", () => {
    const ps = problems("name: x\nrules:\n  privileged: [block\n")
    expect(ps.length).toBeGreaterThan(0)
    expect(ps[0]).toMatch(/^line \d+, column \d+: /)
  })

  it("duplicate keys are errors", () => {
    expect(problems("name: x\nmode: warn\nmode: enforce\n")).toEqual(["line 3, column 1: Map keys must be unique"])
  })

  it("missing required key, empty document, not a mapping", () => {
    expect(problems("description: d\n")).toEqual(['line 1: name: required key "name" is missing'])
    expect(problems("")[0]).toMatch(/^line 1: the document must be a YAML mapping/)
    expect(problems("- a\n")[0]).toMatch(/^line 1: the document must be a YAML mapping .* got a list/)
  })

  it("reports every problem, sorted by line", () => {
    const ps = problems("name: x\nmode: nope\ntags: a\nrules:\n  network:\n    blocked_ports:\n      - port: true\n")
    expect(ps).toEqual([
      'line 2: mode: expected one of "enforce", "warn", "audit", "", got "nope"',
      'line 3: tags: expected a list, got "a"',
      "line 7: rules.network.blocked_ports[0].port: expected a number or a string, got true"
    ])
  })

  it("nested custom rule conditions map to their lines", () => {
    const ps = problems(
      "name: x\ncustom_rules:\n  - name: r\n    condition:\n      and:\n        - field: image\n        - field: 3\n      opp: x\n"
    )
    expect(ps).toEqual([
      "line 7: custom_rules[0].condition.and[1].field: expected a string, got 3",
      'line 8: custom_rules[0].condition.opp: unknown key "opp"; allowed keys here: field, operator, value, and, or'
    ])
  })

  it("checkPolicy problems map to YAML lines", () => {
    const ps = problems(
      "name: x\nrules:\n  images:\n    require_signed: true\ncustom_rules:\n  - name: r\n    condition:\n      field: image\n      operator: matchez\n      value: x\n"
    )
    expect(ps).toEqual([
      expect.stringMatching(/^line 4: rules\.images\.require_signed: .*not supported/),
      expect.stringMatching(/^line 9: custom_rules\[0\]\.condition\.operator: unknown operator "matchez"/)
    ])
  })

  it("semantic (checkPolicy-style) paths map to YAML lines", () => {
    const r = decodeYaml("name: x\nrules:\n  images:\n    require_signed: true\n", Policy, {
      check: (p) => (p.rules?.images?.require_signed === true ? [{ path: ["rules", "images", "require_signed"], message: "not supported" }] : [])
    })
    expect(Either.isLeft(r) ? r.left : []).toEqual(["line 4: rules.images.require_signed: not supported"])
  })
})

describe("valid policies", () => {
  it("returns the policy, the sha256 of the text and the source", () => {
    const text = "name: ok\nmode: enforce\n"
    const r = Either.getOrThrow(parsePolicy(text, "/p/ok.yaml"))
    expect(r.policy).toEqual({ name: "ok", mode: "enforce" })
    expect(r.sha256).toBe(sha256(text))
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(r.source).toBe("/p/ok.yaml")
  })

  const dir = join(import.meta.dirname, "..", "fixtures", "policies")
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    it(`seed policy ${f} loads unchanged`, () => {
      const r = parsePolicy(readFileSync(join(dir, f), "utf8"), f)
      if (Either.isLeft(r)) throw new Error(r.left.message)
      expect(r.right.policy.name).toMatch(/^[a-z-]+$/)
    })
  }

  it("seed production keeps its custom rules and registries", () => {
    const r = Either.getOrThrow(parsePolicy(readFileSync(join(dir, "production.yaml"), "utf8"), "p"))
    expect(r.policy.custom_rules?.map((c) => c.name)).toEqual(["no-debug-images", "warn-root-user"])
    expect(r.policy.rules?.images?.allowed_registries).toContain("public.ecr.aws")
    expect(r.policy.settings?.max_risk_score).toBe(50)
  })
})

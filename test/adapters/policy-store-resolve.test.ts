import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  builtinNames,
  isPolicyPath,
  listPoliciesSync,
  loadActivePolicySync,
  policyNameProblem,
  resolvePolicySync
} from "../../src/adapters/policy-store/resolve.ts"
import { templates } from "../../src/adapters/policy-store/templates.gen.ts"

// never touch the real config dir (/etc/sentinel when run as root)
process.env["SENTINEL_CONFIG_DIR"] = mkdtempSync(join(tmpdir(), "sentinel-t5-env-"))

const root = join(import.meta.dirname, "..", "..")
const tmp = () => mkdtempSync(join(tmpdir(), "sentinel-t5-res-"))
const withPolicies = (files: Record<string, string>, config?: string): string => {
  const dir = tmp()
  mkdirSync(join(dir, "policies"), { mode: 0o700 })
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, "policies", f), text, { mode: 0o600 })
  if (config !== undefined) writeFileSync(join(dir, "config.yaml"), config, { mode: 0o600 })
  return dir
}

describe("embedded templates", () => {
  it("templates.gen.ts matches policies/*.yaml", () => {
    const dir = join(root, "policies")
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : []
    expect(templates.map((t) => t.name)).toEqual(files.map((f) => f.replace(/\.ya?ml$/, "")))
    for (const f of files) {
      expect(templates.find((t) => t.name === f.replace(/\.ya?ml$/, ""))?.text).toBe(readFileSync(join(dir, f), "utf8"))
    }
    const check = spawnSync(process.execPath, [join(root, "scripts", "gen-templates.mjs"), "--check"], { encoding: "utf8" })
    expect(check.status, check.stderr).toBe(0)
  })

  it("every embedded template is a valid policy", () => {
    for (const name of builtinNames()) {
      const r = resolvePolicySync(name, { dir: tmp() })
      if (Either.isLeft(r)) throw new Error(r.left.message)
      expect(r.right.source).toBe(`builtin:${name}`)
    }
  })

  it("a fresh machine (no config dir) resolves the active policy to the embedded default", () => {
    const r = loadActivePolicySync({ dir: join(tmp(), "does-not-exist") })
    if (Either.isLeft(r)) throw new Error(r.left.message)
    expect(r.right.name).toBe("default")
    expect(r.right.loaded.source).toBe("builtin:default")
  })
})

describe("names and paths", () => {
  it("tells names from paths", () => {
    expect(isPolicyPath("default")).toBe(false)
    expect(isPolicyPath("./x")).toBe(true)
    expect(isPolicyPath("x.yaml")).toBe(true)
    expect(isPolicyPath("x.YML")).toBe(true)
  })

  it("validates names (no traversal)", () => {
    expect(policyNameProblem("ci-cd_2")).toBeUndefined()
    for (const bad of ["..", "a.b", "A", "", "a b", "x\u0000", "é"]) expect(policyNameProblem(bad)).toMatch(/invalid policy name/)
    const r = resolvePolicySync("..", { dir: tmp() })
    expect(Either.isLeft(r) && r.left.problems[0]).toMatch(/invalid policy name/)
  })
})

describe("resolution order", () => {
  it("prefers <configDir>/policies/<name>.yaml, then .yml, then the embedded template", () => {
    const dir = withPolicies({ "mine.yml": "name: mine-yml\n", "both.yaml": "name: both-yaml\n", "both.yml": "name: both-yml\n" })
    expect(Either.getOrThrow(resolvePolicySync("mine", { dir })).policy.name).toBe("mine-yml")
    expect(Either.getOrThrow(resolvePolicySync("both", { dir })).policy.name).toBe("both-yaml")
  })

  it("a file in policies/ shadows an embedded template of the same name", () => {
    const dir = withPolicies({ "default.yaml": "name: default\ndescription: local override\n" })
    const r = Either.getOrThrow(resolvePolicySync("default", { dir }))
    expect(r.policy.description).toBe("local override")
    expect(r.source).toBe(join(dir, "policies", "default.yaml"))
  })

  it("loads an explicit path", () => {
    const dir = tmp()
    const f = join(dir, "custom.yaml")
    writeFileSync(f, "name: custom\n")
    expect(Either.getOrThrow(resolvePolicySync(f)).policy.name).toBe("custom")
  })

  it("says what exists when a name is unknown", () => {
    const dir = withPolicies({ "mine.yaml": "name: mine\n" })
    const r = resolvePolicySync("nope", { dir })
    expect(Either.isLeft(r) && r.left.problems[0]).toMatch(/policy "nope" not found in .*policies nor among the built-in templates \(available: .*mine/)
  })

  it("refuses a world-writable policy file unless asked not to check", () => {
    const dir = withPolicies({ "loose.yaml": "name: loose\n" })
    chmodSync(join(dir, "policies", "loose.yaml"), 0o666)
    const r = resolvePolicySync("loose", { dir })
    expect(Either.isLeft(r) && r.left.problems[0]).toMatch(/writable by every user \(mode 666\).*chmod 600/)
    expect(Either.isRight(resolvePolicySync("loose", { dir, checkPermissions: false }))).toBe(true)
  })
})

describe("active policy", () => {
  it("pinned beats config.yaml, which beats the default", () => {
    const dir = withPolicies({ "a.yaml": "name: a\n", "b.yaml": "name: b\n" }, "active_policy: a\n")
    expect(Either.getOrThrow(loadActivePolicySync({ dir })).loaded.policy.name).toBe("a")
    expect(Either.getOrThrow(loadActivePolicySync({ dir, pinned: "b" })).loaded.policy.name).toBe("b")
  })

  it("an invalid config.yaml fails closed with its problems", () => {
    const dir = withPolicies({}, "active_polcy: a\n")
    const r = loadActivePolicySync({ dir })
    expect(Either.isLeft(r) && r.left.problems[0]).toMatch(/^line 1: active_polcy: unknown key "active_polcy" \(did you mean "active_policy"\?\)/)
  })

  it("an invalid active policy fails with line-numbered problems", () => {
    const dir = withPolicies({ "a.yaml": "name: a\nmode: x\n" }, "active_policy: a\n")
    const r = loadActivePolicySync({ dir })
    expect(Either.isLeft(r) && r.left.problems).toEqual(['line 2: mode: expected one of "enforce", "warn", "audit", "", got "x"'])
  })
})

describe("listPoliciesSync", () => {
  it("lists files (invalid ones marked with their error) and un-shadowed built-ins", () => {
    const dir = withPolicies({ "good.yaml": "name: good\nmode: audit\ndescription: G\n", "bad.yaml": "name: bad\nmode: x\n" })
    const all = listPoliciesSync(dir, "good")
    const good = all.find((p) => p.name === "good")
    const bad = all.find((p) => p.name === "bad")
    expect(good).toMatchObject({ valid: true, mode: "audit", description: "G", active: true })
    expect(bad).toMatchObject({ valid: false, active: false })
    expect(bad?.error).toMatch(/line 2: mode/)
    for (const b of builtinNames()) expect(all.find((p) => p.name === b)?.source).toBe(`builtin:${b}`)
  })
})

describe("permissions", () => {
  it("refuses a world-writable policies dir and config.yaml", () => {
    const dir = withPolicies({ "a.yaml": "name: a\n" }, "active_policy: a\n")
    chmodSync(join(dir, "policies"), 0o777)
    const r = resolvePolicySync("a", { dir })
    expect(Either.isLeft(r) && r.left.problems[0]).toMatch(/policies is writable by every user.*chmod 700/)
    chmodSync(join(dir, "policies"), 0o700)
    chmodSync(join(dir, "config.yaml"), 0o666)
    const c = loadActivePolicySync({ dir })
    expect(Either.isLeft(c) && c.left.problems[0]).toMatch(/writable by every user \(mode 666\).*chmod 600/)
  })
})

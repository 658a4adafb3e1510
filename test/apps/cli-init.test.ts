/** `sentinel init [--policy NAME] [--no-interactive] [--json]` via the built CLI. */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { REPO, ensureBuilt, envelope, sentinel, tempDir } from "./cli-helpers.ts"

const mode = (p: string): number => statSync(p).mode & 0o777
const fresh = (): string => join(tempDir("init"), "sentinel")
const policyOf = async (cfg: string) =>
  envelope<{ policy: { name: string; source: string }; max_score: number }>((await sentinel(["validate", "--json", "--no-audit", "--", "docker", "ps"], { configDir: cfg })).out).data

beforeAll(ensureBuilt, 120_000)

describe("sentinel init --no-interactive", () => {
  it("--policy strict: dir 0700, config.yaml 0600 naming it, policies/strict.yaml 0600, audit/ and cache/", async () => {
    const cfg = fresh()
    const r = await sentinel(["init", "--no-interactive", "--policy", "strict"], { configDir: cfg })
    expect(r.code).toBe(0)
    expect(r.err).toBe("")
    expect(r.out).toContain(`Sentinel initialised in ${cfg}`)
    expect(r.out).toContain("active policy: strict")
    expect(r.out).toContain("sentinel doctor")
    expect(mode(cfg)).toBe(0o700)
    for (const d of ["policies", "audit", "cache"]) {
      expect(statSync(join(cfg, d)).isDirectory()).toBe(true)
      expect(mode(join(cfg, d))).toBe(0o700)
      expect(r.out).toContain(`created ${join(cfg, d)}`)
    }
    expect(mode(join(cfg, "config.yaml"))).toBe(0o600)
    expect((parse(readFileSync(join(cfg, "config.yaml"), "utf8")) as { active_policy: string }).active_policy).toBe("strict")
    const pol = join(cfg, "policies", "strict.yaml")
    expect(mode(pol)).toBe(0o600)
    expect(readFileSync(pol, "utf8")).toBe(readFileSync(join(REPO, "policies", "strict.yaml"), "utf8"))
    expect(readdirSync(join(cfg, "policies"))).toEqual(["strict.yaml"])
    // validate now uses the file
    expect(await policyOf(cfg)).toMatchObject({ policy: { name: "strict", source: pol }, max_score: 25 })
  })

  it("without --policy: default (no prompt when stdin is not a terminal)", async () => {
    const cfg = fresh()
    for (const args of [["init", "--no-interactive"], ["init"]]) {
      const r = await sentinel(args, { configDir: cfg })
      expect(r.code).toBe(0)
      expect(r.out).not.toContain("Choose the active policy")
    }
    expect(readdirSync(join(cfg, "policies"))).toEqual(["default.yaml"])
    expect((await policyOf(cfg))?.policy.name).toBe("default")
  })

  it("every shipped template can be chosen on a fresh host (the original failed for ci-cd/production)", async () => {
    for (const name of ["ci-cd", "production", "development", "permissive"]) {
      const cfg = fresh()
      const r = await sentinel(["init", "--no-interactive", "--policy", name], { configDir: cfg })
      expect(r.code).toBe(0)
      expect((await policyOf(cfg))?.policy).toMatchObject({ name, source: join(cfg, "policies", `${name}.yaml`) })
    }
  })

  it("re-running keeps an edited policy file and the other config settings", async () => {
    const cfg = fresh()
    expect((await sentinel(["init", "--no-interactive", "--policy", "strict"], { configDir: cfg })).code).toBe(0)
    const pol = join(cfg, "policies", "strict.yaml")
    const edited = readFileSync(pol, "utf8").replace("max_risk_score: 25", "max_risk_score: 33")
    writeFileSync(pol, edited)
    const conf = join(cfg, "config.yaml")
    writeFileSync(conf, readFileSync(conf, "utf8").replace("fail_open: false", "fail_open: true"))
    const again = await sentinel(["init", "--no-interactive", "--policy", "strict"], { configDir: cfg })
    expect(again.code).toBe(0)
    expect(again.out).not.toContain(`created ${pol}`)
    expect(readFileSync(pol, "utf8")).toBe(edited)
    expect((parse(readFileSync(conf, "utf8")) as { authz: { fail_open: boolean } }).authz.fail_open).toBe(true)
    expect((await policyOf(cfg))?.max_score).toBe(33)
    // switching adds the new template and changes only active_policy
    expect((await sentinel(["init", "--no-interactive", "--policy", "default"], { configDir: cfg })).code).toBe(0)
    expect(readdirSync(join(cfg, "policies")).sort()).toEqual(["default.yaml", "strict.yaml"])
    const c = parse(readFileSync(conf, "utf8")) as { active_policy: string; authz: { fail_open: boolean } }
    expect(c).toMatchObject({ active_policy: "default", authz: { fail_open: true } })
  })

  it("an unknown template: exit 1, a message listing the choices, and nothing created", async () => {
    const cfg = fresh()
    const r = await sentinel(["init", "--no-interactive", "--policy", "bogus"], { configDir: cfg })
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/Error \[INIT_FAILED\]: unknown template "bogus" \(choose one of .*default.*strict/)
    expect(existsSync(cfg)).toBe(false)
    const j = await sentinel(["init", "--no-interactive", "--json", "--policy", "bogus"], { configDir: cfg })
    expect(j.code).toBe(1)
    expect(envelope(j.err)).toMatchObject({ success: false, error: { code: "INIT_FAILED" } })
  })

  it("an invalid config.yaml is reported and left alone, not rewritten from defaults", async () => {
    const cfg = tempDir("badconf")
    const conf = join(cfg, "config.yaml")
    const text = "active_policy: default\nauthz:\n  socket: /tmp/x.sock\n  fial_open: true\n"
    writeFileSync(conf, text, { mode: 0o600 })
    const r = await sentinel(["init", "--no-interactive"], { configDir: cfg })
    expect(r.code).toBe(1)
    expect(r.err).toContain("fial_open")
    expect(r.err).toContain(conf)
    expect(readFileSync(conf, "utf8")).toBe(text)
    expect(existsSync(join(cfg, "policies"))).toBe(false)
  })

  it("--json: the envelope with config_dir, active_policy and what was created", async () => {
    const cfg = fresh()
    const r = await sentinel(["init", "--json", "--policy", "production"], { configDir: cfg })
    expect(r.code).toBe(0)
    const e = envelope<{ config_dir: string; active_policy: string; created: Array<string> }>(r.out)
    expect(e.success).toBe(true)
    expect(e.data).toMatchObject({ config_dir: cfg, active_policy: "production" })
    expect(e.data?.created).toEqual(expect.arrayContaining([cfg, join(cfg, "config.yaml"), join(cfg, "policies", "production.yaml")]))
  })
})

import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { policyCreate, policyEdit, runEditor } from "../../src/apps/cli/policy-edit.ts"
import { policyDelete, policyList, policyLoad, policyShow, policyUse, policyValidate } from "../../src/apps/cli/policy-handlers.ts"
import { sighupPlugin, type PolicyCtx } from "../../src/apps/cli/policy-io.ts"
import { policyCommand } from "../../src/apps/cli/policy.ts"

// never touch the real config dir (/etc/sentinel when run as root)
process.env["SENTINEL_CONFIG_DIR"] = mkdtempSync(join(tmpdir(), "sentinel-t5-env-"))

interface Captured { ctx: PolicyCtx; out: Array<string>; err: Array<string> }
const capture = (dir: string, json = false, over: Partial<PolicyCtx> = {}): Captured => {
  const out: Array<string> = []
  const err: Array<string> = []
  return { out, err, ctx: { dir, json, out: (l) => void out.push(l), err: (l) => void err.push(l), runEditor, signalPlugin: () => undefined, ...over } }
}
const setup = (files: Record<string, string> = {}, config?: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "sentinel-t5-cli-"))
  mkdirSync(join(dir, "policies"), { mode: 0o700 })
  for (const [f, t] of Object.entries(files)) writeFileSync(join(dir, "policies", f), t, { mode: 0o600 })
  if (config !== undefined) writeFileSync(join(dir, "config.yaml"), config, { mode: 0o600 })
  return dir
}
const GOOD = "name: base\ndescription: Base\nmode: enforce\nsettings:\n  max_risk_score: 30\n"

describe("policy validate", () => {
  it("valid file: exit 0 and a summary", () => {
    const dir = setup({ "base.yaml": GOOD })
    const c = capture(dir)
    expect(policyValidate(c.ctx, "base")).toBe(0)
    expect(c.out.join("\n")).toMatch(/Policy is valid[\s\S]*Name: +base[\s\S]*Mode: +enforce[\s\S]*Max Risk: +30/)
  })

  it("works on a fresh machine with no config dir (embedded templates) and creates nothing", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sentinel-t5-fresh-")), "sentinel")
    const c = capture(dir)
    expect(policyValidate(c.ctx, "default")).toBe(0)
    expect(c.out.join("\n")).toMatch(/Source: +builtin:default/)
    const l = capture(dir)
    expect(policyList(l.ctx)).toBe(0)
    expect(l.out.join("\n")).toMatch(/→ default .*\(builtin\)/)
    expect(existsSync(dir)).toBe(false)
  })

  it("reports unknown keys with line numbers and exits 1", () => {
    const dir = setup()
    const f = join(dir, "legacy.yaml")
    writeFileSync(f, "name: legacy\nglobal_settings:\n  allow_privileged: false\nrules:\n  mounts:\n    blockd: []\n")
    const c = capture(dir)
    expect(policyValidate(c.ctx, f)).toBe(1)
    const text = c.err.join("\n")
    expect(text).toMatch(/line 2: global_settings: unknown key "global_settings"/)
    expect(text).toMatch(/line 6: rules\.mounts\.blockd: unknown key "blockd" \(did you mean "blocked"\?\)/)
  })

  it("--json gives the envelope with the problems", () => {
    const dir = setup({ "bad.yaml": "name: bad\nmode: x\n" })
    const c = capture(dir, true)
    expect(policyValidate(c.ctx, "bad")).toBe(1)
    const env = JSON.parse(c.out.join("\n"))
    expect(env).toMatchObject({ success: false, data: { valid: false, problems: [expect.stringMatching(/^line 2: mode/)] }, error: { code: "INVALID_POLICY" } })
  })
})

describe("policy list / show", () => {
  it("lists valid, invalid (with error) and marks the active one", () => {
    const dir = setup({ "base.yaml": GOOD, "broken.yaml": "name: broken\nrules: 5\n" }, "active_policy: base\n")
    const c = capture(dir)
    expect(policyList(c.ctx)).toBe(0)
    const text = c.out.join("\n")
    expect(text).toMatch(/→ base +enforce +Base/)
    expect(text).toMatch(/broken +INVALID +line 2: rules: expected a mapping/)
    expect(text).toMatch(/Active policy: base/)
    const j = capture(dir, true)
    policyList(j.ctx)
    const env = JSON.parse(j.out.join("\n"))
    expect(env.data.active).toBe("base")
    expect(env.data.policies.find((p: { name: string }) => p.name === "broken")).toMatchObject({ valid: false, builtin: false })
  })

  it("show prints the active policy; unknown names are NOT_FOUND", () => {
    const dir = setup({ "base.yaml": GOOD }, "active_policy: base\n")
    const c = capture(dir)
    expect(policyShow(c.ctx)).toBe(0)
    expect(c.out.join("\n")).toMatch(/Policy: base[\s\S]*Max risk score: +30/)
    const n = capture(dir)
    expect(policyShow(n.ctx, "nope")).toBe(1)
    expect(n.err[0]).toMatch(/^Error \[NOT_FOUND\]: cannot load policy nope/)
  })
})

describe("policy create / use / delete / load", () => {
  it("create writes 0600 from a template, replacing name and description; refuses to overwrite", () => {
    const dir = setup({ "base.yaml": "# keep me\n" + GOOD })
    const c = capture(dir)
    expect(policyCreate(c.ctx, "team", "base")).toBe(0)
    const f = join(dir, "policies", "team.yaml")
    expect(statSync(f).mode & 0o777).toBe(0o600)
    const text = readFileSync(f, "utf8")
    expect(text).toMatch(/# keep me/)
    expect(text).toMatch(/name: team/)
    expect(text).toMatch(/description: Custom policy based on base template/)
    expect(policyCreate(capture(dir).ctx, "team", "base")).toBe(1)
    expect(policyCreate(capture(dir).ctx, "../evil", "base")).toBe(2)
  })

  it("create from the built-in strict template", () => {
    const dir = setup()
    expect(policyCreate(capture(dir).ctx, "mine", "strict")).toBe(0)
    expect(readFileSync(join(dir, "policies", "mine.yaml"), "utf8")).toMatch(/name: mine/)
  })

  it("use validates, writes config.yaml and refuses invalid policies", () => {
    const dir = setup({ "base.yaml": GOOD, "bad.yaml": "name: bad\nmode: x\n" }, "# comment\nactive_policy: default\n")
    const c = capture(dir)
    expect(policyUse(c.ctx, "base")).toBe(0)
    const cfg = readFileSync(join(dir, "config.yaml"), "utf8")
    expect(cfg).toMatch(/active_policy: base/)
    expect(cfg).toMatch(/# comment/)
    const b = capture(dir)
    expect(policyUse(b.ctx, "bad")).toBe(1)
    expect(b.err.join("\n")).toMatch(/Error \[INVALID_POLICY\][\s\S]*line 2: mode/)
    expect(readFileSync(join(dir, "config.yaml"), "utf8")).toMatch(/active_policy: base/)
    expect(policyUse(capture(dir).ctx, "Bad Name")).toBe(2)
    const nf = capture(dir)
    expect(policyUse(nf.ctx, "nonexistent")).toBe(1)
    expect(nf.err[0]).toMatch(/^Error \[NOT_FOUND\]/)
  })

  it("delete refuses the active policy unless --force, then resets to default", () => {
    const dir = setup({ "base.yaml": GOOD, "other.yaml": "name: other\n" }, "active_policy: base\n")
    const c = capture(dir)
    expect(policyDelete(c.ctx, "base", false)).toBe(1)
    expect(c.err[0]).toMatch(/POLICY_ACTIVE/)
    expect(policyDelete(capture(dir).ctx, "other", false)).toBe(0)
    expect(existsSync(join(dir, "policies", "other.yaml"))).toBe(false)
    expect(policyDelete(capture(dir).ctx, "base", true)).toBe(0)
    expect(readFileSync(join(dir, "config.yaml"), "utf8")).toMatch(/active_policy: default/)
    expect(policyDelete(capture(dir).ctx, "nothing", false)).toBe(1)
  })

  it("delete refuses a file that overrides a built-in unless --force", () => {
    const dir = setup({ "strict.yaml": "name: strict\n" })
    expect(policyDelete(capture(dir).ctx, "strict", false)).toBe(1)
    expect(policyDelete(capture(dir).ctx, "strict", true)).toBe(0)
  })

  it("load installs a file under its internal name (0600), refuses to replace without --force", () => {
    const dir = setup()
    const src = join(dir, "incoming.yml")
    writeFileSync(src, "name: imported\nmode: audit\n")
    const c = capture(dir)
    expect(policyLoad(c.ctx, src, false)).toBe(0)
    const dest = join(dir, "policies", "imported.yaml")
    expect(statSync(dest).mode & 0o777).toBe(0o600)
    expect(c.out.join("\n")).toMatch(/To activate: sentinel policy use imported/)
    expect(policyLoad(capture(dir).ctx, src, false)).toBe(1)
    expect(policyLoad(capture(dir).ctx, src, true)).toBe(0)
    expect(policyLoad(capture(dir).ctx, join(dir, "x.txt"), false)).toBe(2)
  })
})

describe("policy edit (real $EDITOR)", () => {
  const withEditor = (cmd: string, f: () => void) => {
    const old = process.env["EDITOR"]
    process.env["EDITOR"] = cmd
    try { f() } finally { if (old === undefined) delete process.env["EDITOR"]; else process.env["EDITOR"] = old }
  }

  it("a valid edit replaces the file", () => {
    const dir = setup({ "base.yaml": GOOD })
    withEditor("sed -i s/enforce/audit/", () => expect(policyEdit(capture(dir).ctx, "base", "default")).toBe(0))
    expect(readFileSync(join(dir, "policies", "base.yaml"), "utf8")).toMatch(/mode: audit/)
  })

  it("an invalid edit keeps the previous file and saves the edit aside", () => {
    const dir = setup({ "base.yaml": GOOD })
    const c = capture(dir)
    withEditor("sed -i s/enforce/enforcing/", () => expect(policyEdit(c.ctx, "base", "default")).toBe(1))
    expect(readFileSync(join(dir, "policies", "base.yaml"), "utf8")).toBe(GOOD)
    expect(readFileSync(join(dir, "policies", "base.yaml.rejected"), "utf8")).toMatch(/enforcing/)
    expect(c.err.join("\n")).toMatch(/previous .* is kept unchanged[\s\S]*line 3: mode/)
  })

  it("a failing editor changes nothing", () => {
    const dir = setup({ "base.yaml": GOOD })
    withEditor("false", () => expect(policyEdit(capture(dir).ctx, "base", "default")).toBe(1))
    expect(readFileSync(join(dir, "policies", "base.yaml"), "utf8")).toBe(GOOD)
  })
})

describe("plugin reload signal", () => {
  const children: Array<ChildProcess> = []
  afterEach(() => {
    for (const ch of children.splice(0)) {
      try {
        if (ch.pid !== undefined && ch.exitCode === null) process.kill(ch.pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
  })
  const start = (args: ReadonlyArray<string>) => {
    const ch = spawn(args[0] ?? "", args.slice(1), { stdio: "ignore" })
    children.push(ch)
    return ch
  }

  it("SIGHUPs a sentinel process named by authz.pid_file", async () => {
    const dir = setup()
    const marker = join(dir, "hup")
    const ready = join(dir, "ready")
    const code = "const fs=require('fs');process.on('SIGHUP',()=>{fs.writeFileSync(process.argv[1],'hup');process.exit(0)});fs.writeFileSync(process.argv[2],'');setInterval(()=>{},1000)"
    const ch = start([process.execPath, "-e", code, marker, ready, "sentinel-authz"])
    for (let i = 0; i < 200 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 50))
    writeFileSync(join(dir, "authz.pid"), String(ch.pid))
    writeFileSync(join(dir, "config.yaml"), `authz:\n  pid_file: ${join(dir, "authz.pid")}\n`)
    expect(sighupPlugin(dir)).toMatch(/Asked the running plugin \(PID \d+\) to reload/)
    const done = () => existsSync(marker) && readFileSync(marker, "utf8") === "hup"
    for (let i = 0; i < 50 && !done(); i++) await new Promise((r) => setTimeout(r, 50))
    expect(readFileSync(marker, "utf8")).toBe("hup")
  })

  it("does not signal a process that is not sentinel", async () => {
    const dir = setup()
    const ch = start(["sleep", "30"])
    writeFileSync(join(dir, "authz.pid"), String(ch.pid))
    writeFileSync(join(dir, "config.yaml"), `authz:\n  pid_file: ${join(dir, "authz.pid")}\n`)
    expect(sighupPlugin(dir)).toMatch(/is not a sentinel process; not signalled/)
    await new Promise((r) => setTimeout(r, 100))
    expect(ch.exitCode).toBeNull()
    const none = setup(undefined, `authz:\n  pid_file: /nonexistent-sentinel-test/authz.pid\n`)
    expect(sighupPlugin(none)).toBeUndefined()
  })
})

describe("policyCommand", () => {
  it("is the @effect/cli `policy` command", () => {
    expect(policyCommand.descriptor).toBeDefined()
    expect(JSON.stringify(policyCommand.descriptor)).toMatch(/policy/)
  })
})

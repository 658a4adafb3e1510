/** `sentinel version [--json]` and `sentinel install` (printed instructions only), via the built CLI. */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { REPO, RFC3339_UTC, ensureBuilt, envelope, sentinel, tempDir } from "./cli-helpers.ts"

const pkgVersion = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version
const nodeOnPath = spawnSync("node", ["--version"], { encoding: "utf8" }).stdout.trim()

beforeAll(ensureBuilt, 120_000)

describe("sentinel version", () => {
  it("human: five lines with the build metadata; creates nothing", async () => {
    const cfg = join(tempDir("ver"), "sentinel")
    const r = await sentinel(["version"], { configDir: cfg })
    expect(r.code).toBe(0)
    expect(r.err).toBe("")
    const lines = r.out.trimEnd().split("\n")
    expect(lines).toHaveLength(5)
    expect(lines[0]).toBe(`Docker Sentinel ${pkgVersion}`)
    expect(lines[1]).toMatch(/^Git Commit: ([0-9a-f]{7,40}|unknown)$/)
    expect(lines[2]).toMatch(/^Build Date: \d{4}-\d{2}-\d{2}$/)
    expect(lines[3]).toBe(`Node Version: ${nodeOnPath}`)
    expect(lines[4]).toBe(`Platform: ${process.platform}/${process.arch}`)
    expect(existsSync(cfg)).toBe(false)
  })

  it("--json: the envelope with {version, git_commit, build_date, node_version, platform}", async () => {
    for (const flag of ["--json", "-j"]) {
      const r = await sentinel(["version", flag])
      expect(r.code).toBe(0)
      const e = envelope<Record<string, string>>(r.out)
      expect(e.success).toBe(true)
      expect(e.timestamp).toMatch(RFC3339_UTC)
      expect(Object.keys(e.data ?? {}).sort()).toEqual(["build_date", "git_commit", "node_version", "platform", "version"])
      expect(e.data).toMatchObject({ version: pkgVersion, node_version: nodeOnPath, platform: `${process.platform}/${process.arch}` })
      for (const v of Object.values(e.data ?? {})) expect(typeof v).toBe("string")
    }
  })

  it("--version prints the version; the human and JSON commits agree", async () => {
    expect((await sentinel(["--version"])).out.trim()).toBe(pkgVersion)
    const human = (await sentinel(["version"])).out.match(/Git Commit: (\S+)/)?.[1]
    expect(envelope<{ git_commit: string }>((await sentinel(["version", "--json"])).out).data?.git_commit).toBe(human)
  })
})

describe("sentinel install", () => {
  it.each([
    ["bash", "~/.bashrc", "alias docker='sentinel exec --'"],
    ["zsh", "~/.zshrc", "alias docker='sentinel exec --'"],
    ["fish", "~/.config/fish/config.fish", "alias docker 'sentinel exec --'"]
  ])("--shell %s: the alias line for %s", async (shell, rc, line) => {
    const r = await sentinel(["install", "--shell", shell])
    expect(r.code).toBe(0)
    expect(r.out).toContain(`Add this line to ${rc}:`)
    expect(r.out.split("\n")).toContain(`  ${line}`)
    expect(r.out).toMatch(/advisory/)
    expect(r.out).toContain("sudo sentinel authz install")
  })

  it("the shell is detected from $SHELL, bash otherwise", async () => {
    expect((await sentinel(["install"], { env: { SHELL: "/usr/bin/fish" } })).out).toContain("alias docker 'sentinel exec --'")
    expect((await sentinel(["install"], { env: { SHELL: "/bin/zsh" } })).out).toContain("~/.zshrc")
    expect((await sentinel(["install"], { env: { SHELL: "/bin/tcsh" } })).out).toContain("~/.bashrc")
    expect((await sentinel(["install", "--method", "alias"], { env: { SHELL: undefined } })).out).toContain("~/.bashrc")
  })

  it("--method wrapper: move docker to docker-real and link sentinel as docker; path copies instead", async () => {
    const w = await sentinel(["install", "--method", "wrapper"])
    expect(w.code).toBe(0)
    expect(w.out).toMatch(/^ {2}mv "\$\(command -v docker\)" \/usr\/local\/bin\/docker-real$/m)
    expect(w.out).toMatch(/^ {2}ln -sf "\$\(command -v sentinel\)" \/usr\/local\/bin\/docker$/m)
    expect(w.out).toContain("docker-real")
    const p = await sentinel(["install", "--method", "path"])
    expect(p.out).toMatch(/^ {2}cp "\$\(command -v docker\)" \/usr\/local\/bin\/docker-real$/m)
  })

  it("an unknown method or shell is a usage error (exit 2) and prints no instructions", async () => {
    for (const args of [["install", "--method", "magic"], ["install", "--shell", "csh"]]) {
      const r = await sentinel(args)
      expect(r.code).toBe(2)
      expect(r.out).not.toContain("alias docker")
    }
  })
})

import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  configDir,
  configPaths,
  defaultConfig,
  loadConfig,
  saveConfig,
  setConfigValue,
  writeFileAtomic
} from "../../src/adapters/config.ts"

// never touch the real config dir (/etc/sentinel when run as root)
process.env["SENTINEL_CONFIG_DIR"] = mkdtempSync(join(tmpdir(), "sentinel-t5-env-"))

const tmp = () => mkdtempSync(join(tmpdir(), "sentinel-t5-cfg-"))

describe("configDir", () => {
  it("uses SENTINEL_CONFIG_DIR first, even for root", () => {
    expect(configDir({ SENTINEL_CONFIG_DIR: "/x/y", HOME: "/h" }, 0)).toBe("/x/y")
    expect(configDir({ SENTINEL_CONFIG_DIR: "/x/y", HOME: "/h" }, 1000)).toBe("/x/y")
  })
  it("uses /etc/sentinel for root", () => {
    expect(configDir({ HOME: "/root", XDG_CONFIG_HOME: "/root/.cfg" }, 0)).toBe("/etc/sentinel")
  })
  it("uses XDG_CONFIG_HOME, then ~/.config for other users", () => {
    expect(configDir({ HOME: "/home/a", XDG_CONFIG_HOME: "/home/a/.xdg" }, 1000)).toBe("/home/a/.xdg/sentinel")
    expect(configDir({ HOME: "/home/a" }, 1000)).toBe("/home/a/.config/sentinel")
    expect(configDir({ HOME: "/home/a", SENTINEL_CONFIG_DIR: "" }, 1000)).toBe("/home/a/.config/sentinel")
  })
  it("lays out config.yaml, policies/, audit/, cache/", () => {
    expect(configPaths("/c")).toEqual({
      dir: "/c",
      configFile: "/c/config.yaml",
      policiesDir: "/c/policies",
      auditDir: "/c/audit",
      cacheDir: "/c/cache"
    })
  })
})

describe("loadConfig", () => {
  it("gives defaults for a missing file and writes nothing", () => {
    const dir = join(tmp(), "nothing-here")
    const r = Either.getOrThrow(loadConfig(dir))
    expect(r.exists).toBe(false)
    expect(r.config).toEqual(defaultConfig)
    expect(() => statSync(dir)).toThrow()
  })

  it("reads values and fills defaults", () => {
    const dir = tmp()
    writeFileSync(join(dir, "config.yaml"), "active_policy: strict\naudit:\n  jsonl:\n    enabled: true\nauthz:\n  fail_open: true\nscanners:\n  trivy: { timeout: 30s }\n")
    const r = Either.getOrThrow(loadConfig(dir))
    expect(r.config.active_policy).toBe("strict")
    expect(r.config.audit.jsonl).toEqual({ ...defaultConfig.audit.jsonl, enabled: true })
    expect(r.config.authz.fail_open).toBe(true)
    expect(r.config.authz.socket).toBe(defaultConfig.authz.socket)
    expect(r.config.scanners).toEqual({ trivy: { timeout: "30s" } })
    expect(r.ignoredKeys).toEqual([])
  })

  it("accepts the seed's keys but reports them as ignored", () => {
    const dir = tmp()
    writeFileSync(
      join(dir, "config.yaml"),
      'version: "1.0"\nmode: warn\nactive_policy: default\nglobal_settings:\n  max_risk_score: 50\nimage_scanning:\n  enabled: true\nnotifications: {}\n'
    )
    const r = Either.getOrThrow(loadConfig(dir))
    expect(r.ignoredKeys).toEqual(["mode", "global_settings", "image_scanning", "notifications"])
    expect(r.config.version).toBe("1.0")
  })

  it("rejects unknown keys and wrong types with line numbers", () => {
    const dir = tmp()
    writeFileSync(join(dir, "config.yaml"), "active_policy: default\nauthz:\n  socket: /s\n  failopen: true\naudit:\n  jsonl:\n    max_bytes: -1\n")
    const r = loadConfig(dir)
    expect(Either.isLeft(r)).toBe(true)
    const problems = Either.isLeft(r) ? r.left.problems : []
    expect(problems).toEqual([
      expect.stringMatching(/^line 4: authz\.failopen: unknown key "failopen" \(did you mean "fail_open"\?\)/),
      expect.stringMatching(/^line 7: audit\.jsonl\.max_bytes: expected a non-negative number, got -1$/)
    ])
  })

  it("treats an empty file as defaults", () => {
    const dir = tmp()
    writeFileSync(join(dir, "config.yaml"), "\n")
    expect(Either.getOrThrow(loadConfig(dir)).config).toEqual(defaultConfig)
  })
})

describe("writing", () => {
  it("saveConfig writes 0600 in a 0700 dir, and round-trips", () => {
    const dir = join(tmp(), "new")
    saveConfig({ ...defaultConfig, active_policy: "strict" }, dir)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, "config.yaml")).mode & 0o777).toBe(0o600)
    expect(Either.getOrThrow(loadConfig(dir)).config.active_policy).toBe("strict")
  })

  it("setConfigValue keeps comments and other keys", () => {
    const dir = tmp()
    writeFileSync(join(dir, "config.yaml"), "# my comment\nactive_policy: default # inline\nauthz:\n  fail_open: false\n")
    setConfigValue(["active_policy"], "strict", dir)
    const text = readFileSync(join(dir, "config.yaml"), "utf8")
    expect(text).toContain("# my comment")
    expect(text).toContain("active_policy: strict")
    expect(text).toContain("fail_open: false")
    expect(statSync(join(dir, "config.yaml")).mode & 0o777).toBe(0o600)
  })

  it("writeFileAtomic replaces the file and leaves no temp files", async () => {
    const dir = tmp()
    const f = join(dir, "x.yaml")
    writeFileAtomic(f, "a: 1\n")
    writeFileAtomic(f, "a: 2\n")
    expect(readFileSync(f, "utf8")).toBe("a: 2\n")
    const { readdirSync } = await import("node:fs")
    expect(readdirSync(dir)).toEqual(["x.yaml"])
  })
})

import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { install, uninstall, type InstallOptions } from "../../src/apps/authz/install.ts"

const setup = (daemonJson?: string): InstallOptions => {
  const dir = mkdtempSync(join(tmpdir(), "sentinel-install-"))
  const dockerConfig = join(dir, "docker", "daemon.json")
  if (daemonJson !== undefined) writeFileSync(join(dir, "docker-daemon.json"), daemonJson)
  return {
    pluginName: "sentinel",
    socket: join(dir, "run", "sentinel.sock"),
    pluginsDir: join(dir, "plugins"),
    dockerConfig: daemonJson === undefined ? dockerConfig : join(dir, "docker-daemon.json"),
    systemdDir: join(dir, "systemd"),
    execStart: ["/usr/local/bin/sentinel"],
    configDir: join(dir, "etc-sentinel"),
    pidFile: "/run/sentinel/authz.pid"
  }
}

describe("authz install/uninstall on temp files", () => {
  it("writes the spec file, units and daemon.json, keeping other keys", () => {
    const o = setup(JSON.stringify({ "log-level": "warn", "authorization-plugins": ["other"], "data-root": "/d" }))
    const steps = install(o)
    expect(readFileSync(join(o.pluginsDir, "sentinel.spec"), "utf8")).toBe(`unix://${o.socket}\n`)
    const j = JSON.parse(readFileSync(o.dockerConfig, "utf8")) as Record<string, unknown>
    expect(j).toEqual({ "log-level": "warn", "authorization-plugins": ["other", "sentinel"], "data-root": "/d" })
    expect(steps.some((s) => s.startsWith("backed up"))).toBe(true)
    const backups = readdirSync(join(o.dockerConfig, "..")).filter((f) => f.includes("sentinel-backup"))
    expect(backups).toHaveLength(1)
    const service = readFileSync(join(o.systemdDir ?? "", "sentinel-authz.service"), "utf8")
    expect(service).toContain("Before=docker.service")
    expect(service).toContain(`ReadWritePaths=${o.configDir} /run/sentinel`)
    expect(service).toContain("Requires=sentinel-authz.socket")
    expect(service).toContain(`ExecStart=/usr/local/bin/sentinel authz start --socket ${o.socket}`)
    const socket = readFileSync(join(o.systemdDir ?? "", "sentinel-authz.socket"), "utf8")
    expect(socket).toContain(`ListenStream=${o.socket}`)
    expect(socket).toContain("SocketMode=0600")
    // idempotent
    install(o)
    expect((JSON.parse(readFileSync(o.dockerConfig, "utf8")) as { "authorization-plugins": Array<string> })["authorization-plugins"]).toEqual(["other", "sentinel"])
  })

  it("creates daemon.json when missing and removes the key on uninstall", () => {
    const o = setup()
    install(o)
    expect(JSON.parse(readFileSync(o.dockerConfig, "utf8"))).toEqual({ "authorization-plugins": ["sentinel"] })
    expect(statSync(o.dockerConfig).mode & 0o777).toBe(0o644)
    uninstall(o)
    expect(JSON.parse(readFileSync(o.dockerConfig, "utf8"))).toEqual({})
    expect(existsSync(join(o.pluginsDir, "sentinel.spec"))).toBe(false)
    expect(existsSync(join(o.systemdDir ?? "", "sentinel-authz.service"))).toBe(false)
  })

  it("uninstall keeps other plugins and keys", () => {
    const o = setup(JSON.stringify({ debug: true, "authorization-plugins": ["a", "sentinel", "b"] }))
    uninstall(o)
    expect(JSON.parse(readFileSync(o.dockerConfig, "utf8"))).toEqual({ debug: true, "authorization-plugins": ["a", "b"] })
  })

  it("refuses invalid daemon.json and changes nothing", () => {
    const bad = '{ "debug": true, '
    const o = setup(bad)
    expect(() => install(o)).toThrow(/not valid JSON.*nothing was changed/)
    expect(readFileSync(o.dockerConfig, "utf8")).toBe(bad)
    expect(existsSync(join(o.pluginsDir, "sentinel.spec"))).toBe(false)
    const o2 = setup(JSON.stringify({ "authorization-plugins": "sentinel" }))
    expect(() => install(o2)).toThrow(/must be a list/)
    const o3 = setup("[1,2]")
    expect(() => uninstall(o3)).toThrow(/JSON object/)
  })
})

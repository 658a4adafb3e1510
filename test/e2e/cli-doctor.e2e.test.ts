/**
 * The built CLI against a real private dockerd: `sentinel doctor` sees the daemon and its engine
 * version, and a running AuthZ plugin; `sentinel exec` runs the real docker CLI with inherited
 * stdio, returns docker's own exit code and never runs a blocked command.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { REPO, ensureBuilt, envelope, sentinel, tempDir } from "../apps/cli-helpers.ts"
import { startPluginProcess, type PluginProcess } from "./authz-process.ts"
import { e2ePrerequisites, startDaemon, uniqueName, type Daemon } from "./harness.ts"

interface Check { name: string; status: string; message: string }
interface Report { healthy: boolean; checks: Array<Check> }

const missing = e2ePrerequisites()
if (missing !== undefined && process.env["CI"] !== undefined) throw new Error(`e2e prerequisites missing in CI: ${missing}`)

describe.skipIf(missing !== undefined)("the built CLI against a private dockerd", () => {
  let d: Daemon
  let plugin: PluginProcess | undefined
  beforeAll(async () => {
    await ensureBuilt()
    d = await startDaemon()
  })
  afterAll(async () => {
    await plugin?.remove()
    await d?.stop()
  })

  const cfgWith = (pluginSocket: string): string => {
    const cfg = tempDir("e2e-doctor")
    writeFileSync(join(cfg, "config.yaml"), `authz:\n  socket: ${pluginSocket}\n`, { mode: 0o600 })
    return cfg
  }
  const check = (r: Report | undefined, name: string) => r?.checks.find((c) => c.name === name)

  it("doctor: Docker Daemon ok with the engine version check; exit 0 when nothing fails", async () => {
    const cfg = cfgWith(join(tempDir("nosock"), "none.sock"))
    const r = await sentinel(["doctor", "--json"], { configDir: cfg, env: { DOCKER_HOST: d.host } })
    const rep = envelope<Report>(r.out).data
    expect(check(rep, "Docker Daemon")).toMatchObject({ status: "ok", message: expect.stringContaining(d.socket) })
    const server = d.docker(["version", "--format", "{{.Server.Version}}"]).stdout.trim()
    expect(server).not.toBe("")
    const ev = check(rep, "Engine version")
    expect(ev?.message).toContain(`Docker Engine ${server}`)
    expect(["ok", "warning"]).toContain(ev?.status)
    expect(rep?.healthy).toBe(true)
    expect(r.code).toBe(0)
    const human = await sentinel(["doctor"], { configDir: cfg, env: { DOCKER_HOST: d.host } })
    expect(human.out).toMatch(/^✓ Docker Daemon$/m)
    expect(human.out).toMatch(/^[✓⚠] Engine version\n {4}Docker Engine /m)
  })

  it("doctor: a running plugin is reported with its policy", async () => {
    plugin = await startPluginProcess({ default: readFileSync(join(REPO, "policies", "default.yaml"), "utf8") }, "default")
    const r = await sentinel(["doctor", "--json"], { configDir: cfgWith(plugin.socket), env: { DOCKER_HOST: d.host } })
    expect(check(envelope<Report>(r.out).data, "Authorization Plugin")).toMatchObject({
      status: "ok",
      message: expect.stringMatching(new RegExp(`running on ${plugin.socket}, policy default`))
    })
  })

  it("exec: the real docker runs with inherited stdio and its exit code comes back", async () => {
    const cfg = tempDir("e2e-exec")
    const env = { DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.root, "cli-config") }
    const hello = await sentinel(["exec", "--", "docker", "run", "--rm", "--network", "none", "busybox:local", "echo", "hello from busybox"], { configDir: cfg, env, timeoutMs: 120_000 })
    expect(hello.out).toBe("hello from busybox\n")
    expect(hello.code).toBe(0)
    const seven = await sentinel(["exec", "--", "docker", "run", "--rm", "--network", "none", "busybox:local", "sh", "-c", "exit 7"], { configDir: cfg, env, timeoutMs: 120_000 })
    expect(seven.code).toBe(7)
  })

  it("exec: a blocked command never reaches the daemon", async () => {
    const name = uniqueName("sentinel-blocked")
    const r = await sentinel(["exec", "--", "docker", "run", "--privileged", "--name", name, "busybox:local", "true"], {
      env: { DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.root, "cli-config") },
      timeoutMs: 60_000
    })
    expect(r.code).toBe(1)
    expect(r.err).toContain("VALIDATION_FAILED")
    expect(d.docker(["ps", "-a", "--format", "{{.Names}}"]).stdout).not.toContain(name)
  })
})

/**
 * A named volume created with local-driver bind options (`-o type=none -o o=bind -o device=/`)
 * while a permissive policy was active, then mounted by name under the default policy: the real
 * plugin in front of a real private dockerd denies it, first from what it learned when the
 * volume was created, then (after a restart that forgets) by asking the daemon. Everything
 * started here is stopped by PID.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { e2ePrerequisites, startDaemon, uniqueName, type Daemon } from "./harness.ts"
import { startPluginProcess, type PluginProcess } from "./authz-process.ts"
import { post } from "../apps/authz-helpers.ts"

const missing = e2ePrerequisites()
if (missing !== undefined && process.env["CI"] !== undefined) throw new Error(`e2e prerequisites missing in CI: ${missing}`)

const DEFAULT = readFileSync(join(import.meta.dirname, "..", "..", "policies", "default.yaml"), "utf8")
const AUDIT = DEFAULT.replace(/^mode: enforce$/m, "mode: audit")

describe.skipIf(missing !== undefined)("AuthZ plugin: pre-created host-bind volumes mounted by name", () => {
  let plugin: PluginProcess
  let d: Daemon
  let name: string
  let dockerHost: string | undefined
  const denied = (args: ReadonlyArray<string>, rule: string) => {
    const r = d.docker(args)
    expect(r.code, `${args.join(" ")}: ${r.stdout}`).not.toBe(0)
    expect(r.stderr).toContain(`authorization denied by plugin ${name}`)
    expect(r.stderr, args.join(" ")).toContain(rule)
    return r
  }
  const allowed = (args: ReadonlyArray<string>) => {
    const r = d.docker(args)
    expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0)
    return r
  }

  beforeAll(async () => {
    expect(AUDIT).not.toBe(DEFAULT)
    name = uniqueName("sentinel-vol")
    const link = join(mkdtempSync(join(tmpdir(), "sentinel-dh-")), "docker.sock")
    dockerHost = `unix://${link}`
    plugin = await startPluginProcess({ default: AUDIT }, "default", ["--docker-host", dockerHost])
    d = await startDaemon({ authz: { name, socket: plugin.socket } })
    symlinkSync(d.socket, link)
  })
  afterAll(async () => {
    await d?.stop()
    await plugin?.remove()
    if (dockerHost !== undefined) rmSync(dirname(dockerHost.slice("unix://".length)), { recursive: true, force: true })
  })

  it("lets the bind volume be created while the policy only audits, then enforces the default policy", async () => {
    allowed(["volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/", "rootvol"])
    plugin.writePolicy("default", DEFAULT)
    const reload = await post(plugin.socket, "/Sentinel.Reload", "")
    expect(reload.status).toBe(200)
    denied(["volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/", "rootvol2"], "mounts.volume-host-bind")
  })

  it("denies -v rootvol:/host and --mount src=rootvol (learned from the volume create), allows a plain named volume", () => {
    // create first: nothing is mounted if this were wrongly allowed
    denied(["create", "-v", "rootvol:/host", "busybox:local", "true"], "mounts.volume-host-bind")
    const run = denied(["run", "--rm", "-v", "rootvol:/host", "busybox:local", "true"], "mounts.volume-host-bind")
    expect(run.stderr).toContain("mounts.blocked")
    denied(["run", "--rm", "--mount", "type=volume,src=rootvol,dst=/host", "busybox:local", "true"], "mounts.volume-host-bind")
    allowed(["volume", "create", "data"])
    expect(allowed(["run", "--rm", "-v", "data:/d", "busybox:local", "sh", "-c", "echo ok > /d/f && cat /d/f"]).stdout.trim()).toBe("ok")
  })

  it("after a restart (nothing learned) asks the daemon: still denies rootvol, allows plain and new volumes", async () => {
    await plugin.stop()
    plugin = await startPluginProcess({}, "default", ["--docker-host", dockerHost ?? ""], plugin.dir)
    denied(["create", "-v", "rootvol:/host", "busybox:local", "true"], "mounts.volume-host-bind")
    denied(["run", "--rm", "-v", "rootvol:/host", "busybox:local", "true"], "mounts.volume-host-bind")
    expect(allowed(["run", "--rm", "-v", "data:/d", "busybox:local", "cat", "/d/f"]).stdout.trim()).toBe("ok")
    allowed(["run", "--rm", "-v", "fresh:/f", "busybox:local", "true"])
  })

  it("fails closed when the plugin cannot ask the daemon about a volume it never saw", async () => {
    await plugin.stop()
    plugin = await startPluginProcess({}, "default", ["--docker-host", ""], plugin.dir)
    const r = denied(["run", "--rm", "-v", "data:/d", "busybox:local", "true"], "api.volume-unknown")
    expect(r.stderr).toContain(`named volume "data"`)
    allowed(["run", "--rm", "busybox:local", "true"])
  })
})

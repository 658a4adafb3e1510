import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startPluginProcess, type PluginProcess } from "../e2e/authz-process.ts"

const CLI = join(import.meta.dirname, "..", "..", "src", "apps", "cli", "main.ts")
const sentinel = (dir: string, args: ReadonlyArray<string>) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], { env: { ...process.env, SENTINEL_CONFIG_DIR: dir }, encoding: "utf8", timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe("sentinel authz status | reload | stop against a running plugin process", () => {
  let p: PluginProcess | undefined
  afterAll(async () => {
    await p?.remove()
  })

  it("status asks the plugin, reload reports a broken edit, stop verifies the exit", async () => {
    p = await startPluginProcess({ t: "name: t\nmode: enforce\n" }, "t", ["--docker-host", ""])
    const st = sentinel(p.dir, ["authz", "status", "--socket", p.socket, "--json"])
    expect(st.code, st.stderr).toBe(0)
    const data = (JSON.parse(st.stdout) as { data: { pid: number; policy: { name: string }; counters: Record<string, number> } }).data
    expect(data.pid).toBe(p.pid)
    expect(data.policy.name).toBe("t")
    p.writePolicy("t", "name: t\nmode: enforcing\n")
    const rl = sentinel(p.dir, ["authz", "reload", "--socket", p.socket])
    expect(rl.code, rl.stderr).toBe(0)
    expect(rl.stdout).toMatch(/lastError/)
    const human = sentinel(p.dir, ["authz", "status", "--socket", p.socket])
    expect(human.stdout).toMatch(/last reload error: [\s\S]*line 2: mode/)
    const stop = sentinel(p.dir, ["authz", "stop", "--pid-file", p.pidFile])
    expect(stop.code, stop.stderr).toBe(0)
    expect(stop.stdout).toMatch(new RegExp(`stopped PID ${p.pid}`))
    expect(existsSync(p.socket)).toBe(false)
    expect(existsSync(p.pidFile)).toBe(false)
    const gone = sentinel(p.dir, ["authz", "status", "--socket", p.socket])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toMatch(/AUTHZ_NOT_RUNNING.*no Sentinel AuthZ plugin answers/)
  }, 120_000)
})

describe("systemd socket activation (LISTEN_FDS)", () => {
  it("serves on the inherited fd 3 and leaves the socket file to systemd", async () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const { spawn } = await import("node:child_process")
    const { post } = await import("./authz-helpers.ts")
    const dir = mkdtempSync(join(tmpdir(), "sentinel-listenfds-"))
    mkdirSync(join(dir, "policies"))
    writeFileSync(join(dir, "policies", "t.yaml"), "name: t\nmode: enforce\n")
    writeFileSync(join(dir, "config.yaml"), "active_policy: t\n")
    const sock = join(dir, "activated.sock")
    const MAIN = join(import.meta.dirname, "..", "..", "src", "apps", "authz", "main.ts")
    // python plays systemd: bind + listen, put the socket on fd 3, exec the plugin with LISTEN_PID = its own pid
    const py = [
      "import os, socket, sys",
      "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
      `s.bind(${JSON.stringify(sock)}); os.chmod(${JSON.stringify(sock)}, 0o600); s.listen(16)`,
      "os.dup2(s.fileno(), 3); os.set_inheritable(3, True)",
      "env = dict(os.environ, LISTEN_FDS='1', LISTEN_PID=str(os.getpid()))",
      `os.execve(${JSON.stringify(process.execPath)}, ['node', '--import', 'tsx', ${JSON.stringify(MAIN)}, 'start', '--socket', '/nonexistent/unused.sock', '--pid-file', ${JSON.stringify(join(dir, "p.pid"))}, '--docker-host', ''], env)`
    ].join("\n")
    const child = spawn("python3", ["-c", py], { env: { ...process.env, SENTINEL_CONFIG_DIR: dir }, stdio: ["ignore", "pipe", "pipe"] })
    let log = ""
    child.stderr.on("data", (c: Buffer) => (log += c.toString()))
    try {
      for (let i = 0; i < 200 && !/listening/.test(log); i++) await new Promise((r) => setTimeout(r, 100))
      expect(log).toMatch(/listening on inherited fd 3/)
      expect((await post(sock, "/Plugin.Activate", "")).json).toEqual({ Implements: ["authz"] })
      const st = await post(sock, "/Sentinel.Status", "", "GET")
      expect(st.json["socketActivated"]).toBe(true)
    } finally {
      child.kill("SIGTERM")
      await new Promise((r) => child.once("exit", r))
    }
    expect(existsSync(sock)).toBe(true) // systemd owns the socket file; the plugin does not remove it
  }, 60_000)
})

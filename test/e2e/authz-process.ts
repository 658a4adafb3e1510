/** Start/stop the real plugin as its own process (node --import tsx), by PID. */
import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const MAIN = join(import.meta.dirname, "..", "..", "src", "apps", "authz", "main.ts")

export interface PluginProcess {
  readonly dir: string
  readonly socket: string
  readonly pidFile: string
  readonly pid: number
  readonly proc: ChildProcess
  readonly log: () => string
  writePolicy(name: string, yaml: string): void
  /** SIGTERM by PID, wait for exit */
  stop(): Promise<void>
  /** SIGKILL by PID, wait for exit */
  kill9(): Promise<void>
  /** stop, then delete the config dir (audit, policies, socket) */
  remove(): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Start the plugin with a temp config dir holding `policies`, active `active`. Resolves once the socket exists. */
export const startPluginProcess = async (policies: Record<string, string>, active: string, extraArgs: ReadonlyArray<string> = [], reuseDir?: string): Promise<PluginProcess> => {
  const dir = reuseDir ?? mkdtempSync(join(tmpdir(), "sentinel-plugin-"))
  if (reuseDir === undefined) {
    mkdirSync(join(dir, "policies"), { recursive: true })
    for (const [n, y] of Object.entries(policies)) writeFileSync(join(dir, "policies", `${n}.yaml`), y)
    writeFileSync(join(dir, "config.yaml"), `active_policy: ${active}\n`)
  }
  const socket = join(dir, "run", "sentinel.sock")
  const pidFile = join(dir, "run", "authz.pid")
  const logFile = join(dir, "plugin.log")
  const { openSync } = await import("node:fs")
  const out = openSync(logFile, "a")
  const proc = spawn(process.execPath, ["--import", "tsx", MAIN, "start", "--socket", socket, "--pid-file", pidFile, ...extraArgs], {
    env: { ...process.env, SENTINEL_CONFIG_DIR: dir },
    stdio: ["ignore", out, out]
  })
  const pid = proc.pid ?? -1
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "")
  const waitExit = async () => {
    for (let i = 0; i < 200 && alive(pid); i++) await sleep(50)
  }
  const deadline = Date.now() + 60_000
  const before = log().split("listening").length
  while (!(existsSync(socket) && log().split("listening").length > before)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`plugin did not start:\n${log()}`)
    await sleep(100)
  }
  const stop = async () => {
    if (alive(pid)) process.kill(pid, "SIGTERM")
    await waitExit()
    if (alive(pid)) process.kill(pid, "SIGKILL")
    await waitExit()
  }
  return {
    dir,
    socket,
    pidFile,
    pid,
    proc,
    log,
    writePolicy: (name, yaml) => writeFileSync(join(dir, "policies", `${name}.yaml`), yaml),
    stop,
    kill9: async () => {
      if (alive(pid)) process.kill(pid, "SIGKILL")
      await waitExit()
    },
    remove: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

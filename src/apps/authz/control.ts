/**
 * Talking to a running plugin: `status` and `reload` over its control endpoints on the
 * plugin socket (root only, 0600), `stop` by SIGTERM to the PID in the PID file, then
 * waiting and verifying that the process is gone.
 */
import { request } from "node:http"
import { existsSync, readFileSync } from "node:fs"
import { isSentinelProcess, readPid } from "./pidfile.ts"

/** Call a control endpoint on the plugin socket; rejects with a message saying what to check. */
export const callPlugin = (socket: string, method: "GET" | "POST", path: string, timeoutMs = 3000): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, timeout: timeoutMs, headers: { Host: "sentinel" } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        if (res.statusCode !== 200) return reject(new Error(`plugin answered ${res.statusCode} on ${path}: ${text}`))
        try {
          resolve(JSON.parse(text) as unknown)
        } catch {
          reject(new Error(`plugin answered ${path} with non-JSON text`))
        }
      })
    })
    req.on("timeout", () => req.destroy(new Error(`the plugin on ${socket} did not answer within ${timeoutMs} ms`)))
    req.on("error", (e) =>
      reject(new Error(`no Sentinel AuthZ plugin answers on ${socket} (${e.message}); start it with "sentinel authz start" or pass --socket`))
    )
    req.end()
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Running (a zombie waiting for its parent to reap it has exited). */
const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return true
  }
}

/** SIGTERM the plugin named by the PID file, wait up to `waitMs`, verify it exited. */
export const stopPlugin = async (pidFile: string, waitMs = 10_000): Promise<string> => {
  const pid = readPid(pidFile)
  if (pid === undefined) throw new Error(`no PID file at ${pidFile}: the plugin is not running (or was started with another --pid-file)`)
  if (!isSentinelProcess(pid)) throw new Error(`PID ${pid} from ${pidFile} is not a running Sentinel process; the PID file is stale (remove it)`)
  process.kill(pid, "SIGTERM")
  const until = Date.now() + waitMs
  while (Date.now() < until) {
    if (!running(pid)) return existsSync(pidFile) ? `stopped PID ${pid} (PID file ${pidFile} was left behind)` : `stopped PID ${pid}`
    await sleep(50)
  }
  throw new Error(`PID ${pid} is still running ${waitMs} ms after SIGTERM; check its log, or kill -9 ${pid} as a last resort`)
}

import { describe, expect, it } from "vitest"
import { spawn } from "node:child_process"
import { request } from "node:http"
import { join } from "node:path"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { tempDir } from "./audit-fixtures.ts"

const post = (socketPath: string, user: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/append", method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let body = ""
      res.on("data", (d: Buffer) => { body += d.toString() })
      res.on("end", () => (res.statusCode === 200 ? resolve((JSON.parse(body) as { decisionId: string }).decisionId) : reject(new Error(body))))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(JSON.stringify({ user }))
  })

describe("audit crash safety", () => {
  it("every answered request has its Decided event after kill -9 under concurrent load", async () => {
    const root = tempDir()
    const dir = join(root, "audit")
    const socket = join(root, "a.sock")
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "audit-crash-server.ts"), dir, socket], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("ready")) resolve() })
      child.once("exit", (code) => reject(new Error(`crash server exited early (${code})`)))
    })
    const answered: Array<string> = []
    let failed = 0
    let stop = false
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          answered.push(await post(socket, `w${w}-${i}`))
        } catch {
          failed++
          return
        }
      }
    }
    const workers = Array.from({ length: 24 }, (_, w) => worker(w))
    await new Promise((r) => setTimeout(r, 1500))
    process.kill(child.pid!, "SIGKILL")
    await new Promise((r) => child.once("exit", r))
    stop = true
    await Promise.all(workers)
    expect(answered.length).toBeGreaterThan(50)
    expect(failed).toBeGreaterThan(0)

    const store = new AuditStore(dir)
    expect(store.sqlite.pragma("integrity_check", { simple: true })).toBe("ok")
    const decided = new Set(
      (store.sqlite.prepare("SELECT decision_id AS id FROM events WHERE type = 'Decided'").all() as Array<{ id: string }>).map((r) => r.id)
    )
    const missing = answered.filter((id) => !decided.has(id))
    expect(missing).toEqual([])
    // atomic: no decision has a RequestReceived without its Decided, and the index matches the events
    const orphans = store.sqlite.prepare(
      "SELECT count(*) AS n FROM events r WHERE r.type = 'RequestReceived' AND NOT EXISTS (SELECT 1 FROM events d WHERE d.type = 'Decided' AND d.decision_id = r.decision_id)"
    ).get() as { n: number }
    expect(orphans.n).toBe(0)
    expect((store.sqlite.prepare("SELECT count(*) AS n FROM decisions").get() as { n: number }).n).toBe(decided.size)
    store.close()
  }, 60_000)
})

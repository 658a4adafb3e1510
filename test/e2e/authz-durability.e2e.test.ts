/**
 * kill -9 durability through the real plugin process: under concurrent AuthZReq load the
 * plugin is killed with SIGKILL; every request it answered must have its Decided event in
 * the audit store, the store must open cleanly, and a restart must take over the stale
 * socket and PID file.
 */
import { join } from "node:path"
import { request } from "node:http"
import Database from "better-sqlite3"
import { afterAll, describe, expect, it } from "vitest"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { callPlugin, stopPlugin } from "../../src/apps/authz/control.ts"
import { startPluginProcess, type PluginProcess } from "./authz-process.ts"

const POLICY = "name: dur\nmode: enforce\nrules:\n  privileged:\n    action: block\n"

const send = (socket: string, envelope: unknown): Promise<{ Allow: boolean } | undefined> =>
  new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(envelope))
    const req = request({ socketPath: socket, method: "POST", path: "/AuthZPlugin.AuthZReq", headers: { "Content-Length": data.length } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Allow: boolean })
        } catch {
          resolve(undefined)
        }
      })
      res.on("error", () => resolve(undefined))
    })
    req.on("error", () => resolve(undefined))
    req.end(data)
  })

const envelope = (n: number) =>
  n % 2 === 0
    ? { RequestMethod: "GET", RequestUri: `/v1.41/containers/json?marker=m${n}` }
    : {
        RequestMethod: "POST",
        RequestUri: `/v1.41/containers/create?name=m${n}`,
        RequestBody: Buffer.from(JSON.stringify({ Image: "busybox:local", HostConfig: { Privileged: n % 3 === 0 } })).toString("base64"),
        RequestHeaders: { "Content-Type": "application/json" }
      }

describe.skipIf(process.getuid?.() !== 0)("kill -9 durability of the real plugin", () => {
  const started: Array<PluginProcess> = []
  afterAll(async () => {
    for (const p of started) await p.stop()
    for (const p of started) await p.remove()
  })

  it("every answered request has its Decided event after SIGKILL under load", async () => {
    const p = await startPluginProcess({ dur: POLICY }, "dur", ["--docker-host", ""])
    started.push(p)
    const answered = new Map<number, boolean>()
    let next = 0
    let stop = false
    const worker = async () => {
      while (!stop) {
        const n = next++
        const r = await send(p.socket, envelope(n))
        if (r !== undefined) answered.set(n, r.Allow)
      }
    }
    const workers = Array.from({ length: 32 }, worker)
    await new Promise((r) => setTimeout(r, 1500))
    await p.kill9()
    stop = true
    await Promise.all(workers)
    expect(answered.size).toBeGreaterThan(100)

    const db = new Database(join(p.dir, "audit", "audit.db"))
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok")
    db.close()
    const store = new AuditStore(join(p.dir, "audit"))
    try {
      const rows = store.list({ limit: 1_000_000 })
      const byMarker = new Map<string, (typeof rows)[number]>()
      for (const r of rows) {
        const m = /(?:marker|name)=m(\d+)/.exec(r.uri ?? "")
        if (m?.[1] !== undefined) byMarker.set(m[1], r)
      }
      const missing = [...answered.keys()].filter((n) => !byMarker.has(String(n)))
      expect(missing, `answered but not recorded: ${missing.slice(0, 10).join(",")}`).toEqual([])
      for (const [n, allow] of answered) expect(byMarker.get(String(n))?.allowed, `m${n}`).toBe(allow)
      const sample = rows[0]
      if (sample !== undefined) expect(store.show(sample.decisionId).some((e) => e.event._tag === "Decided")).toBe(true)
    } finally {
      store.close()
    }

    // a restart takes over the stale socket and PID file left by SIGKILL
    const again = await startPluginProcess({}, "dur", ["--docker-host", ""], p.dir)
    started.push(again)
    const st = (await callPlugin(again.socket, "GET", "/Sentinel.Status")) as { pid: number; policy: { name: string } }
    expect(st.pid).toBe(again.pid)
    expect(st.policy.name).toBe("dur")
    expect(await stopPlugin(again.pidFile)).toMatch(/stopped PID/)
  })
})

import { mkdtempSync, writeFileSync, existsSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { spawn } from "node:child_process"
import { ManagedRuntime } from "effect"
import { describe, expect, it } from "vitest"
import { SqliteAuditLog } from "../../src/adapters/audit/layer.ts"
import { AuditLog } from "../../src/services/AuditLog.ts"
import { acquirePidFile } from "../../src/apps/authz/pidfile.ts"
import { clearStaleSocket } from "../../src/apps/authz/server.ts"
import { bindingFor } from "../../src/apps/authz/select.ts"
import { b64, createEnvelope, fixture, startPlugin } from "./authz-helpers.ts"

const STRICT = `name: strict-ish
mode: enforce
rules:
  privileged:
    action: block
bindings:
  - users: [alice]
    policy: permissive-ish
`
const PERMISSIVE = `name: permissive-ish
mode: enforce
settings:
  max_risk_score: 100
rules:
  privileged:
    action: allow
`
const PRIV = { Image: "busybox:local", HostConfig: { Privileged: true } }

describe("audit failure", () => {
  it("denies when the decision cannot be recorded; fail-open allows only an allowed verdict", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sentinel-audit-gone-"))
    const rt = ManagedRuntime.make(SqliteAuditLog.layer(dir))
    const broken = await rt.runPromise(AuditLog)
    await rt.dispose() // the store is closed underneath the plugin
    const p = await startPlugin({ t: STRICT.replace("strict-ish", "t"), "permissive-ish": PERMISSIVE }, "t", { audit: broken })
    try {
      const r = await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "busybox:local" }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toMatch(/could not be recorded in the audit log/)
    } finally {
      await p.close()
    }
    const q = await startPlugin({ t: STRICT.replace("strict-ish", "t"), "permissive-ish": PERMISSIVE }, "t", { audit: broken, failOpen: true })
    try {
      expect((await q.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "busybox:local" }))).json["Allow"]).toBe(true)
      expect((await q.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV))).json["Allow"]).toBe(false)
    } finally {
      await q.close()
    }
  })
})

describe("identity bindings", () => {
  it("binds only the daemon's User field; no user means the active policy", async () => {
    const p = await startPlugin({ "strict-ish": STRICT, "permissive-ish": PERMISSIVE }, "strict-ish")
    try {
      const alice = await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV, { User: "alice", UserAuthNMethod: "TLS" }))
      expect(alice.json["Allow"]).toBe(true)
      const bob = await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV, { User: "bob", UserAuthNMethod: "TLS" }))
      expect(bob.json["Allow"]).toBe(false)
      const local = await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV))
      expect(local.json["Allow"]).toBe(false)
      // headers and labels are never identity
      const forged = await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ ...PRIV, Labels: { "sentinel.user": "alice" } }, { RequestHeaders: { "Content-Type": "application/json", "X-User": "alice", User: "alice" } }))
      expect(forged.json["Allow"]).toBe(false)
      // the captured TLS request from alice (fixture 512: privileged + /:/host)
      const captured = await p.post("/AuthZPlugin.AuthZReq", fixture("512-").req)
      expect(captured.json["Allow"]).toBe(true)
    } finally {
      await p.close()
    }
  })

  it("picks explicit users before a wildcard binding", () => {
    const lp = { sha256: "x", source: "t", policy: { name: "a", bindings: [{ users: ["*"], policy: "b" }, { users: ["carol"], policy: "c" }] } }
    expect(bindingFor(lp, "carol")).toBe("c")
    expect(bindingFor(lp, "dave")).toBe("b")
    expect(bindingFor(lp, undefined)).toBeUndefined()
  })

  it("a binding to a policy that does not load fails closed", async () => {
    const p = await startPlugin({ "strict-ish": STRICT }, "strict-ish")
    try {
      const r = await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "busybox:local" }, { User: "alice" }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toMatch(/permissive-ish/)
    } finally {
      await p.close()
    }
  })
})

describe("facts learning", () => {
  it("learns a privileged container from AuthZRes of its create and denies exec into it", async () => {
    const p = await startPlugin({ t: "name: t\nmode: enforce\nrules:\n  privileged:\n    action: warn\nsettings:\n  max_risk_score: 100\n" }, "t")
    try {
      const id = "f".repeat(64)
      const res = { ...createEnvelope(PRIV, { RequestUri: "/v1.41/containers/create?name=privbox" }), ResponseStatusCode: 201, ResponseBody: b64({ Id: id, Warnings: [] }) }
      expect((await p.post("/AuthZPlugin.AuthZRes", res)).json["Allow"]).toBe(true)
      expect(p.handler.facts.get("privbox")?.privileged).toBe(true)
      const exec = (target: string) => ({ RequestMethod: "POST", RequestUri: `/v1.41/containers/${target}/exec`, RequestBody: b64({ Cmd: ["sh"] }), RequestHeaders: { "Content-Type": "application/json" } })
      for (const target of [id, "privbox", id.slice(0, 12)]) {
        const r = await p.post("/AuthZPlugin.AuthZReq", exec(target))
        expect(r.json["Allow"], target).toBe(false)
        expect(String(r.json["Msg"])).toContain("api.exec-into-privileged")
      }
      // an unknown container with no daemon to ask: its facts cannot be learned, so fail closed
      const unknown = await p.post("/AuthZPlugin.AuthZReq", exec("other"))
      expect(unknown.json["Allow"]).toBe(false)
      expect(String(unknown.json["Msg"])).toContain("api.target-unknown")
      // removal forgets it
      await p.post("/AuthZPlugin.AuthZRes", { RequestMethod: "DELETE", RequestUri: "/v1.41/containers/privbox?force=1", ResponseStatusCode: 204 })
      expect(p.handler.facts.get("privbox")).toBeUndefined()
    } finally {
      await p.close()
    }
  })
})

describe("policy reload", () => {
  it("a reload flips a decision; a broken edit keeps the last good policy and reports it", async () => {
    const p = await startPlugin({ t: "name: t\nmode: enforce\nrules:\n  privileged:\n    action: allow\nsettings:\n  max_risk_score: 100\n" }, "t")
    try {
      expect((await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV))).json["Allow"]).toBe(true)
      p.writePolicy("t", "name: t\nmode: enforce\nrules:\n  privileged:\n    action: block\n")
      await p.post("/Sentinel.Reload", "")
      expect((await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV))).json["Allow"]).toBe(false)
      p.writePolicy("t", "name: t\nmode: enforce\nrules:\n  privileged:\n    actoin: allow\n")
      const st = await p.post("/Sentinel.Reload", "")
      expect(String(st.json["lastError"])).toMatch(/actoin/)
      expect((await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV))).json["Allow"]).toBe(false)
    } finally {
      await p.close()
    }
  })
})

describe("socket and PID file safety", () => {
  it("refuses a live socket, replaces a stale one, refuses a non-socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sentinel-sock-"))
    const sock = join(dir, "s.sock")
    const live = createServer(() => undefined)
    await new Promise<void>((r) => live.listen(sock, r))
    await expect(clearStaleSocket(sock)).rejects.toThrow(/already serving/)
    await new Promise<void>((r) => live.close(() => r()))
    // a stale socket file: its listener was killed with SIGKILL and left the path behind
    const sock2 = join(dir, "s2.sock")
    const child = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(sock2)}, () => console.log("up"))`], { stdio: ["ignore", "pipe", "ignore"] })
    await new Promise((r) => child.stdout?.once("data", r))
    child.kill("SIGKILL")
    await new Promise((r) => child.once("exit", r))
    expect(existsSync(sock2)).toBe(true)
    await clearStaleSocket(sock2)
    expect(existsSync(sock2)).toBe(false)
    const file = join(dir, "plain")
    writeFileSync(file, "x")
    await expect(clearStaleSocket(file)).rejects.toThrow(/not a socket/)
  })

  it("takes the PID file exclusively and takes over a stale one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sentinel-pid-"))
    const file = join(dir, "authz.pid")
    // a live process whose command line mentions sentinel holds it
    const holder = spawn(process.execPath, ["-e", "setTimeout(()=>{}, 20000)", "sentinel-holder"], { stdio: "ignore" })
    try {
      writeFileSync(file, `${holder.pid}\n`)
      expect(() => acquirePidFile(file)).toThrow(new RegExp(`already running as PID ${holder.pid}`))
    } finally {
      holder.kill("SIGKILL")
      await new Promise((r) => holder.once("exit", r))
    }
    const release = acquirePidFile(file) // holder is dead: stale
    expect(() => acquirePidFile(file.replace("authz", "other"))).not.toThrow()
    release()
    expect(existsSync(file)).toBe(false)
  })
})

describe("scan gates", () => {
  it("without a scanner service, require_image_scan denies creates with the reason and leaves other requests alone", async () => {
    const { Effect } = await import("effect")
    const { scanGateFor } = await import("../../src/apps/authz/gates.ts")
    const scanGate = await Effect.runPromise(scanGateFor())
    const p = await startPlugin({ s: "name: s\nmode: enforce\nsettings:\n  require_image_scan: true\n" }, "s", { scanGate })
    try {
      const r = await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "busybox:local" }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toMatch(/require_image_scan.*\(scanning\.unavailable\)/)
      expect((await p.post("/AuthZPlugin.AuthZReq", fixture("018-").req)).json["Allow"]).toBe(true)
    } finally {
      await p.close()
    }
  })
})

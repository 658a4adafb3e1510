import { createServer, type Server } from "node:http"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { inspectContainer, execContainer, networkName } from "../../src/adapters/docker-api.ts"
import { createEnvelope, fixture, startPlugin, type Plugin } from "./authz-helpers.ts"

const POLICY = `name: test
mode: enforce
settings:
  max_risk_score: 60
rules:
  privileged:
    action: block
`
const WARN = POLICY.replace("mode: enforce", "mode: warn").replace("name: test", "name: warnmode")
const BENIGN = { Image: "busybox:local", Cmd: ["echo", "hi"], HostConfig: {} }
const PRIV = { Image: "busybox:local", HostConfig: { Privileged: true } }

const decisions = (p: Plugin) => {
  const store = new AuditStore(join(p.dir, "audit"))
  try {
    return store.list({ limit: 1000 })
  } finally {
    store.close()
  }
}

describe("AuthZ plugin routes (in-process, real decoder/decide/policy store/audit)", () => {
  let p: Plugin
  beforeAll(async () => {
    p = await startPlugin({ test: POLICY }, "test")
  })
  afterAll(async () => {
    await p.close()
  })

  it("activates as an authz plugin and keeps the socket root-only", async () => {
    const r = await p.post("/Plugin.Activate", "")
    expect(r).toEqual({ status: 200, json: { Implements: ["authz"] } })
    const { statSync } = await import("node:fs")
    expect(statSync(p.socket).mode & 0o777).toBe(0o600)
  })

  it("allows a benign create and records the decision before answering", async () => {
    const r = await p.post("/AuthZPlugin.AuthZReq", createEnvelope(BENIGN))
    expect(r.status).toBe(200)
    expect(r.json["Allow"]).toBe(true)
    expect(decisions(p).some((d) => d.decision === "allowed" && d.action === "container.create")).toBe(true)
  })

  it("allows a real captured docker run (fixture 008)", async () => {
    const r = await p.post("/AuthZPlugin.AuthZReq", fixture("008-").req)
    expect(r.json["Allow"]).toBe(true)
  })

  it("denies a privileged create with one line per violation and a score line", async () => {
    const r = await p.post("/AuthZPlugin.AuthZReq", fixture("030-").req)
    expect(r.json["Allow"]).toBe(false)
    const msg = String(r.json["Msg"])
    expect(msg.split("\n")[0]).toMatch(/^\[CRITICAL\] .+ \(runtime\.privileged\) — Remove --privileged/)
    expect(msg).toMatch(/risk score 40\/100 \(max 60\), policy "test" in enforce mode/)
    expect(decisions(p).some((d) => d.decision === "denied" && d.reasons.some((x) => x.includes("runtime.privileged")))).toBe(true)
  })

  it("denies lowercase-key and top-level HostConfig bypasses (fixtures 411, 414)", async () => {
    for (const f of ["411-", "414-"]) expect((await p.post("/AuthZPlugin.AuthZReq", fixture(f).req)).json["Allow"]).toBe(false)
  })

  it("fails closed on malformed envelopes, naming the reason", async () => {
    const bad = await p.post("/AuthZPlugin.AuthZReq", "{not json")
    expect(bad.status).toBe(200)
    expect(bad.json["Allow"]).toBe(false)
    expect(String(bad.json["Msg"])).toMatch(/fail closed.*not JSON/)
    const noMethod = await p.post("/AuthZPlugin.AuthZReq", { RequestUri: "/v1.41/containers/create" })
    expect(noMethod.json["Allow"]).toBe(false)
    expect(String(noMethod.json["Err"])).toMatch(/RequestMethod/)
    const rows = decisions(p).filter((d) => d.decision === "denied" && d.reasons.some((x) => /not JSON/.test(x)))
    expect(rows.length).toBeGreaterThan(0)
  })

  it("denies a create whose body the daemon did not forward (fixture 439, ≥ 1 MiB)", async () => {
    const r = await p.post("/AuthZPlugin.AuthZReq", fixture("439-").req)
    expect(r.json["Allow"]).toBe(false)
    expect(String(r.json["Msg"])).toMatch(/missing-body|did not forward/)
  })

  it("denies unknown endpoints in enforce mode and allows read-only ones", async () => {
    const unknown = await p.post("/AuthZPlugin.AuthZReq", { RequestMethod: "POST", RequestUri: "/v1.41/containers/abc/frobnicate" })
    expect(unknown.json["Allow"]).toBe(false)
    const read = await p.post("/AuthZPlugin.AuthZReq", fixture("018-").req)
    expect(read.json["Allow"]).toBe(true)
  })

  it("accepts envelopes of 8 MiB and more", async () => {
    const Labels: Record<string, string> = {}
    for (let i = 0; i < 60_000; i++) Labels[`label.${i}`] = "x".repeat(90)
    const env = createEnvelope({ Image: "busybox:local", Labels, HostConfig: { Privileged: true } })
    expect(JSON.stringify(env).length).toBeGreaterThan(8 * 1024 * 1024)
    const r = await p.post("/AuthZPlugin.AuthZReq", env)
    expect(r.json["Allow"]).toBe(false)
    expect(String(r.json["Msg"])).toContain("runtime.privileged")
  })

  it("AuthZRes always allows, even when it cannot be understood", async () => {
    expect((await p.post("/AuthZPlugin.AuthZRes", "garbage")).json).toEqual({ Allow: true, Msg: "", Err: "" })
    expect((await p.post("/AuthZPlugin.AuthZRes", fixture("008-").res)).json["Allow"]).toBe(true)
  })

  it("answers the status control endpoint", async () => {
    const r = await p.post("/Sentinel.Status", "")
    const counters = r.json["counters"] as Record<string, number>
    expect((r.json["policy"] as { name: string }).name).toBe("test")
    expect(counters["denied"]).toBeGreaterThan(0)
    expect(counters["allowed"]).toBeGreaterThan(0)
  })
})

describe("oversized envelopes", () => {
  it("denies above the cap, even with --fail-open", async () => {
    const p = await startPlugin({ test: POLICY }, "test", { failOpen: true, maxEnvelopeBytes: 64 * 1024 })
    try {
      const r = await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "busybox:local", Labels: { big: "x".repeat(100_000) } }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toMatch(/above Sentinel's 65536-byte limit/)
    } finally {
      await p.close()
    }
  })
})

describe("--fail-open", () => {
  it("allows what cannot be decided but never overrides a policy deny", async () => {
    const p = await startPlugin({ test: POLICY }, "test", { failOpen: true })
    try {
      const bad = await p.post("/AuthZPlugin.AuthZReq", "{not json")
      expect(bad.json["Allow"]).toBe(true)
      expect(bad.json["Err"]).toBe("")
      expect((await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV))).json["Allow"]).toBe(false)
      const rows = new AuditStore(join(p.dir, "audit"))
      try {
        expect(rows.list({}).some((d) => d.decision === "allowed" && d.reasons.some((x) => /not JSON/.test(x)))).toBe(true)
      } finally {
        rows.close()
      }
    } finally {
      await p.close()
    }
  })
})

describe("warn mode", () => {
  it("allows but logs what enforce would have blocked", async () => {
    const logs: Array<string> = []
    const p = await startPlugin({ warnmode: WARN }, "warnmode", { log: (l) => logs.push(l) })
    try {
      const r = await p.post("/AuthZPlugin.AuthZReq", createEnvelope(PRIV))
      expect(r.json["Allow"]).toBe(true)
      expect(String(r.json["Msg"])).toMatch(/would have blocked/)
      expect(logs.some((l) => /would have blocked.*runtime\.privileged/.test(l))).toBe(true)
    } finally {
      await p.close()
    }
  })
})

describe("internal deadline", () => {
  let slow: Server
  const slowSock = join(process.env["TMPDIR"] ?? "/tmp", `sentinel-slow-daemon-${process.pid}.sock`)
  beforeAll(async () => {
    // a daemon that takes 1.5 s to answer an inspect
    slow = createServer((_req, res) => setTimeout(() => res.writeHead(200, { "Content-Type": "application/json" }).end('{"Id":"x","HostConfig":{}}'), 1500))
    const { rmSync } = await import("node:fs")
    rmSync(slowSock, { force: true })
    await new Promise<void>((r) => slow.listen(slowSock, r))
  })
  afterAll(async () => {
    slow.closeAllConnections()
    await new Promise<void>((r) => slow.close(() => r()))
  })
  const daemon = { inspect: (t: string) => inspectContainer(slowSock, t, 5000), execContainer: (t: string) => execContainer(slowSock, t, 5000), networkName: (t: string) => networkName(slowSock, t, 5000) }
  const exec = { RequestMethod: "POST", RequestUri: "/v1.41/containers/web/exec", RequestBody: Buffer.from(JSON.stringify({ Cmd: ["id"] })).toString("base64"), RequestHeaders: { "Content-Type": "application/json" } }

  it("denies when the decision is not ready within the deadline", async () => {
    const p = await startPlugin({ test: POLICY }, "test", { daemon, deadlineMs: 300 })
    try {
      const t0 = Date.now()
      const r = await p.post("/AuthZPlugin.AuthZReq", exec)
      expect(Date.now() - t0).toBeLessThan(1400)
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toMatch(/could not decide within 300 ms/)
    } finally {
      await p.close()
    }
  })

  it("allows it with --fail-open", async () => {
    const p = await startPlugin({ test: POLICY }, "test", { daemon, deadlineMs: 300, failOpen: true })
    try {
      expect((await p.post("/AuthZPlugin.AuthZReq", exec)).json["Allow"]).toBe(true)
    } finally {
      await p.close()
    }
  })
})

import { describe, expect, it } from "vitest"
import { createSocket } from "node:dgram"
import { createServer, type AddressInfo } from "node:net"
import { join } from "node:path"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { follow } from "../../src/adapters/audit/follow.ts"
import { openSyslog, parseSyslogUrl } from "../../src/adapters/audit/syslog.ts"
import { decisionEvents, finding, tempDir } from "./audit-fixtures.ts"

const waitFor = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting")
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe("audit forward (RFC 5424 syslog) and follow", () => {
  it("parses syslog targets and rejects bad ones", () => {
    expect(parseSyslogUrl("udp://127.0.0.1:514")).toEqual({ protocol: "udp", host: "127.0.0.1", port: 514 })
    expect(parseSyslogUrl("tcp://[::1]:6514")).toEqual({ protocol: "tcp", host: "::1", port: 6514 })
    expect(() => parseSyslogUrl("http://x:1")).toThrow(/udp:\/\/HOST:PORT/)
    expect(() => parseSyslogUrl("udp://x:70000")).toThrow()
  })

  it("streams only new decisions over UDP as they are committed", async () => {
    const store = new AuditStore(join(tempDir(), "audit"))
    store.appendSync(decisionEvents({ user: "before" }))
    const got: Array<string> = []
    const udp = createSocket("udp4")
    udp.on("message", (m) => got.push(m.toString("utf8")))
    await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()))
    const sender = await openSyslog(parseSyslogUrl(`udp://127.0.0.1:${udp.address().port}`))
    const ac = new AbortController()
    const done = follow(store, (row) => sender.send(row), { intervalMs: 10, signal: ac.signal })
    await store.append(decisionEvents({ user: "alice", findings: [finding("runtime.privileged", 50)] }))
    await store.append(decisionEvents({ user: "bob" }))
    await waitFor(() => got.length >= 2)
    ac.abort()
    expect(await done).toBe(2)
    await sender.close()
    udp.close()
    expect(got[0]).toMatch(/^<108>1 \S+ \S+ sentinel \d+ denied \[sentinel@32473 decisionId="[^"]+" decision="denied" score="50" user="alice"/)
    expect(got[1]).toMatch(/^<110>1 .* allowed \[sentinel@32473 .*user="bob"/)
    expect(got.join("\n")).not.toContain('user="before"')
    store.close()
  })

  it("frames TCP messages with octet counting", async () => {
    const store = new AuditStore(join(tempDir(), "audit"))
    let buf = Buffer.alloc(0)
    const server = createServer((s) => s.on("data", (d) => { buf = Buffer.concat([buf, d]) }))
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    const sender = await openSyslog({ protocol: "tcp", host: "127.0.0.1", port: (server.address() as AddressInfo).port })
    for (let i = 0; i < 3; i++) store.appendSync(decisionEvents({ user: `u${i}` }))
    expect(await follow(store, (row) => sender.send(row), { after: 0, max: 3, intervalMs: 10 })).toBe(3)
    await sender.close()
    await waitFor(() => buf.length > 0 && (buf.toString().match(/<\d+>1 /g) ?? []).length === 3)
    const msgs: Array<string> = []
    let rest = buf
    while (rest.length > 0) {
      const sp = rest.indexOf(0x20)
      const len = Number(rest.subarray(0, sp).toString())
      msgs.push(rest.subarray(sp + 1, sp + 1 + len).toString("utf8"))
      rest = rest.subarray(sp + 1 + len)
    }
    expect(msgs.map((m) => /user="([^"]+)"/.exec(m)?.[1])).toEqual(["u0", "u1", "u2"])
    server.close()
    store.close()
  })

  it("rejects a TCP collector that is not listening", async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    const port = (server.address() as AddressInfo).port
    await new Promise<void>((r) => server.close(() => r()))
    await expect(openSyslog({ protocol: "tcp", host: "127.0.0.1", port })).rejects.toThrow(/ECONNREFUSED/)
  })
})

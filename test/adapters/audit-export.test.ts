import { describe, expect, it } from "vitest"
import { join } from "node:path"
import { Writable } from "node:stream"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { exportTo } from "../../src/adapters/audit/export.ts"
import { cefLine, cefValue, csvField, OCSF_REQUIRED, syslogMessage } from "../../src/adapters/audit/formats.ts"
import type { DecisionRow } from "../../src/domain/audit-views.ts"
import { decisionEvents, finding, tempDir } from "./audit-fixtures.ts"

const row: DecisionRow = {
  decisionId: "0190-abc", at: "2026-01-02T03:04:05.000Z", source: "authz", user: "ali|ce=x", method: "POST",
  uri: "/v1.41/containers/create?name=a=b", action: "container.create", decision: "denied", allowed: false, score: 80,
  image: "nginx:1.25", command: "docker run --privileged -v /:/host nginx:1.25", policy: "prod",
  reasons: ["[CRITICAL] Privileged \\ mode\nsecond line (runtime.privileged)"]
}

const sink = () => {
  const chunks: Array<string> = []
  return { out: new Writable({ highWaterMark: 16, write(c, _e, cb) { chunks.push(String(c)); setImmediate(cb) } }), text: () => chunks.join("") }
}

/** Minimal RFC 4180 parser to check the CSV really round-trips. */
const parseCsv = (text: string): Array<Array<string>> => {
  const rows: Array<Array<string>> = []
  let row: Array<string> = [], field = "", q = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (ch === '"') q = false
      else field += ch
    } else if (ch === '"') q = true
    else if (ch === ",") { row.push(field); field = "" }
    else if (ch === "\r" && text[i + 1] === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++ }
    else field += ch
  }
  return rows
}

describe("audit export formats", () => {
  it("CSV quotes commas, quotes and newlines and defuses formulas", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""')
    expect(csvField("x\ny")).toBe('"x\ny"')
    expect(csvField("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0")
    expect(csvField(-5)).toBe("-5")
    expect(csvField(undefined)).toBe("")
  })

  it("CEF escapes header pipes and extension = \\ and newlines", () => {
    expect(cefValue("a=b\\c\nd\re")).toBe("a\\=b\\\\c\\nd\\re")
    const line = cefLine({ ...row, action: "container|create" })
    expect(line.startsWith("CEF:0|Sentinel|Docker Sentinel|0.1.0|container\\|create|Docker request denied|8|")).toBe(true)
    expect(line).toContain("suser=ali|ce\\=x")
    expect(line).toContain("request=/v1.41/containers/create?name\\=a\\=b")
    expect(line).toContain("cs4=[CRITICAL] Privileged \\\\ mode\\nsecond line (runtime.privileged)")
    expect(line).toContain(`rt=${Date.parse(row.at)}`)
    expect(line.trimEnd().includes("\n")).toBe(false)
    // every unescaped `=` in the extension separates a key from its value
    const ext = line.replace(/^(?:(?:[^|\\]|\\.)*\|){7}/, "").trimEnd()
    const keys = [...ext.matchAll(/(?:^| )([A-Za-z0-9]+)=/g)].map((m) => m[1])
    expect(keys).toEqual(["rt", "act", "outcome", "suser", "requestMethod", "request", "cs1Label", "cs1", "cs2Label", "cs2", "cs3Label", "cs3", "cs4Label", "cs4", "cs5Label", "cs5", "cs6Label", "cs6", "cn1Label", "cn1"])
  })

  it("syslog messages follow RFC 5424 with escaped structured data", () => {
    const m = syslogMessage({ ...row, user: 'a"b]c' }, "host1", 42)
    expect(m).toMatch(/^<108>1 2026-01-02T03:04:05.000Z host1 sentinel 42 denied \[sentinel@32473 /)
    expect(m).toContain('user="a\\"b\\]c"')
    expect(m.includes("\n")).toBe(false)
  })

  it("streams jsonl, csv, ocsf and cef exports of a store", async () => {
    const store = new AuditStore(join(tempDir(), "audit"))
    const at = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString()
    store.appendSync(
      decisionEvents({ at: at(1), user: "a,b", command: 'docker run -v "/x,y":/y nginx', findings: [finding("mounts.blocked")] }),
      decisionEvents({ at: at(2), user: "bob", findings: [finding("images.latest", 10, "warning")] }),
      decisionEvents({ at: at(3), user: "carol", action: "read" })
    )
    const run = async (format: "jsonl" | "csv" | "ocsf" | "cef", since?: string) => {
      const s = sink()
      const n = await exportTo(store, { format, since }, s.out)
      return { n, text: s.text() }
    }
    const jsonl = await run("jsonl")
    expect(jsonl.n).toBe(8)
    const lines = jsonl.text.trim().split("\n").map((l) => JSON.parse(l) as { position: number; type: string; payload: { _tag: string } })
    expect(lines.map((l) => l.type)).toEqual(["RequestReceived", "RuleEvaluated", "Decided", "RequestReceived", "RuleEvaluated", "Decided", "RequestReceived", "Decided"])
    expect(lines.map((l) => l.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(lines.every((l) => l.payload._tag === l.type)).toBe(true)
    expect((await run("jsonl", at(2))).n).toBe(5)

    const csv = await run("csv")
    expect(csv.n).toBe(3)
    const rows = parseCsv(csv.text)
    expect(rows[0]).toEqual(["time", "decision_id", "source", "user", "method", "uri", "action", "image", "command", "decision", "score", "policy", "reasons"])
    expect(rows[1]?.[3]).toBe("a,b")
    expect(rows[1]?.[8]).toBe('docker run -v "/x,y":/y nginx')
    expect(rows.map((r) => r[9])).toEqual(["decision", "denied", "warned", "allowed"])

    const ocsf = (await run("ocsf")).text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(ocsf).toHaveLength(3)
    for (const e of ocsf) {
      for (const k of OCSF_REQUIRED) expect(e[k], k).toBeDefined()
      expect(e["class_uid"]).toBe(6003)
      expect(e["category_uid"]).toBe(6)
      expect(e["type_uid"]).toBe(600300 + (e["activity_id"] as number))
      expect(typeof e["time"]).toBe("number")
      expect((e["metadata"] as { product: { name: string }; version: string }).product.name).toBe("Docker Sentinel")
      expect((e["cloud"] as { provider: string }).provider).toBeTruthy()
    }
    expect(ocsf.map((e) => [e["disposition"], e["status"]])).toEqual([["Blocked", "Failure"], ["Allowed", "Success"], ["Allowed", "Success"]])
    expect(ocsf[2]?.["activity_id"]).toBe(2)

    const cef = (await run("cef", at(2))).text.trim().split("\n")
    expect(cef).toHaveLength(2)
    expect(cef[0]).toMatch(/^CEF:0\|Sentinel\|Docker Sentinel\|0\.1\.0\|container\.create\|Docker request warned\|5\|/)
    store.close()
  })
})

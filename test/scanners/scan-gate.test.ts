/** The pure scan gate: thresholds, the seed's secret table, policy filters, fail-closed. */
import { describe, expect, it } from "vitest"
import type { Policy } from "../../src/domain/policy.ts"
import { pathExcluded, scanGateFindings, toScanCompleted, type GateScan, type GateSecret } from "../../src/domain/scan-gate.ts"

const z = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }
const vuln = (counts: Partial<typeof z>, scanner = "trivy"): GateScan => ({ ok: true, kind: "vulnerabilities", scanner, counts: { ...z, ...counts } })
const secrets = (xs: ReadonlyArray<GateSecret>): GateScan => ({ ok: true, kind: "secrets", scanner: "builtin", counts: z, secrets: xs })
const sec = (detector: string, severity: GateSecret["severity"], file = "/app/.env", verified = false): GateSecret => ({ detector, severity, file, verified })
const P = (settings: Policy["settings"]): Policy => ({ name: "t", settings })
const rules = (fs: ReadonlyArray<{ rule: string; kind: string; level: string; points: number }>) => fs.map((f) => `${f.rule}:${f.kind}:${f.level}:${f.points}`)

describe("vulnerability gate", () => {
  it("critical over max_critical (default 0) is a critical violation", () => {
    expect(rules(scanGateFindings(P({}), { image: "a", scans: [vuln({ critical: 1 })] }))).toEqual(["scanning.vulnerabilities:violation:critical:40"])
    expect(scanGateFindings(P({ image_scanning: { max_critical: 1 } }), { image: "a", scans: [vuln({ critical: 1, high: 99 })] })).toEqual([])
  })
  it("high and medium thresholds; -1 means unlimited; max over scanners", () => {
    const p = P({ image_scanning: { max_critical: 5, max_high: 2, max_medium: -1 } })
    expect(scanGateFindings(p, { image: "a", scans: [vuln({ high: 2, medium: 500 })] })).toEqual([])
    const f = scanGateFindings(p, { image: "a", scans: [vuln({ high: 1 }), vuln({ high: 3 }, "grype")] })
    expect(rules(f)).toEqual(["scanning.vulnerabilities:violation:high:25"])
    expect(f[0]?.message).toContain("3 high (max 2)")
    expect(rules(scanGateFindings(P({ image_scanning: { max_medium: 0 } }), { image: "a", scans: [vuln({ medium: 1 })] }))).toEqual(["scanning.vulnerabilities:violation:medium:10"])
  })
  it("require_image_scan with no result or only failures fails closed with the reason", () => {
    const p = P({ require_image_scan: true })
    const f = scanGateFindings(p, { image: "app:1", scans: [{ ok: false, kind: "vulnerabilities", scanner: "trivy", error: "trivy is not installed" }] })
    expect(rules(f)).toEqual(["scanning.unavailable:violation:critical:40"])
    expect(f[0]?.message).toContain("trivy: trivy is not installed")
    expect(rules(scanGateFindings(p, { image: "app:1", scans: [] }))).toEqual(["scanning.unavailable:violation:critical:40"])
    expect(scanGateFindings(P({}), { image: "app:1", scans: [] })).toEqual([])
  })
})

describe("secret gate (seed table)", () => {
  it("verified blocks (+50), critical (+40), high blocks (+40), medium warns (0)", () => {
    expect(rules(scanGateFindings(P({}), { image: "a", scans: [secrets([sec("Github", "critical", "/x", true)])] }))).toEqual(["scanning.secrets:violation:critical:50"])
    expect(rules(scanGateFindings(P({}), { image: "a", scans: [secrets([sec("X", "critical")])] }))).toEqual(["scanning.secrets:violation:critical:40"])
    expect(rules(scanGateFindings(P({}), { image: "a", scans: [secrets([sec("AWS", "high"), sec("PrivateKey", "high")])] }))).toEqual(["scanning.secrets:violation:high:40"])
    expect(rules(scanGateFindings(P({}), { image: "a", scans: [secrets([sec("Box", "medium")])] }))).toEqual(["scanning.secrets:warning:medium:0"])
    expect(scanGateFindings(P({}), { image: "a", scans: [secrets([])] })).toEqual([])
  })
  it("policy scores, thresholds, ignore_detectors and exclude_paths apply", () => {
    const p = P({ secret_scanning: { high_secret_score: 25, max_high: 1, ignore_detectors: ["privatekey"], exclude_paths: ["/usr/share/doc", "**/*.md"], max_medium: 0 } })
    expect(scanGateFindings(p, { image: "a", scans: [secrets([sec("AWS", "high"), sec("PrivateKey", "high"), sec("AWS", "high", "/usr/share/doc/x"), sec("AWS", "high", "/a/b/README.md")])] })).toEqual([])
    expect(rules(scanGateFindings(p, { image: "a", scans: [secrets([sec("AWS", "high"), sec("AWS", "high", "/b")])] }))).toEqual(["scanning.secrets:violation:high:25"])
    expect(rules(scanGateFindings(p, { image: "a", scans: [secrets([sec("Box", "medium")])] }))).toEqual(["scanning.secrets:violation:medium:10"])
    expect(scanGateFindings(P({ secret_scanning: { block_on_verified: false } }), { image: "a", scans: [secrets([sec("Box", "medium", "/x", true)])] }).map((f) => f.kind)).toEqual(["warning"])
  })
  it("a failed secret scan is a violation unless explicitly not required", () => {
    const failed: GateScan = { ok: false, kind: "secrets", scanner: "builtin", error: "docker save failed" }
    expect(rules(scanGateFindings(P({}), { image: "a", scans: [failed] }))).toEqual(["scanning.unavailable:violation:critical:40"])
    expect(scanGateFindings(P({}), { image: "a", scans: [failed], required: { secrets: false } })).toEqual([])
  })
  it("messages name detector and file but never a secret value", () => {
    const f = scanGateFindings(P({}), { image: "a", scans: [secrets([sec("AWS", "high", "/app/.env")])] })
    expect(f[0]?.message).toBe("SECRETS DETECTED - PUSH BLOCKED: found 1 high-risk secret(s) in a: AWS in /app/.env")
  })
})

describe("helpers", () => {
  it("pathExcluded: prefix and glob", () => {
    expect(pathExcluded("/usr/share/doc/a", ["/usr/share"])).toBe(true)
    expect(pathExcluded("/usr/sharex", ["/usr/share"])).toBe(false)
    expect(pathExcluded("/a/test/x.pem", ["/a/*/x.pem"])).toBe(true)
    expect(pathExcluded("/a/b/c/x.pem", ["/a/*/x.pem"])).toBe(false)
    expect(pathExcluded(undefined, ["/"])).toBe(false)
  })
  it("toScanCompleted: ok and failed outcomes", () => {
    const ctx = { decisionId: "d1", at: "2026-01-01T00:00:00Z", image: "app:1" }
    expect(toScanCompleted({ ok: true, kind: "secrets", scanner: "builtin", secrets: [sec("G", "critical", "/x", true)], counts: { ...z, critical: 1 }, fromCache: true, durationMs: 5, scannerVersion: "1" }, ctx)).toEqual({
      _tag: "ScanCompleted", version: 1, decisionId: "d1", at: ctx.at, scanner: "builtin", scannerVersion: "1", kind: "secrets", image: "app:1", fromCache: true, ok: true, counts: { ...z, critical: 1, verified: 1 }, durationMs: 5
    })
    const e = toScanCompleted({ ok: false, kind: "vulnerabilities", scanner: "trivy", error: "boom" }, ctx)
    expect(e).toMatchObject({ ok: false, error: "boom", counts: z })
  })
})

/** Conformance: every shared fixture in ../shared/fixtures/scanners plus our own samples. */
import { readFileSync, existsSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { grype } from "../../scanners/grype.ts"
import { scout, splitPurl } from "../../scanners/scout.ts"
import { trivy } from "../../scanners/trivy.ts"
import { trufflehog } from "../../scanners/trufflehog.ts"
import { countBySeverity, type Finding, type ScanKind, type ScannerAdapter } from "../../scanners/types.ts"

const SHARED = join(process.cwd(), "../shared/fixtures/scanners")
const OWN = join(process.cwd(), "test/fixtures/scanners-own")
const hasShared = existsSync(SHARED)

const parse = <K extends ScanKind>(a: ScannerAdapter<K>, file: string): ReadonlyArray<Finding<K>> => {
  const r = a.parse(readFileSync(file, "utf8"))
  if (Either.isLeft(r)) throw new Error(`${file}: ${r.left}`)
  return r.right
}
const counts = (xs: ReadonlyArray<{ severity: "critical" | "high" | "medium" | "low" | "unknown" }>) => countBySeverity(xs)
const z = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }

describe.runIf(hasShared)("shared fixtures", () => {
  const f = (p: string) => join(SHARED, p)
  it("trivy alpine-39: 2 critical + 4 medium, all fixed", () => {
    const v = parse(trivy, f("trivy/alpine-39.json.golden"))
    expect(counts(v)).toEqual({ ...z, critical: 2, medium: 4 })
    expect(v[0]).toMatchObject({ id: "CVE-2019-1549", package: "libcrypto1.1", installedVersion: "1.1.1b-r1", fixedVersion: "1.1.1d-r0", severity: "medium" })
    expect(v.every((x) => x.fixedVersion !== undefined)).toBe(true)
  })
  it("trivy debian-buster: unfixed LOW has no fixedVersion", () => {
    const v = parse(trivy, f("trivy/debian-buster.json.golden"))
    expect(counts(v)).toEqual({ ...z, critical: 1, low: 1 })
    const bash = v.find((x) => x.package === "bash")
    expect(bash).toMatchObject({ id: "CVE-2019-18276", installedVersion: "5.0-4", severity: "low" })
    expect(bash?.fixedVersion).toBeUndefined()
  })
  it("trivy fluentd-gems: os + lang pkgs, list-valued FixedVersion", () => {
    const v = parse(trivy, f("trivy/fluentd-gems.json.golden"))
    expect(counts(v)).toEqual({ ...z, critical: 1, high: 1 })
    expect(v.find((x) => x.package === "activesupport")).toMatchObject({ id: "CVE-2020-8165", installedVersion: "6.0.2.1", fixedVersion: "6.0.3.1, 5.2.4.3", severity: "high" })
  })
  it("trivy sl-micro (no Vulnerabilities key) and secrets golden (repo scan) give no vulnerabilities", () => {
    expect(parse(trivy, f("trivy/sl-micro-rancher5.4.json.golden"))).toEqual([])
    expect(parse(trivy, f("trivy/secrets.json.golden"))).toEqual([])
  })
  it("grype current schema: Low + Critical, fix versions joined", () => {
    const v = parse(grype, f("grype/TestJsonImgsPresenter.golden"))
    expect(counts(v)).toEqual({ ...z, critical: 1, low: 1 })
    expect(v.find((x) => x.id === "CVE-1999-0001")).toMatchObject({ package: "package-1", installedVersion: "1.1.1", fixedVersion: "1.2.1, 2.1.3, 3.4.0", cvss: 8.2 })
    expect(v.find((x) => x.id === "CVE-1999-0002")?.fixedVersion).toBeUndefined()
  })
  it("grype empty", () => expect(parse(grype, f("grype/TestEmptyJsonPresenter.golden"))).toEqual([]))
  it("grype chainguard-ruby: CVE and GHSA for the same package are kept apart", () => {
    const v = parse(grype, f("grype/chainguard-ruby-test.json"))
    expect(counts(v)).toEqual({ ...z, high: 3 })
    expect(v.map((x) => `${x.id}/${x.package}`).sort()).toEqual(["CVE-2023-28755/ruby-3.0", "CVE-2023-28755/uri", "GHSA-hv5j-3h9f-99c2/uri"])
    expect(v.find((x) => x.package === "ruby-3.0")).toMatchObject({ installedVersion: "3.0.4-r1", fixedVersion: "3.0.6-r0" })
  })
  it("grype keycloak: 6 low wont-fix matches without fixes", () => {
    const v = parse(grype, f("grype/keycloak-test.json"))
    expect(counts(v)).toEqual({ ...z, low: 6 })
    expect(v.every((x) => x.fixedVersion === undefined && x.id === "CVE-2020-12413")).toBe(true)
    expect(v.find((x) => x.package === "nspr")?.installedVersion).toBe("4.34.0-17.el9_1")
  })
  it("scout sarif v0.24.1: 126 results by rule severity, purl split", () => {
    const v = parse(scout, f("docker-scout/sarif-v2.sarif"))
    expect(v).toHaveLength(126)
    expect(counts(v)).toEqual({ critical: 4, high: 32, medium: 58, low: 30, unknown: 2 })
    expect(v.find((x) => x.id === "CVE-2023-28322")).toMatchObject({ package: "curl", installedVersion: "7.68.0-1ubuntu2.15", fixedVersion: "7.68.0-1ubuntu2.19", severity: "low", cvss: 3.7 })
    expect(v.find((x) => x.id === "GMS-2022-9109")).toMatchObject({ package: "xstream", installedVersion: "1.4.5", fixedVersion: undefined, severity: "unknown" })
  })
  it("trufflehog docker line: numeric DetectorType, verified -> critical, history file", () => {
    const v = parse(trufflehog, f("trufflehog/post-command.bats.jsonl"))
    expect(v).toEqual([{ detector: "Github", severity: "critical", file: "image-metadata:history:16:created-by", layer: undefined, verified: true, redacted: "REDA****TURE" }])
  })
})

describe("own samples", () => {
  const f = (p: string) => join(OWN, p)
  it("trivy mixed: UNKNOWN counted separately, empty fix = none, null Vulnerabilities ok", () => {
    const v = parse(trivy, f("trivy-mixed.json"))
    expect(counts(v)).toEqual({ ...z, high: 1, low: 1, unknown: 1 })
    expect(v[0]).toEqual({ id: "CVE-2024-0001", severity: "high", package: "openssl", installedVersion: "3.0.11-1", fixedVersion: "3.0.13-1", title: "openssl: example", cvss: 7.5 })
    expect(v[2]).toMatchObject({ fixedVersion: undefined, cvss: 3.1 })
  })
  it("grype: duplicate match dropped, Negligible is unknown", () => {
    const v = parse(grype, f("grype-dupes.json"))
    expect(v).toHaveLength(3)
    expect(counts(v)).toEqual({ ...z, critical: 1, high: 1, unknown: 1 })
    expect(v.find((x) => x.id === "CVE-2023-0001")?.fixedVersion).toBe("1.1, 2.0")
  })
  it("scout: purls array, missing ruleIndex, trailing hint on stdout", () => {
    const v = parse(scout, f("scout-purls.sarif"))
    expect(v).toEqual([
      { id: "CVE-2024-1111", severity: "critical", package: "musl", installedVersion: "1.2.3-r4", fixedVersion: "1.2.4", title: "CVE-2024-1111", cvss: 9.8 },
      { id: "CVE-2024-2222", severity: "medium", package: "pkg", installedVersion: "1.0.0", fixedVersion: undefined, title: "CVE-2024-2222", cvss: 5.3 }
    ])
    expect(splitPurl("pkg:deb/ubuntu/curl@7.68.0?x=1")).toEqual({ name: "curl", version: "7.68.0" })
  })
  it("trufflehog: log lines skipped, seed severity table, raw never kept", () => {
    const text = readFileSync(f("trufflehog-mixed.jsonl"), "utf8")
    const v = parse(trufflehog, f("trufflehog-mixed.jsonl"))
    expect(v.map((x) => [x.detector, x.severity, x.file, x.verified])).toEqual([
      ["AWS", "high", "/app/.env", false],
      ["PrivateKey", "high", "/root/.ssh/id_rsa", false],
      ["Box", "medium", "image-metadata:history:3:created-by", false]
    ])
    expect(v[0]?.redacted).toBe("AKIA****DFGH")
    expect(v[2]?.redacted).toBe("****")
    expect(JSON.stringify(v)).not.toContain("QWERTYUIOP")
    expect(text).toContain("QWERTYUIOP")
  })
  it("garbage is an error, not an empty result", () => {
    expect(Either.isLeft(trivy.parse("Killed"))).toBe(true)
    expect(Either.isLeft(trivy.parse('{"Results": 5}'))).toBe(true)
    expect(Either.isLeft(grype.parse("{}"))).toBe(true)
    expect(Either.isLeft(scout.parse("<html>"))).toBe(true)
    expect(Either.isLeft(trufflehog.parse("panic: runtime error"))).toBe(true)
    expect(Either.isLeft(trufflehog.parse('{"DetectorName":"AWS","Verified":"yes","DetectorType":2}'))).toBe(true)
    expect(trufflehog.parse("")).toEqual(Either.right([]))
  })
})

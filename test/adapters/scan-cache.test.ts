/** Scan cache: TTL, key by scanner version and digest, file modes. */
import { mkdtempSync, readdirSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { cacheKey, configDir, parseDuration, readCached, writeCached } from "../../src/adapters/scan/cache.ts"
import type { VulnScanResult } from "../../src/services/Scanners.ts"

const result: VulnScanResult = {
  kind: "vulnerabilities", scanner: "trivy", scannerVersion: "0.50.0", image: "app:1", imageDigest: "sha256:" + "a".repeat(64),
  scannedAt: "2026-01-01T00:00:00.000Z", durationMs: 10, fromCache: false, counts: { critical: 1, high: 0, medium: 0, low: 0, unknown: 0 },
  vulnerabilities: [{ id: "CVE-1", severity: "critical", package: "p", installedVersion: "1" }]
}

describe("scan cache", () => {
  it("hit within the TTL (marked fromCache), miss after it, miss for another version or digest", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "sentinel-cache-")), "cache", "scans")
    const key = cacheKey("trivy", "0.50.0", result.imageDigest!)
    await writeCached(dir, key, result, 1_000_000)
    expect(await readCached(dir, key, 60_000, 1_030_000)).toEqual({ ...result, fromCache: true })
    expect(await readCached(dir, key, 60_000, 1_070_000)).toBeUndefined()
    expect(await readCached(dir, key, 0, 1_000_001)).toBeUndefined()
    expect(await readCached(dir, cacheKey("trivy", "0.51.0", result.imageDigest!), 60_000, 1_000_001)).toBeUndefined()
    expect(await readCached(dir, cacheKey("trivy", "0.50.0", "sha256:" + "b".repeat(64)), 60_000, 1_000_001)).toBeUndefined()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const files = readdirSync(dir)
    expect(files).toEqual([`${key}.json`])
    expect(statSync(join(dir, files[0]!)).mode & 0o777).toBe(0o600)
  })
  it("durations and config dir", () => {
    expect(parseDuration("24h")).toBe(86_400_000)
    expect(parseDuration("1h30m")).toBe(5_400_000)
    expect(parseDuration("500ms")).toBe(500)
    expect(parseDuration("20")).toBe(20_000)
    expect(parseDuration("soon")).toBeUndefined()
    expect(configDir({ SENTINEL_CONFIG_DIR: "/tmp/x" })).toBe("/tmp/x")
  })
})

/** The Scanners service: image validation, digest lookup, cache by digest + version, outcomes per scanner. */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { ScannersLayer } from "../../src/adapters/scan/service.ts"
import { Scanners } from "../../src/services/Scanners.ts"

const FAKES = join(process.cwd(), "test/fixtures/fake-scanners")
const layer = (mode: string) =>
  ScannersLayer({ cacheDir: join(mkdtempSync(join(tmpdir(), "sentinel-svc-")), "scans"), path: `${join(FAKES, mode)}:${join(FAKES, "docker-inspect")}` }).pipe(
    Layer.provide(NodeContext.layer)
  )

describe("Scanners service", () => {
  it.live("second scan of the same image id is served from the cache; another id is rescanned", () =>
    Effect.gen(function* () {
      const s = yield* Scanners
      const [a] = yield* s.scanImage("app:1")
      const [b] = yield* s.scanImage("app:1", { scanners: ["trivy"] })
      const [c] = yield* s.scanImage("rebuilt:1")
      const [d] = yield* s.scanImage("app:1", { cacheTtlMs: 0 })
      expect(a).toMatchObject({ ok: true, result: { fromCache: false, imageDigest: `sha256:${"a".repeat(64)}`, scannerVersion: "0.99.0-fake", counts: { critical: 1, high: 1 } } })
      expect(b).toMatchObject({ ok: true, result: { fromCache: true, counts: { critical: 1, high: 1 } } })
      expect(c).toMatchObject({ ok: true, result: { fromCache: false, imageDigest: `sha256:${"b".repeat(64)}` } })
      expect(d).toMatchObject({ ok: true, result: { fromCache: false } })
    }).pipe(Effect.provide(layer("ok"))))

  it.live("failures are outcomes per scanner; nothing is cached for a failed scan", () =>
    Effect.gen(function* () {
      const s = yield* Scanners
      const out = yield* s.scanImage("app:1", { scanners: ["trivy", "grype", "nope"] })
      expect(out.map((o) => (o.ok ? "ok" : o.error.reason))).toEqual(["Crashed", "NotInstalled", "NotInstalled"])
      expect(out[2]?.ok === false && out[2].error.message).toMatch(/unknown scanner "nope"; valid: trivy, grype, scout/)
    }).pipe(Effect.provide(layer("crash"))))

  it.live("invalid and missing images fail the call with a typed error", () =>
    Effect.gen(function* () {
      const s = yield* Scanners
      expect((yield* Effect.flip(s.scanImage("dir:/etc"))).reason).toBe("InvalidImage")
      expect((yield* Effect.flip(s.scanImage("nosuch:1"))).reason).toBe("ImageNotFound")
      expect((yield* Effect.flip(s.scanSecrets("-rf"))).reason).toBe("InvalidImage")
      expect((yield* Effect.flip(s.scanSecrets("app:1", { scanner: "trufflehog" }))).reason).toBe("NotInstalled")
    }).pipe(Effect.provide(layer("ok"))))
})

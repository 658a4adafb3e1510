import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { decodeAuthZRequest } from "../../src/adapters/engine-api/decode.ts"
import { resolvePolicySync } from "../../src/adapters/policy-store/resolve.ts"
import { evaluate } from "../../src/domain/decide-impl.ts"

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64")
const env = (method: string, uri: string, body?: string) => ({
  RequestMethod: method,
  RequestUri: uri,
  ...(body !== undefined ? { RequestBody: b64(body) } : {}),
  RequestHeaders: { "Content-Type": "application/json" }
})
const policy = Either.getOrThrow(resolvePolicySync("default", { dir: "/nonexistent-sentinel-test" }))
const judge = (e: unknown) => evaluate(decodeAuthZRequest(e).request, policy, {})
const rules = (e: unknown) => judge(e).violations.map((f) => f.rule)

describe("formerly documented limits, now denied under default", () => {
  it("CRIU restore on start and checkpoint creation are denied (api.checkpoint)", () => {
    expect(rules(env("POST", "/v1.41/containers/web/start?checkpoint=cp1&checkpoint-dir=/var/lib"))).toContain("api.checkpoint")
    expect(rules(env("POST", "/v1.41/containers/web/checkpoints", '{"CheckpointID":"cp1"}'))).toContain("api.checkpoint")
    // a plain start and listing checkpoints are unaffected
    expect(judge(env("POST", "/v1.41/containers/web/start")).allowed).toBe(true)
    expect(judge(env("GET", "/v1.41/containers/web/checkpoints")).allowed).toBe(true)
  })
  it("a build joined to another container's network namespace is treated like host network", () => {
    const v = judge(env("POST", "/v1.41/build?t=app%3A1&networkmode=container%3Ahostnet"))
    expect(v.allowed).toBe(false)
    expect(v.violations.map((f) => f.rule)).toContain("api.build-host-network")
    expect(judge(env("POST", "/v1.41/build?t=app%3A1&networkmode=bridge")).allowed).toBe(true)
  })
  it("the legacy HostConfig.Capabilities list (API 1.40 engines) is judged as added capabilities", () => {
    const body = JSON.stringify({ Image: "busybox", HostConfig: { Capabilities: ["CAP_SYS_ADMIN", "CAP_CHOWN"] } })
    const v = judge(env("POST", "/v1.40/containers/create", body))
    expect(v.allowed).toBe(false)
    expect(v.violations.map((f) => f.rule)).toContain("capabilities.blocked")
  })
})

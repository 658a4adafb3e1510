/**
 * Every captured AuthZReq/AuthZRes pair goes through the real plugin (in-process, real
 * decoder, decide, policy store and audit): every answer is a well-formed HTTP 200, nothing
 * fails to decode or decide, AuthZRes always allows, and the security-relevant requests
 * are pinned to their decision under an explicit enforce policy.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FIXTURES, startPlugin, type Fixture, type Plugin } from "./authz-helpers.ts"

const POLICY = `name: pinned
mode: enforce
settings:
  max_risk_score: 100
rules:
  privileged:
    action: block
  host_namespaces:
    network: { action: block }
    pid: { action: block }
    ipc: { action: block }
  capabilities:
    blocked:
      - name: SYS_ADMIN
      - name: SYS_PTRACE
  mounts:
    blocked:
      - path: /
      - path: /etc
      - path: /proc
  security_options:
    require_no_new_privileges: false
`

// fixtures whose captured request must be denied, and why (rule id or problem code in the message)
const DENIED: Record<string, RegExp> = {
  "030": /runtime\.privileged/, "031": /runtime\.privileged/, "035": /mounts\./, "040": /mounts\.(docker-socket|blocked)/,
  "045": /mounts\.(blocked|docker-socket)/, "056": /mounts\.blocked/, "060": /capabilities\.blocked/, "063": /capabilities\.blocked/,
  "067": /security\.seccomp-unconfined/, "069": /security\.apparmor-unconfined/, "072": /security\.systempaths-unconfined/,
  "073": /namespaces\.host-network/, "074": /namespaces\.host-pid/, "075": /namespaces\.host-ipc/, "077": /namespaces\.host-userns/,
  "082": /devices\.host-device/, "084": /devices\.cgroup-rules/, "127": /runtime\.privileged/, "136": /capabilities\.all/,
  "410": /runtime\.privileged/, "411": /runtime\.privileged/, "414": /runtime\.privileged/, "417": /runtime\.privileged/,
  "419": /runtime\.privileged/, "420": /runtime\.privileged/, "422": /runtime\.privileged/, "424": /capabilities\.blocked/,
  "425": /runtime\.privileged/, "426": /runtime\.privileged/, "428": /runtime\.privileged/, "430": /runtime\.privileged/,
  "433": /runtime\.privileged/, "434": /runtime\.privileged/, "435": /runtime\.privileged/, "436": /runtime\.privileged/,
  "437": /runtime\.privileged/, "439": /missing-body/, "441": /runtime\.privileged/, "443": /runtime\.privileged/,
  "449": /mounts\.|capabilities\.blocked|namespaces\.host-pid/,
  "454": /runtime\.privileged/, "456": /mounts\.volume-host-bind/, "457": /missing-body/, "512": /runtime\.privileged/,
  "533": /runtime\.privileged/, "537": /capabilities\.blocked/, "541": /mounts\.docker-socket/
}
const ALLOWED = ["448", "450", "001", "002", "008", "011", "012", "015", "018", "020", "059", "065", "099", "101", "415", "452", "460", "489", "491", "492"]

const all = readdirSync(FIXTURES).filter((f) => f.endsWith(".json")).sort()

describe("all captured fixtures through the real plugin", () => {
  let p: Plugin
  const answers = new Map<string, { Allow: boolean; Msg: string; Err: string }>()
  beforeAll(async () => {
    p = await startPlugin({ pinned: POLICY }, "pinned")
    for (const f of all) {
      const fx = JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) as Fixture
      const req = await p.post("/AuthZPlugin.AuthZReq", fx.req)
      expect(req.status).toBe(200)
      answers.set(f.slice(0, 3), req.json as { Allow: boolean; Msg: string; Err: string })
      if (fx.res !== undefined) expect((await p.post("/AuthZPlugin.AuthZRes", fx.res)).json, f).toEqual({ Allow: true, Msg: "", Err: "" })
    }
  }, 120_000)
  afterAll(async () => {
    await p.close()
  })

  it("answers every request with a decision (no decode or internal failure)", () => {
    expect(all.length).toBe(484)
    expect(answers.size).toBe(484)
    for (const [n, a] of answers) {
      expect(typeof a.Allow, n).toBe("boolean")
      expect(a.Err, n).toBe("")
    }
    expect(p.handler.counters.errors).toBe(0)
  })

  it("denies the security-relevant requests, naming the rule", () => {
    const wrong = Object.entries(DENIED).filter(([n, why]) => answers.get(n)?.Allow !== false || !why.test(answers.get(n)?.Msg ?? ""))
    expect(wrong.map(([n]) => `${n}: ${answers.get(n)?.Msg ?? "no answer"}`)).toEqual([])
  })

  it("allows benign requests", () => {
    const wrong = ALLOWED.filter((n) => answers.get(n)?.Allow !== true)
    expect(wrong.map((n) => `${n}: ${answers.get(n)?.Msg ?? "no answer"}`)).toEqual([])
  })

  it("never leaks the secret values of the captured requests into answers", () => {
    for (const [n, a] of answers) expect(a.Msg, n).not.toMatch(/fake-password-123|s3cr3t|wJalrXUtnFEMI/)
  })
})

/**
 * Every captured AuthZ fixture (real dockerd traffic) decodes, and the plugin's decision on each
 * security-relevant one (every route that is not read-only) is pinned under the `default` and
 * `strict` templates in test/fixtures/decisions/pinned.json. A change to the decoder, the rules
 * or the templates that moves any of them fails here; review the diff, then regenerate with
 *   UPDATE_PINNED=1 npx vitest run --project unit test/consistency/fixture-decisions.test.ts
 * On top of the golden file, the security expectations are asserted explicitly below.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { evaluate } from "../../src/domain/decide-impl.ts"
import { decodeCorpus, loadTemplates, summarize, type DecodedFixture } from "./corpus.ts"

const PINNED = join(import.meta.dirname, "..", "fixtures", "decisions", "pinned.json")
const PINNED_TEMPLATES = ["default", "strict"] as const

interface Pinned {
  readonly fixture: string
  readonly uri: string
  readonly template: string
  readonly allowed: boolean
  readonly score: number
  readonly rules: ReadonlyArray<string>
}

const corpus = decodeCorpus()
const policies = loadTemplates()
const byId = new Map(corpus.map((f) => [f.file.slice(0, 3), f]))
const verdict = (f: DecodedFixture, t: keyof typeof policies) => summarize(evaluate(f.request, policies[t], { user: f.decoded.meta.user }))
const fx = (id: string): DecodedFixture => {
  const f = byId.get(id)
  if (f === undefined) throw new Error(`no fixture ${id}`)
  return f
}

const current = (): Array<Pinned> =>
  corpus
    .filter((f) => !f.decoded.meta.readOnly)
    .flatMap((f) =>
      PINNED_TEMPLATES.map((template) => {
        const v = verdict(f, template)
        return { fixture: f.file, uri: `${f.decoded.meta.method} ${f.decoded.meta.maskedUri}`, template, allowed: v.allowed, score: v.score, rules: v.rules }
      })
    )

// one entry per line: readable, and a change shows up as a one-line diff
const render = (entries: ReadonlyArray<Pinned>): string => `[\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(",\n")}\n]\n`

describe("all captured AuthZ fixtures decode", () => {
  it("484 fixtures, each decoded without error", () => {
    expect(corpus.length).toBe(484)
    for (const f of corpus) expect(f.decoded.meta.route, f.file).not.toBe("unknown")
  })
  it("the only decode problem is a missing body, and only where the daemon withheld it", () => {
    for (const f of corpus) {
      const codes = f.request.problems.map((p) => p.code)
      if (codes.length === 0) continue
      expect(codes, f.file).toEqual(["missing-body"])
      expect(f.fx.req["RequestBody"], f.file).toBeUndefined()
    }
    expect(corpus.filter((f) => f.request.problems.length > 0).map((f) => f.file.slice(0, 3))).toEqual(["438", "439", "445", "446", "457"])
  })
})

describe("pinned decisions (test/fixtures/decisions/pinned.json)", () => {
  it("match the golden file", () => {
    const now = current()
    if (process.env["UPDATE_PINNED"] === "1") writeFileSync(PINNED, render(now))
    const pinned = JSON.parse(readFileSync(PINNED, "utf8")) as ReadonlyArray<Pinned>
    expect(now.length).toBe(702) // 351 non-read-only fixtures × 2 templates
    expect(now).toEqual(pinned)
  })
})

/** Raw curl probes of engine-api-threats.md §2 where the daemon acted on a dangerous reading. */
const BYPASS_PROBES = [
  "410", // canonical privileged create (baseline)
  "411", // lowercase keys
  "414", // HostConfig fields at the top level, no HostConfig object
  "417", "419", // duplicate keys (scalar; case-variant object)
  "420", // trailing data after the JSON value
  "422", // \u escape inside a key
  "424", // lowercase mounts/capadd/pidmode
  "425", "426", "428", "430", "432", "433", "434", // path variants: no version, %2F, "1.41.", v1.24, v99.99, absolute-form, decoy query
  "435", "436", "437", // chunked bodies (the body was forwarded: the daemon is CVE-2024-41110 fixed)
  "438", "439", "445", "446", // no body forwarded: Content-Length 0 + body, > 1 MiB, text/plain, no Content-Type
  "441", // 1 MiB − 1 body
  "443", // Content-Type with charset
  "449", // legacy start (API 1.23) with a HostConfig body
  "454", // exec create with lowercase keys (privileged, root)
  "456", // volume create with lowercase keys (o=bind, device=/)
  "457" // service with a bind of / and SYS_ADMIN sent as text/plain (body withheld)
]

/** Benign everyday commands: allowed under default (the commands' non-read-only requests too). */
const BENIGN = {
  "docker run --rm busybox:local echo hello": ["008", "009", "010", "011"],
  "docker run -d --name web …": ["012", "013", "014"],
  "docker run -d -p 8080:80 …": ["015", "016", "017"],
  "docker ps / ps -a": ["018", "019"],
  "docker images / image inspect / history": ["005", "006", "007"],
  "docker logs web": ["021", "022"],
  "docker exec web id (non-root, into a plain container)": ["194", "195", "196", "197"],
  "docker exec -d / -i / -it web …": ["219", "220", "222", "223", "226", "227"],
  "docker run -it --rm … sh -c": ["154", "155", "156", "157"],
  "docker start -a keepme": ["189", "190", "191", "192", "193"],
  "docker build (classic builder)": ["254", "257", "260"],
  "docker network create mynet; run --network mynet": ["298", "307", "308", "309", "310"]
}

describe("security sanity of the decisions", () => {
  it("every raw bypass probe is denied under default and strict", () => {
    for (const id of BYPASS_PROBES) {
      for (const t of PINNED_TEMPLATES) expect(verdict(fx(id), t).allowed, `${fx(id).file} [${t}]`).toBe(false)
    }
  })
  it("probes the daemon read benignly are judged on the daemon's reading", () => {
    // 415: top-level Privileged/Binds next to an (empty) HostConfig object: dockerd takes HostConfig
    // and ignores the top-level fields (daemon outcome: Privileged=false), so the container is plain
    expect(verdict(fx("415"), "default")).toMatchObject({ allowed: true, rules: [] })
    // 453: a start body on API 1.41 is rejected by dockerd (400, removed in 1.24): nothing happens
    expect(fx("453").request.details["startBody"]).toMatch(/ignored/)
    expect(verdict(fx("453"), "default").allowed).toBe(true)
  })
  it("benign everyday commands are allowed under default", () => {
    for (const [what, ids] of Object.entries(BENIGN)) {
      for (const id of ids) expect(verdict(fx(id), "default"), `${what}: ${fx(id).file}`).toMatchObject({ allowed: true, decision: "allowed" })
    }
  })
  it("read-only requests are allowed with no findings under default and strict", () => {
    const ro = corpus.filter((f) => f.decoded.meta.readOnly)
    expect(ro.length).toBe(133)
    for (const f of ro) for (const t of PINNED_TEMPLATES) expect(verdict(f, t), `${f.file} [${t}]`).toMatchObject({ allowed: true, rules: [] })
  })
  it("attach into a container the policy would refuse to create is denied under default (facts learned from its create)", () => {
    // privileged, / mounted, /etc (holds /etc/docker), host pid+net, host net, / + pid + privileged, SYS_ADMIN, docker.sock
    for (const id of ["032", "037", "047", "129", "178", "534", "538", "542"]) {
      expect(fx(id).request.targetFacts, fx(id).file).toBeDefined()
      expect(verdict(fx(id), "default"), fx(id).file).toMatchObject({ allowed: false, rules: ["api.exec-into-privileged"] })
    }
    // plain targets: --read-only with a tmpfs, a named volume
    for (const id of ["174", "289"]) expect(verdict(fx(id), "default").allowed, fx(id).file).toBe(true)
  })
  it("escalations through docker run/create/exec are denied under default", () => {
    const escalations = ["030", "031", "035", "036", "040", "055", "056", "060", "067", "069", "072", "073", "074", "075", "077", "082", "084", "127", "128", "132", "136", "138", "139", "140", "199", "283", "318", "332", "359", "363", "512", "533", "537", "541"]
    for (const id of escalations) expect(verdict(fx(id), "default").allowed, fx(id).file).toBe(false)
  })
})

/**
 * Shared by the consistency tests: the captured AuthZ fixtures (real dockerd 20.10 traffic,
 * test/fixtures/authz), the shipped templates (embedded, resolved through resolvePolicySync
 * against an empty config dir so nothing local overrides them), and the verdict summary
 * both tests compare.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Either } from "effect"
import { decodeAuthZRequest, decodeAuthZResponse, type DecodedAuthZ } from "../../src/adapters/engine-api/decode.ts"
import { FactsStore } from "../../src/adapters/facts.ts"
import { builtinNames, resolvePolicySync } from "../../src/adapters/policy-store/resolve.ts"
import type { Verdict } from "../../src/domain/decide.ts"
import type { LoadedPolicy } from "../../src/domain/policy.ts"
import type { DockerRequest } from "../../src/domain/request.ts"

export const FIXTURE_DIR = join(import.meta.dirname, "..", "fixtures", "authz")
export const REPO = join(import.meta.dirname, "..", "..")

export interface Fixture {
  readonly command: string
  readonly req: Record<string, unknown>
  readonly res?: Record<string, unknown>
}

export interface FixtureFile {
  readonly file: string
  /** capture number (the NNN prefix) */
  readonly num: number
  readonly fx: Fixture
}

/** All fixture files, in capture order. */
export const loadFixtures = (): ReadonlyArray<FixtureFile> =>
  readdirSync(FIXTURE_DIR)
    .filter((f) => /^\d{3}-.*\.json$/.test(f))
    .sort()
    .map((file) => ({ file, num: Number(file.slice(0, 3)), fx: JSON.parse(readFileSync(join(FIXTURE_DIR, file), "utf8")) as Fixture }))

export interface DecodedFixture extends FixtureFile {
  readonly decoded: DecodedAuthZ
  /** the request as the plugin decides it: with the target facts its enrich step would add */
  readonly request: DockerRequest
}

const TARGETED = new Set(["container.exec", "container.attach", "container.archive"])

/**
 * Decode every fixture's AuthZReq (throws on one that is not an AuthZ request at all) and replay
 * what the plugin learns from each AuthZRes, in capture order (handler.ts authzRes, enrich.ts):
 * exec/attach/cp get the facts of their target container when its create was seen.
 */
export const decodeCorpus = (): ReadonlyArray<DecodedFixture> => {
  const facts = new FactsStore()
  return loadFixtures().map((f) => {
    const decoded = decodeAuthZRequest(f.fx.req)
    const r = decoded.request
    let target = r.target
    if (target !== undefined && /^\/exec\//.test(decoded.meta.path)) target = facts.containerOfExec(target)
    const known = target === undefined || !TARGETED.has(r.action) ? undefined : facts.get(target)
    const request = known !== undefined && r.targetFacts === undefined ? { ...r, targetFacts: known } : r
    if (r.action === "container.start" && r.container !== undefined && r.target !== undefined) facts.forget(r.target)
    const learned = f.fx.res === undefined ? {} : decodeAuthZResponse(f.fx.res)
    if (learned.container !== undefined) facts.learn(learned.container.facts, learned.container.name)
    if (learned.exec !== undefined) facts.learnExec(learned.exec.execId, learned.exec.containerId)
    if (learned.removed !== undefined) facts.forget(learned.removed)
    return { ...f, decoded, request }
  })
}

/** Every shipped template; the tests check this list against the embedded templates. */
export const TEMPLATES = ["default", "strict", "permissive", "production", "ci-cd", "development"] as const
export type TemplateName = (typeof TEMPLATES)[number]

export const shippedTemplateNames = (): ReadonlyArray<string> => [...builtinNames()].sort()

/** The shipped templates, loaded the way `sentinel validate --policy NAME` loads them from an empty config dir. */
export const loadTemplates = (): Record<TemplateName, LoadedPolicy> => {
  const empty = mkdtempSync(join(tmpdir(), "sentinel-consistency-"))
  const out: Partial<Record<TemplateName, LoadedPolicy>> = {}
  for (const t of TEMPLATES) {
    const r = resolvePolicySync(t, { dir: empty })
    if (Either.isLeft(r)) throw new Error(`template ${t} does not load: ${r.left.message}`)
    out[t] = r.right
  }
  return out as Record<TemplateName, LoadedPolicy>
}

/** What two decisions must agree on. */
export interface Summary {
  readonly allowed: boolean
  readonly decision: string
  readonly score: number
  /** sorted, de-duplicated rule ids of the counted findings (violations and warnings) */
  readonly rules: ReadonlyArray<string>
}

export const summarize = (v: Verdict): Summary => ({
  allowed: v.allowed,
  decision: v.decision,
  score: v.score,
  rules: [...new Set(v.findings.map((f) => f.rule))].sort()
})

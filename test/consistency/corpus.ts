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
import { builtinNames, resolvePolicySync } from "../../src/adapters/policy-store/resolve.ts"
import type { Verdict } from "../../src/domain/decide.ts"
import type { LoadedPolicy } from "../../src/domain/policy.ts"

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

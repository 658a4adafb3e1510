/**
 * The CLI path and the API path agree: for every captured fixture whose command is a
 * `docker run|create|exec` line, `sentinel validate -- <command>` (CLI parser + decide) and
 * the plugin (Engine API decoder + decide) reach the same decision under each shipped template.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"
import { decodeAuthZRequest } from "../../src/adapters/engine-api/decode.ts"
import { parsePolicy } from "../../src/adapters/policy-store/load.ts"
import { templates } from "../../src/adapters/policy-store/templates.gen.ts"
import { decide } from "../../src/domain/decide-impl.ts"
import type { DockerRequest } from "../../src/domain/request.ts"
import { FIXTURES, type Fixture } from "./authz-helpers.ts"

/** POSIX-shell-like word splitting (single and double quotes, backslash escapes). */
export const shellWords = (s: string): Array<string> => {
  const out: Array<string> = []
  let cur = ""
  let inWord = false
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? ""
    if (ch === "'") {
      const end = s.indexOf("'", i + 1)
      cur += s.slice(i + 1, end)
      i = end
      inWord = true
    } else if (ch === '"') {
      i++
      while (i < s.length && s[i] !== '"') {
        if (s[i] === "\\" && i + 1 < s.length) i++
        cur += s[i]
        i++
      }
      inWord = true
    } else if (ch === "\\" && i + 1 < s.length) {
      cur += s[++i]
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur)
      cur = ""
      inWord = false
    } else {
      cur += ch
      inWord = true
    }
  }
  if (inWord) out.push(cur)
  return out
}

const ROUTE = /^\/v[\d.]+\/containers\/(create|[^/]+\/exec)(\?|$)/
const cases = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: f, fx: JSON.parse(readFileSync(join(FIXTURES, f), "utf8")) as Fixture }))
  .filter(({ fx }) => /^docker (run|create|exec)\b/.test(fx.command ?? "") && fx.req["RequestMethod"] === "POST" && ROUTE.test(String(fx.req["RequestUri"])))

const io = { readFile: (p: string) => readFileSync(p, "utf8") }
const ctx = { decisionId: "parity", now: "2026-01-01T00:00:00Z", source: "authz" as const }
const summary = (r: DockerRequest, lp: Parameters<typeof decide>[1]) => {
  const v = decide(r, lp, ctx).verdict
  return { decision: v.decision, violations: [...new Set(v.violations.map((f) => f.rule))].sort() }
}

describe("CLI and API decisions agree on captured docker run/create/exec", () => {
  it("has cases", () => expect(cases.length).toBeGreaterThan(100))
  for (const t of templates) {
    it(`under the ${t.name} template`, () => {
      const lp = Either.getOrThrow(parsePolicy(t.text, `builtin:${t.name}`))
      const diffs: Array<string> = []
      let compared = 0
      for (const { file, fx } of cases) {
        const parsed = parseDockerCommand(shellWords(fx.command ?? ""), io)
        if (parsed._tag !== "Parsed") continue // files the capture host had (--env-file, seccomp profiles)
        const api = summary(decodeAuthZRequest(fx.req).request, lp)
        const cli = summary(parsed.request, lp)
        compared++
        if (api.decision !== cli.decision) diffs.push(`${file}: api ${api.decision} [${api.violations.join(",")}] vs cli ${cli.decision} [${cli.violations.join(",")}]`)
      }
      expect(compared).toBeGreaterThan(100)
      expect(diffs).toEqual([])
    })
  }
})

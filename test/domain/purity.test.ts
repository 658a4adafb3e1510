import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve, dirname } from "node:path"
import { describe, expect, it } from "vitest"

const DOMAIN = resolve("src/domain")
const ALLOWED_PACKAGES = new Set(["effect", "@marcbachmann/cel-js"])

const files = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : []
  })

describe("src/domain is pure", () => {
  const all = files(DOMAIN)
  it("has files to check", () => expect(all.length).toBeGreaterThan(10))
  for (const file of all) {
    it(`${file.slice(DOMAIN.length + 1)} imports only effect, pure libraries and sibling domain files`, () => {
      const src = readFileSync(file, "utf8")
      const specs = [...src.matchAll(/(?:import|export)[^"'`;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2] ?? "")
      for (const spec of specs) {
        if (spec.startsWith(".")) {
          expect(resolve(dirname(file), spec).startsWith(DOMAIN), `${spec} leaves src/domain`).toBe(true)
        } else {
          const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? "")
          expect(ALLOWED_PACKAGES.has(pkg), `${spec} is not allowed in the domain`).toBe(true)
        }
      }
    })
  }
})

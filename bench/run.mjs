// `npm run bench`: builds if needed, then runs every bench/*.mjs (except this file and _*.mjs)
// in turn. Each benchmark prints one JSON object per line; they are collected into
// bench/results/latest.json and summarised. Figures are ratios against baselines measured in the
// same run (these machines are noisy), see docs/PERFORMANCE.md.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

const only = process.argv.slice(2)
if (!existsSync("dist/cli.js")) spawnSync(process.execPath, ["build.mjs"], { stdio: "inherit" })
const files = readdirSync("bench")
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs" && !f.startsWith("_"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
const results = []
for (const f of files) {
  process.stderr.write(`\n== ${f}\n`)
  const started = Date.now()
  const r = spawnSync(process.execPath, ["--expose-gc", join("bench", f)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 })
  for (const line of (r.stdout ?? "").split("\n")) {
    const t = line.trim()
    if (!t.startsWith("{")) continue
    try {
      const obj = JSON.parse(t)
      results.push({ bench: f, ...obj })
      process.stdout.write(`${JSON.stringify({ bench: f, ...obj })}\n`)
    } catch {
      // not a result line
    }
  }
  if (r.status !== 0) process.stderr.write(`!! ${f} exited with ${r.status} after ${Date.now() - started} ms\n`)
}
mkdirSync("bench/results", { recursive: true })
writeFileSync("bench/results/latest.json", `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`)
process.stderr.write(`\nwrote bench/results/latest.json (${results.length} figures)\n`)

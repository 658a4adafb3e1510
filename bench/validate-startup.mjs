// Median wall time of `sentinel validate -- docker run --privileged ubuntu` (the bundled bin) against
// `node -e 0` in the same run, interleaved so both see the same machine noise. Goal: ≤ 2.5×.
import { spawnSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const runs = Number(process.env["BENCH_RUNS"] ?? 25)
const env = { ...process.env, SENTINEL_CONFIG_DIR: mkdtempSync(join(tmpdir(), "sentinel-bench-")), NO_COLOR: "1" }
const time = (args) => {
  const t = process.hrtime.bigint()
  const [cmd, ...rest] = args[0] === "bin/sentinel" ? args : [process.execPath, ...args]
  const r = spawnSync(cmd, rest, { env, stdio: ["ignore", "pipe", "pipe"] })
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  return { ms, status: r.status }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
// bin/sentinel is what `npx sentinel` runs: validate/exec start from the V8 startup snapshot.
// bin/sentinel.js is the plain ESM bundle (what runs when no snapshot could be built).
const variants = {
  validate: ["bin/sentinel", "validate", "--", "docker", "run", "--privileged", "ubuntu"],
  validate_no_audit: ["bin/sentinel", "validate", "--no-audit", "--", "docker", "run", "--privileged", "ubuntu"],
  validate_plain_bundle: ["bin/sentinel.js", "validate", "--", "docker", "run", "--privileged", "ubuntu"],
  full_cli_version: ["bin/sentinel", "version"]
}
const base = []
const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
for (let i = 0; i < 3; i++) for (const a of Object.values(variants)) time(a)
for (let i = 0; i < runs; i++) {
  base.push(time(["-e", "0"]).ms)
  for (const [k, a] of Object.entries(variants)) {
    const r = time(a)
    if (k.startsWith("validate") && r.status !== 1) throw new Error(`validate should exit 1 (blocked), got ${r.status}`)
    samples[k].push(r.ms)
  }
}
const b = median(base)
console.log(JSON.stringify({ metric: "node -e 0 median ms", value: +b.toFixed(1), runs }))
for (const [k, xs] of Object.entries(samples)) {
  const m = median(xs)
  console.log(JSON.stringify({ metric: `${k} median ms`, value: +m.toFixed(1), ratio_vs_node: +(m / b).toFixed(2), goal: k === "validate" ? "≤ 2.5×" : undefined, runs }))
}

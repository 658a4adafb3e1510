// In-process decisions per second on a realistic container create, against a baseline in the same
// process: serialising the same request with JSON.stringify (work every decision's audit does anyway).
// Goal: ≥ 50,000 decisions/s.
import { importTs } from "./_bundle.mjs"
import { Either } from "effect"

const m = await importTs("bench/_decide-entry.ts")
const templates = ["default", "strict", "production"]
const parsed = m.parseDockerCommand(["docker", "run", "-d", "--name", "web", "-p", "8080:80", "-v", "/srv/data:/data:ro", "-e", "DB_PASSWORD=x",
  "--cap-add", "NET_BIND_SERVICE", "--memory", "512m", "--cpus", "1", "--read-only", "--user", "1000:1000", "nginx:1.27"], { readFile: () => "" })
if (parsed._tag !== "Parsed") throw new Error(parsed.message)
const req = parsed.request
const rate = (fn, ms = 1500) => {
  for (let i = 0; i < 2000; i++) fn(i)
  let n = 0
  const end = performance.now() + ms
  while (performance.now() < end) for (let i = 0; i < 500; i++, n++) fn(n)
  return (n / ms) * 1000
}
const ctx = (i) => ({ decisionId: `d-${i}`, now: "2026-12-04T00:00:00.000Z", source: "cli" })
const base = rate(() => JSON.stringify(req))
console.log(JSON.stringify({ metric: "baseline JSON.stringify(request) per s", value: Math.round(base) }))
for (const name of templates) {
  const policy = Either.getOrThrow(m.resolvePolicySync(name, { dir: "/nonexistent" }))
  const ev = rate(() => m.evaluate(req, policy, {}))
  const dec = rate((i) => m.decide(req, policy, ctx(i)))
  console.log(JSON.stringify({ metric: `evaluate (verdict only) per s, ${name}`, value: Math.round(ev), ratio_vs_baseline: +(ev / base).toFixed(2), goal: "≥ 50,000/s" }))
  console.log(JSON.stringify({ metric: `decide (verdict + events) per s, ${name}`, value: Math.round(dec), ratio_vs_baseline: +(dec / base).toFixed(2), goal: "≥ 50,000/s" }))
}

// Audit store benchmarks (goals from the T6 issue):
//  - durable decisions/s appended (synchronous=FULL with group commit; NORMAL and no-group-commit for reference): goal ≥ 5,000/s
//  - `audit replay` requests/s over a store of ≥ 1,000,000 events, peak RSS: goal ≥ 20,000/s, RSS flat vs store size
//  - export (jsonl and csv) of the same store: time and peak RSS
// Replay/export run in child processes so peak RSS (maxRSS) is theirs alone; each is also run on a
// store 10x smaller to show RSS does not grow with store size. Prints one JSON object per line.
// Env: AUDIT_BENCH_EVENTS (default 1,000,000), AUDIT_BENCH_DIR (reuse a store between runs).
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Writable } from "node:stream"
import { Either } from "effect"
import { build as esbuild } from "esbuild"
import { pathToFileURL } from "node:url"

// bundled inside the repo (node_modules/.cache) so the external better-sqlite3 resolves
const outfile = join(fileURLToPath(new URL("..", import.meta.url)), "node_modules", ".cache", "sentinel-bench", `audit-entry-${process.pid}.mjs`)
await esbuild({
  entryPoints: [fileURLToPath(new URL("_audit-entry.ts", import.meta.url))], bundle: true, format: "esm", platform: "node", target: "node20",
  minify: true, outfile, external: ["better-sqlite3"], logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
})
const m = await import(pathToFileURL(outfile).href)
rmSync(outfile, { force: true })
const emit = (o) => console.log(JSON.stringify(o))
const mode = process.argv[2]

const COMMANDS = [
  "docker run -d --name web -p 8080:80 -v /srv/data:/data:ro -e DB_PASSWORD=x --memory 512m --cpus 1 --read-only --user 1000:1000 nginx:1.27",
  "docker run --rm --privileged alpine:3.20 sh",
  "docker run -v /var/run/docker.sock:/var/run/docker.sock docker:27-cli",
  "docker run --network host --pid host ubuntu:latest",
  "docker pull redis:7",
  "docker run -d --cap-add SYS_ADMIN -v /:/host debian:12",
  "docker exec -it web sh",
  "docker build -t app:1 ."
]
const policyOf = (name) => Either.getOrThrow(m.resolvePolicySync(name))
const requests = () => COMMANDS.map((c) => {
  const p = m.parseDockerCommand(c.split(" "), { readFile: () => "" })
  if (p._tag !== "Parsed") throw new Error(`${c}: ${p.message}`)
  return { request: p.request, command: c }
})
const decision = (policy, reqs, i, at) => {
  const r = reqs[i % reqs.length]
  return m.decide(r.request, policy, { decisionId: m.newDecisionId(), now: at, source: i % 5 === 0 ? "cli" : "authz", user: `user${i % 37}`, command: r.command }).events
}
const rss = () => Math.round(process.resourceUsage().maxRSS / 1024)

if (mode === "replay" || mode === "export") {
  // child: one measurement over an existing store
  const [, , , dir, arg] = process.argv
  const store = new m.AuditStore(dir)
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const cpuMs = () => { const c = process.cpuUsage(c0); return Math.round((c.user + c.system) / 1000) }
  if (mode === "replay") {
    const r = m.replay(store, policyOf(arg))
    emit({ total: r.total, newlyDenied: r.newlyDenied, newlyAllowed: r.newlyAllowed, ms: Math.round(performance.now() - t0), cpuMs: cpuMs(), rssMB: rss() })
  } else {
    let bytes = 0
    const sink = new Writable({ write(c, _e, cb) { bytes += c.length; cb() } })
    const n = await m.exportTo(store, { format: arg }, sink)
    emit({ records: n, bytes, ms: Math.round(performance.now() - t0), cpuMs: cpuMs(), rssMB: rss() })
  }
  store.close()
  process.exit(0)
}

const policy = policyOf("default")
const reqs = requests()
emit({ metric: "machine load average at start (1 min; these machines are shared)", value: (await import("node:os")).loadavg()[0].toFixed(2) })

// 1. durable appends. The decisions are made up front (decide's own speed is bench/decide-throughput.mjs);
// each append gets a fresh decision id, so this measures validation + scrub + insert + COMMIT.
const pool = Array.from({ length: 256 }, (_, i) => decision(policy, reqs, i, new Date().toISOString()))
const fresh = (i) => {
  const id = m.newDecisionId()
  return pool[i % pool.length].map((e) => ({ ...e, decisionId: id }))
}
const appendRate = async (synchronous, concurrency, ms = 3000) => {
  const dir = mkdtempSync(join(tmpdir(), "sentinel-bench-append-"))
  const store = new m.AuditStore(join(dir, "audit"), { synchronous })
  let n = 0
  const c0 = process.cpuUsage()
  const end = performance.now() + ms
  const worker = async (w) => {
    for (let i = w; performance.now() < end; i += concurrency) {
      await store.append(fresh(i))
      n++
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  const rate = n / ((performance.now() - t0) / 1000)
  const c = process.cpuUsage(c0)
  store.close()
  rmSync(dir, { recursive: true, force: true })
  return { value: Math.round(rate), perCpuSecond: Math.round(n / ((c.user + c.system) / 1e6)) }
}
emit({ metric: "durable decisions/s (synchronous=FULL, group commit, 64 concurrent)", ...(await appendRate("FULL", 64)), goal: "≥ 5,000/s" })
emit({ metric: "durable decisions/s (synchronous=NORMAL, group commit, 64 concurrent)", ...(await appendRate("NORMAL", 64)) })
emit({ metric: "durable decisions/s (synchronous=FULL, 1 at a time: no batching)", ...(await appendRate("FULL", 1, 2000)) })

if (process.env.AUDIT_BENCH_ONLY === "append") process.exit(0)

// 2. build (or reuse) stores of N and N/10 events
const target = Number(process.env.AUDIT_BENCH_EVENTS ?? 1_000_000)
const root = process.env.AUDIT_BENCH_DIR ?? mkdtempSync(join(tmpdir(), "sentinel-bench-store-"))
const build = (dir, events) => {
  const store = new m.AuditStore(dir, { synchronous: "NORMAL" })
  let have = store.lastPosition()
  const t0 = performance.now()
  const start = Date.parse("2026-01-01T00:00:00Z")
  for (let i = 0; have < events; ) {
    const batch = []
    for (let k = 0; k < 500; k++, i++) {
      const ev = decision(policy, reqs, i, new Date(start + i * 1000).toISOString())
      batch.push(ev)
      have += ev.length
    }
    store.appendSync(...batch)
  }
  const r = { events: store.lastPosition(), ms: Math.round(performance.now() - t0), dbMB: Math.round(statSync(store.file).size / 1048576) }
  store.close()
  return r
}
const big = join(root, "big"), small = join(root, "small")
const built = build(big, target)
build(small, Math.round(target / 10))
emit({ metric: "store built (bulk appendSync, 500 decisions/tx)", events: built.events, ms: built.ms, dbMB: built.dbMB })

const child = (args) => {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], { encoding: "utf8", maxBuffer: 16 << 20 })
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("{"))
  if (line === undefined) throw new Error(`child ${args.join(" ")} failed: ${r.stderr}`)
  return JSON.parse(line)
}
const rb = child(["replay", big, "strict"])
const rs = child(["replay", small, "strict"])
emit({ metric: "audit replay requests/s (policy strict over the default-policy history)", value: Math.round(rb.total / (rb.ms / 1000)),
  perCpuSecond: Math.round(rb.total / (rb.cpuMs / 1000)), events: built.events, requests: rb.total, ms: rb.ms, cpuMs: rb.cpuMs, peakRssMB: rb.rssMB, peakRssMB_10x_smaller_store: rs.rssMB, goal: "≥ 20,000/s, RSS flat" })
for (const format of ["jsonl", "csv"]) {
  const eb = child(["export", big, format])
  const es = child(["export", small, format])
  emit({ metric: `audit export ${format}`, records: eb.records, MB: Math.round(eb.bytes / 1048576), ms: eb.ms, cpuMs: eb.cpuMs, peakRssMB: eb.rssMB, peakRssMB_10x_smaller_store: es.rssMB })
}
if (process.env.AUDIT_BENCH_DIR === undefined && existsSync(root)) rmSync(root, { recursive: true, force: true })

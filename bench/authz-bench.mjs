// AuthZReq latency and throughput of the real plugin (bundled like the product, every decision
// committed to SQLite before the answer; durability as configured: default WAL + synchronous=NORMAL,
// SENTINEL_AUDIT_SYNC=FULL for fsync per commit) against a null plugin measured in the same run,
// over unix sockets, both in their own processes, with the same keep-alive client (dockerd's plugin
// client keeps its connection open) and the same envelope. The null plugin does what any real plugin
// must: read the body, JSON.parse the envelope, answer JSON.
// Prints one JSON object per line. Usage: node bench/authz-bench.mjs [--n 5000] [--seconds 3]
import { build } from "esbuild"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { Agent, request } from "node:http"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"

const { values } = parseArgs({ options: { n: { type: "string", default: "5000" }, seconds: { type: "string", default: "3" }, concurrency: { type: "string", default: "16" } } })
const N = Number(values.n)
const SECONDS = Number(values.seconds)
const CONC = Number(values.concurrency)
const repo = resolve(import.meta.dirname, "..")
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// the envelope dockerd sent for `docker run --rm busybox:local echo hello` (fixture 008)
const fixtures = join(repo, "test", "fixtures", "authz")
const fx = readdirSync(fixtures).find((f) => f.startsWith("008-"))
const envelope = Buffer.from(JSON.stringify(JSON.parse(readFileSync(join(fixtures, fx), "utf8")).req))

// bundle the plugin entry (inside node_modules so better-sqlite3 resolves)
const outDir = join(repo, "node_modules", ".cache", "sentinel-bench", "apps", "authz")
mkdirSync(outDir, { recursive: true })
const entry = join(outDir, "main.mjs")
await build({
  entryPoints: [join(repo, "src", "apps", "authz", "main.ts")], bundle: true, format: "esm", platform: "node", target: "node20", minify: true,
  outfile: entry, external: ["better-sqlite3"], logLevel: "warning",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
})

const dir = mkdtempSync(join(tmpdir(), "sentinel-authz-bench-"))
mkdirSync(join(dir, "policies"))
writeFileSync(join(dir, "policies", "bench.yaml"), "name: bench\nmode: enforce\nsettings:\n  max_risk_score: 60\nrules:\n  privileged:\n    action: block\n  capabilities:\n    blocked:\n      - name: SYS_ADMIN\n  mounts:\n    blocked:\n      - path: /etc\n")
writeFileSync(join(dir, "config.yaml"), "active_policy: bench\n")
const sentinelSock = join(dir, "sentinel.sock")
const nullSock = join(dir, "null.sock")

const NULL_PLUGIN = `
const http = require("node:http")
http.createServer({ keepAlive: true }, (req, res) => {
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    const env = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    const b = JSON.stringify({ Allow: typeof env.RequestMethod === "string", Msg: "", Err: "" })
    res.writeHead(200, { "Content-Type": "application/vnd.docker.plugins.v1+json", "Content-Length": Buffer.byteLength(b) })
    res.end(b)
  })
}).listen(process.argv[1], () => console.log("listening"))`

const procs = []
const launch = async (args, sock, env = {}) => {
  const p = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
  procs.push(p)
  let out = ""
  p.stdout.on("data", (c) => (out += c))
  p.stderr.on("data", (c) => (out += c))
  for (let i = 0; i < 300 && !(existsSync(sock) && /listening/.test(out)); i++) await sleep(50)
  if (!existsSync(sock)) throw new Error(`did not start: ${out}`)
  return p
}
const cleanup = () => { for (const p of procs) if (p.exitCode === null) p.kill("SIGTERM") }
process.on("exit", cleanup)

const nullProc = await launch(["-e", NULL_PLUGIN, nullSock], nullSock)
const plugin = await launch([entry, "start", "--socket", sentinelSock, "--pid-file", join(dir, "authz.pid"), "--docker-host", ""], sentinelSock, { SENTINEL_CONFIG_DIR: dir })

const call = (agent, socketPath) =>
  new Promise((resolve, reject) => {
    const req = request({ agent, socketPath, method: "POST", path: "/AuthZPlugin.AuthZReq", headers: { "Content-Length": envelope.length } }, (res) => {
      const chunks = []
      res.on("data", (c) => chunks.push(c))
      res.on("end", () => resolve(Buffer.concat(chunks)))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(envelope)
  })

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const latency = async (sock, label) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  for (let i = 0; i < 300; i++) await call(agent, sock)
  const ms = []
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint()
    const body = await call(agent, sock)
    ms.push(Number(process.hrtime.bigint() - t) / 1e6)
    if (i === 0 && !String(body).includes('"Allow":true')) throw new Error(`${label} did not allow: ${body}`)
  }
  agent.destroy()
  ms.sort((a, b) => a - b)
  return { p50: pct(ms, 50), p99: pct(ms, 99), mean: ms.reduce((a, b) => a + b, 0) / ms.length }
}
const throughput = async (sock) => {
  const agent = new Agent({ keepAlive: true, maxSockets: CONC })
  let count = 0
  const until = Date.now() + SECONDS * 1000
  await Promise.all(Array.from({ length: CONC }, async () => { while (Date.now() < until) { await call(agent, sock); count++ } }))
  agent.destroy()
  return count / SECONDS
}
const rss = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0)
  return { rssMiB: kb("VmRSS") / 1024, peakRssMiB: kb("VmHWM") / 1024 }
}

const r2 = (x) => Math.round(x * 1000) / 1000
const nullLat = await latency(nullSock, "null")
const sentLat = await latency(sentinelSock, "sentinel")
const nullLat2 = await latency(nullSock, "null")
const nullP50 = Math.min(nullLat.p50, nullLat2.p50)
const auditSync = (process.env.SENTINEL_AUDIT_SYNC ?? "NORMAL").toUpperCase()
console.log(JSON.stringify({ metric: "authz_latency_ms", audit_sync: auditSync, requests: N, null_p50: r2(nullP50), null_p99: r2(Math.min(nullLat.p99, nullLat2.p99)), sentinel_p50: r2(sentLat.p50), sentinel_p99: r2(sentLat.p99), sentinel_mean: r2(sentLat.mean), p50_ratio: r2(sentLat.p50 / nullP50), p50_added_ms: r2(sentLat.p50 - nullP50), goal: "p50 <= 1.5x null, p99 < 5 ms" }))
const nullRps = await throughput(nullSock)
const sentRps = await throughput(sentinelSock)
console.log(JSON.stringify({ metric: "authz_throughput_rps", audit_sync: auditSync, concurrency: CONC, seconds: SECONDS, null_rps: Math.round(nullRps), sentinel_rps: Math.round(sentRps), goal: ">= 2000 rps with decisions persisted" }))
const { default: Database } = await import(join(repo, "node_modules", "better-sqlite3", "lib", "index.js"))
await sleep(200)
const db = new Database(join(dir, "audit", "audit.db"), { readonly: true })
const decided = db.prepare("SELECT count(*) AS n FROM events WHERE type = 'Decided'").get().n
db.close()
console.log(JSON.stringify({ metric: "authz_memory", ...Object.fromEntries(Object.entries(rss(plugin.pid)).map(([k, v]) => [k, r2(v)])), null_plugin: rss(nullProc.pid), decisions_persisted: decided, audit_db_bytes: statSync(join(dir, "audit", "audit.db")).size }))
cleanup()

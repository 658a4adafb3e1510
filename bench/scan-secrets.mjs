// Built-in secret scanner throughput (MB/s of layer data) on a generated image of >= 200 MB in a
// private dockerd, against a baseline measured in the same run: `docker save` of the same image
// piped to nowhere (the I/O floor the scanner cannot beat). Also the cost of a cache hit.
// Needs root + dockerd (as the e2e tests); otherwise prints a skip line and exits 0.
import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { spawn, spawnSync } from "node:child_process"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { importTs } from "./_bundle.mjs"

const MB = 1024 * 1024
const TARGET_MB = Number(process.env["SCAN_BENCH_MB"] ?? 220)
const h = await importTs("test/e2e/harness.ts")
const missing = h.e2ePrerequisites()
if (missing !== undefined) {
  console.log(JSON.stringify({ metric: "built-in secret scan", skipped: missing }))
  process.exit(0)
}
const reader = await importTs("src/adapters/scan/image-reader.ts")
const service = await importTs("src/adapters/scan/service.ts")

// rootfs: 70% text (source-like and base64 data files, 64-256 KiB each), 30% binary blobs
const tar = h.busyboxRootfsTar((rootfs) => {
  const words = "const value = process.env.CONFIG ?? fallback; function handler(req, res) { return res.json({ ok: true, id }) } // TODO".split(" ")
  let written = 0
  let i = 0
  while (written < TARGET_MB * MB) {
    const dir = join(rootfs, "srv", `pkg${i % 50}`)
    mkdirSync(dir, { recursive: true })
    const size = (64 + ((i * 37) % 192)) * 1024
    let body
    if (i % 10 < 4) {
      const lines = []
      let n = 0
      while (n < size) {
        const line = Array.from({ length: 12 }, (_, k) => words[(i + k * 7 + n) % words.length]).join(" ")
        lines.push(line)
        n += line.length + 1
      }
      body = lines.join("\n")
      writeFileSync(join(dir, `f${i}.js`), body)
    } else if (i % 10 < 7) {
      body = randomBytes(Math.floor((size * 3) / 4)).toString("base64").replace(/(.{76})/g, "$1\n")
      writeFileSync(join(dir, `d${i}.txt`), body)
    } else {
      body = randomBytes(size)
      body[0] = 0
      writeFileSync(join(dir, `b${i}.bin`), body)
    }
    written += body.length
    i++
  }
  writeFileSync(join(rootfs, "srv", "planted.env"), `AWS_ACCESS_KEY_ID=${["AKIA", "BENC", "HMAR", "K7Q2", "ZZ9X"].join("")}\n`)
})
const d = await h.startDaemon({ preload: { "bench-big:1": tar } })
rmSync(tar, { force: true })
const env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.root, "cli-config") }
try {
  process.env["DOCKER_HOST"] = d.host
  process.env["DOCKER_CONFIG"] = join(d.root, "cli-config")
  // baseline: docker save to nowhere
  const saveOnce = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now()
      const p = spawn("docker", ["save", "bench-big:1"], { env, stdio: ["ignore", "pipe", "inherit"] })
      let bytes = 0
      p.stdout.on("data", (c) => (bytes += c.length))
      p.on("close", (code) => (code === 0 ? resolve({ ms: performance.now() - t0, bytes }) : reject(new Error(`docker save exit ${code}`))))
    })
  await saveOnce() // warm the page cache
  const base = await saveOnce()
  const runs = []
  for (let k = 0; k < 2; k++) {
    const t0 = performance.now()
    const r = await reader.scanLocalImage("bench-big:1")
    runs.push({ ms: performance.now() - t0, r })
  }
  const best = runs.sort((a, b) => a.ms - b.ms)[0]
  const layerMB = best.r.stats.layerBytes / MB
  const baseRate = base.bytes / MB / (base.ms / 1000)
  const rate = layerMB / (best.ms / 1000)
  console.log(JSON.stringify({ metric: "docker save baseline MB/s", value: +baseRate.toFixed(1), archive_mb: +(base.bytes / MB).toFixed(1) }))
  console.log(JSON.stringify({ metric: "built-in secret scan MB/s of layer data", value: +rate.toFixed(1), layer_mb: +layerMB.toFixed(1), files: best.r.stats.files, scanned_text_files: best.r.stats.scannedFiles, findings: best.r.findings.length, ms: Math.round(best.ms), ratio_vs_baseline: +(rate / baseRate).toFixed(3) }))

  const cacheDir = mkdtempSync(join(tmpdir(), "sentinel-bench-cache-"))
  const t1 = performance.now()
  const miss = await service.scanSecretsPromise("bench-big:1", {}, { cacheDir })
  const missMs = performance.now() - t1
  const hits = []
  for (let k = 0; k < 5; k++) {
    const t = performance.now()
    const hit = await service.scanSecretsPromise("bench-big:1", {}, { cacheDir })
    if (!hit.ok || !hit.result.fromCache) throw new Error("expected a cache hit")
    hits.push(performance.now() - t)
  }
  hits.sort((a, b) => a - b)
  const inspect = spawnSync("docker", ["image", "inspect", "--format", "{{.Id}}", "bench-big:1"], { env })
  if (!miss.ok || inspect.status !== 0) throw new Error("scan failed")
  console.log(JSON.stringify({ metric: "scan-secrets cache hit ms (median of 5)", value: +hits[2].toFixed(1), cache_miss_ms: Math.round(missMs), speedup: +(missMs / hits[2]).toFixed(0), note: "includes `docker image inspect` for the digest" }))
} finally {
  await d.stop()
}

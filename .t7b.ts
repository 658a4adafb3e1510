import { createReadStream } from "node:fs"
import { spawnSync } from "node:child_process"
import { scanImageArchive } from "./src/adapters/scan/image-reader.ts"
import { busyboxRootfsTar, startDaemon } from "./test/e2e/harness.ts"
import { randomBytes } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
const tar = busyboxRootfsTar((rootfs) => {
  const words = "const value = process.env.CONFIG ?? fallback; function handler(req, res) { return res.json({ ok: true, id }) } // TODO".split(" ")
  let written = 0, i = 0
  while (written < 220 * 1048576) {
    const dir = join(rootfs, "srv", `pkg${i % 50}`); mkdirSync(dir, { recursive: true })
    const size = (64 + ((i * 37) % 192)) * 1024
    let body: Buffer | string
    if (i % 10 < 4) { const lines: string[] = []; let n = 0; while (n < size) { const l = Array.from({ length: 12 }, (_, k) => words[(i + k * 7 + n) % words.length]).join(" "); lines.push(l); n += l.length + 1 }; body = lines.join("\n"); writeFileSync(join(dir, `f${i}.js`), body) }
    else if (i % 10 < 7) { body = randomBytes(Math.floor((size * 3) / 4)).toString("base64").replace(/(.{76})/g, "$1\n"); writeFileSync(join(dir, `d${i}.txt`), body) }
    else { body = randomBytes(size); body[0] = 0; writeFileSync(join(dir, `b${i}.bin`), body) }
    written += body.length; i++
  }
})
const d = await startDaemon({ preload: { "big:1": tar } })
const out = "/tmp/t7big-save.tar"
spawnSync("sh", ["-c", `docker save big:1 > ${out}`], { env: { ...process.env, DOCKER_HOST: d.host } })
await d.stop()
for (const k of [1, 2]) {
  const t0 = performance.now()
  const r = await scanImageArchive(createReadStream(out))
  const ms = performance.now() - t0
  console.log(k, Math.round(ms), "ms", (r.stats.layerBytes / 1048576 / (ms / 1000)).toFixed(1), "MB/s", r.stats.scannedFiles)
}

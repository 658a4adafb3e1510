/**
 * Reads an image from the local daemon (`docker save IMAGE`, streamed) and runs the built-in
 * secret detection over every text file of every layer, the image env and its history.
 * Nothing is written to disk; files larger than `maxFileBytes` or binary files are skipped.
 */
import { spawn } from "node:child_process"
import { Readable } from "node:stream"
import { createGunzip } from "node:zlib"
import tar from "tar-stream"
import { looksLikeText, scanImageConfig, scanText, type ImageConfigLike } from "../../../scanners/builtin-secrets.ts"
import type { SecretFinding } from "../../../scanners/types.ts"

export interface ArchiveScanStats {
  /** bytes of layer data read (uncompressed tar bytes) */
  layerBytes: number
  files: number
  scannedFiles: number
  skippedLarge: number
  layers: number
}

export interface ArchiveScanResult {
  readonly findings: ReadonlyArray<SecretFinding>
  readonly stats: ArchiveScanStats
  /** image config digest (`sha256:...`) when the archive names it */
  readonly configDigest?: string | undefined
}

type Chunks = AsyncIterable<Buffer>
type OnEntry = (header: tar.Header, stream: Chunks) => Promise<void>

/** Walk a tar stream, one entry at a time; each entry is drained before the next. */
const walkTar = async (input: Readable, onEntry: OnEntry): Promise<void> => {
  const ex = tar.extract()
  input.on("error", (e) => ex.destroy(e))
  input.pipe(ex)
  for await (const entry of ex) {
    await onEntry(entry.header, entry as Chunks)
    for await (const _ of entry as Chunks) void _
  }
}

/** Read the first `n` bytes of a stream and give back a stream that replays them. */
const peek = async (stream: Chunks, n: number): Promise<{ head: Buffer; rest: Readable }> => {
  const it = stream[Symbol.asyncIterator]()
  const chunks: Array<Buffer> = []
  let len = 0
  let done = false
  while (len < n) {
    const r = await it.next()
    if (r.done === true) {
      done = true
      break
    }
    chunks.push(r.value)
    len += r.value.length
  }
  const head = Buffer.concat(chunks)
  async function* replay() {
    yield head
    if (done) return
    for (;;) {
      const r = await it.next()
      if (r.done === true) return
      yield r.value
    }
  }
  return { head, rest: Readable.from(replay(), { objectMode: false }) }
}

const isTar = (b: Buffer) => b.length >= 262 && b.subarray(257, 262).toString("latin1") === "ustar"
const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b

/** Read a whole entry; undefined past `limit` (the rest is still drained, never buffered). */
const readAll = async (s: Chunks, limit: number): Promise<Buffer | undefined> => {
  const chunks: Array<Buffer> = []
  let len = 0
  for await (const c of s) {
    len += c.length
    if (len <= limit) chunks.push(c)
  }
  return len > limit ? undefined : Buffer.concat(chunks)
}

const layerIdOf = (name: string): string => {
  const m = /blobs\/sha256\/([a-f0-9]{64})$/.exec(name)
  if (m !== null) return `sha256:${m[1]}`
  return name.replace(/\/layer\.tar$/, "")
}

/** Scan a `docker save` archive stream. */
export const scanImageArchive = async (input: Readable, opts: { maxFileBytes?: number } = {}): Promise<ArchiveScanResult> => {
  const maxFile = opts.maxFileBytes ?? 5 * 1024 * 1024
  const findings: Array<SecretFinding> = []
  const stats: ArchiveScanStats = { layerBytes: 0, files: 0, scannedFiles: 0, skippedLarge: 0, layers: 0 }
  const jsonDocs = new Map<string, unknown>()

  const scanLayer = async (layer: Readable, layerId: string) => {
    stats.layers++
    await walkTar(layer, async (h, s) => {
      stats.layerBytes += h.size ?? 0
      if (h.type !== "file" && h.type !== "contiguous-file") return
      stats.files++
      const base = h.name.slice(h.name.lastIndexOf("/") + 1)
      if (base.startsWith(".wh.")) return
      if ((h.size ?? 0) > maxFile) {
        stats.skippedLarge++
        return
      }
      const buf = await readAll(s, maxFile)
      if (buf === undefined || !looksLikeText(buf)) return
      stats.scannedFiles++
      const path = h.name.startsWith("/") ? h.name : `/${h.name.replace(/^\.\//, "")}`
      findings.push(...(await scanText(buf.toString("utf8"), { file: path, layer: layerId })))
    })
  }

  await walkTar(input, async (h, s) => {
    if (h.type !== "file" && h.type !== "contiguous-file") return
    const { head, rest } = await peek(s, 512)
    if (isGzip(head)) return scanLayer(rest.pipe(createGunzip()), layerIdOf(h.name))
    if (isTar(head)) return scanLayer(rest, layerIdOf(h.name))
    if ((h.size ?? 0) <= 16 * 1024 * 1024 && (head[0] === 0x7b || head[0] === 0x5b)) {
      const buf = await readAll(rest, 16 * 1024 * 1024)
      if (buf === undefined) return
      try {
        jsonDocs.set(h.name, JSON.parse(buf.toString("utf8")))
      } catch {
        // not JSON: ignore
      }
      return
    }
    for await (const _ of rest) void _
  })

  const manifest = jsonDocs.get("manifest.json")
  const cfgName = Array.isArray(manifest) ? (manifest[0] as { Config?: unknown } | undefined)?.Config : undefined
  let configDigest: string | undefined
  if (typeof cfgName === "string") {
    const cfg = jsonDocs.get(cfgName)
    const m = /([a-f0-9]{64})(\.json)?$/.exec(cfgName)
    if (m !== null) configDigest = `sha256:${m[1]}`
    if (cfg !== undefined && typeof cfg === "object") findings.push(...(await scanImageConfig(cfg as ImageConfigLike)))
  }
  return { findings, stats, configDigest }
}

/** Error from `docker save`, with its stderr (never contains secrets). */
export class DockerSaveError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly notFound: boolean
  ) {
    super(`docker save failed (exit ${exitCode ?? "signal"}): ${stderr.trim().slice(0, 500)}`)
  }
}

/** `docker save IMAGE` streamed into scanImageArchive. Aborting kills docker's process group. */
export const scanLocalImage = (
  image: string,
  opts: { docker?: string; signal?: AbortSignal; maxFileBytes?: number } = {}
): Promise<ArchiveScanResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(opts.docker ?? "docker", ["save", image], { stdio: ["ignore", "pipe", "pipe"], detached: true })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 8192) stderr += d.toString("utf8")
    })
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
    opts.signal?.addEventListener("abort", kill, { once: true })
    const exited = new Promise<number | null>((res) => child.on("close", (code) => res(code)))
    child.on("error", (e) => reject(e))
    const scanned = scanImageArchive(child.stdout, opts.maxFileBytes === undefined ? {} : { maxFileBytes: opts.maxFileBytes })
    // a scan failure must not leave docker blocked on a full pipe: stop it
    const settled = scanned.catch((e: unknown) => (kill(), e instanceof Error ? e : new Error(String(e))))
    Promise.all([settled, exited]).then(([res, code]) => {
      opts.signal?.removeEventListener("abort", kill)
      if (res instanceof Error && code === null) return reject(res)
      if (code !== 0) return reject(new DockerSaveError(code, stderr, /No such image|not found|reference does not exist/i.test(stderr)))
      if (res instanceof Error) return reject(res)
      resolve(res as ArchiveScanResult)
    })
  })

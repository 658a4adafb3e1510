/**
 * A private, real dockerd for end-to-end tests. Each daemon has its own data-root, exec-root,
 * API socket and pidfile under a temp dir, no iptables changes and no bridge. It is stopped by
 * the PID it wrote (never by name), and any plugin spec file it needed is removed afterwards.
 *
 * Requires root and Debian's docker.io + busybox-static (.ci/run installs them).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { randomBytes } from "node:crypto"

export const PLUGIN_SPEC_DIR = "/etc/docker/plugins"

export interface DockerResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export interface RawResponse {
  readonly status: number
  readonly body: string
  readonly headers: Record<string, string | string[] | undefined>
}

export interface RawRequest {
  readonly method: string
  readonly path: string
  readonly body?: string | Buffer
  readonly headers?: Record<string, string>
  /** send the body with Transfer-Encoding: chunked (no Content-Length) */
  readonly chunked?: boolean
}

export interface Daemon {
  readonly root: string
  readonly socket: string
  readonly host: string
  readonly pid: number
  readonly log: string
  /** run the real docker CLI against this daemon */
  docker(args: ReadonlyArray<string>, opts?: { input?: string; timeoutMs?: number }): DockerResult
  /** a raw HTTP request to the daemon's API socket */
  raw(req: RawRequest): Promise<RawResponse>
  stop(): Promise<void>
}

export const e2ePrerequisites = (): string | undefined => {
  if (process.getuid?.() !== 0) return "end-to-end tests need root (they start a private dockerd)"
  for (const bin of ["dockerd", "containerd", "runc"]) {
    if (spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0) return `${bin} not found: apt-get install -y docker.io`
  }
  if (!existsSync("/bin/busybox")) return "/bin/busybox not found: apt-get install -y busybox-static"
  if (spawnSync("sh", ["-c", "command -v docker"]).status !== 0) return "docker CLI not found"
  return undefined
}

export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${randomBytes(4).toString("hex")}`

/** Write /etc/docker/plugins/<name>.spec pointing at a unix socket. Returns a remover. */
export const writePluginSpec = (name: string, socket: string): (() => void) => {
  mkdirSync(PLUGIN_SPEC_DIR, { recursive: true })
  const file = join(PLUGIN_SPEC_DIR, `${name}.spec`)
  writeFileSync(file, `unix://${socket}\n`, { mode: 0o644 })
  return () => rmSync(file, { force: true })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const rawRequest = (socket: string, req: RawRequest): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: "docker", ...(req.headers ?? {}) }
    if (req.body !== undefined && !req.chunked) headers["Content-Length"] = String(Buffer.byteLength(req.body))
    if (req.chunked) headers["Transfer-Encoding"] = "chunked"
    const r = httpRequest({ socketPath: socket, method: req.method, path: req.path, headers, timeout: 60_000 }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }))
      res.on("error", reject)
    })
    r.on("error", reject)
    r.on("timeout", () => r.destroy(new Error(`timeout: ${req.method} ${req.path}`)))
    if (req.body !== undefined) {
      if (req.chunked) {
        const buf = Buffer.from(req.body)
        const half = Math.max(1, Math.floor(buf.length / 2))
        r.write(buf.subarray(0, half))
        r.write(buf.subarray(half))
      } else r.write(req.body)
    }
    r.end()
  })

const ping = async (socket: string): Promise<boolean> => {
  try {
    const res = await rawRequest(socket, { method: "GET", path: "/_ping" })
    return res.status === 200
  } catch {
    return false
  }
}

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A tiny busybox rootfs tarball (cached per process). */
export const busyboxRootfsTar = (extra?: (rootfs: string) => void): string => {
  const dir = mkdtempSync(join(tmpdir(), "sentinel-rootfs-"))
  const rootfs = join(dir, "rootfs")
  for (const d of ["bin", "tmp", "etc", "root", "data"]) mkdirSync(join(rootfs, d), { recursive: true })
  copyFileSync("/bin/busybox", join(rootfs, "bin", "busybox"))
  chmodSync(join(rootfs, "bin", "busybox"), 0o755)
  for (const c of ["sh", "echo", "ls", "cat", "id", "sleep", "env", "true", "false", "touch", "mkdir", "rm", "wc", "head"]) {
    symlinkSync("busybox", join(rootfs, "bin", c))
  }
  writeFileSync(join(rootfs, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")
  writeFileSync(join(rootfs, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n")
  extra?.(rootfs)
  const tar = join(dir, "rootfs.tar")
  const res = spawnSync("tar", ["-C", rootfs, "-cf", tar, "."])
  if (res.status !== 0) throw new Error(`tar failed: ${res.stderr.toString()}`)
  return tar
}

export interface StartOptions {
  /** register an AuthZ plugin by this name whose socket is `pluginSocket` */
  readonly authz?: { readonly name: string; readonly socket: string }
  /** images to import before the plugin is enabled: tag -> rootfs tar (default busybox:local) */
  readonly preload?: Record<string, string>
  readonly extraArgs?: ReadonlyArray<string>
}

const launch = async (root: string, authzName: string | undefined, extraArgs: ReadonlyArray<string>): Promise<{ proc: ChildProcess; pid: number }> => {
  const socket = join(root, "docker.sock")
  const pidfile = join(root, "docker.pid")
  rmSync(pidfile, { force: true })
  const args = [
    "--data-root", join(root, "data"),
    "--exec-root", join(root, "exec"),
    "-H", `unix://${socket}`,
    "--pidfile", pidfile,
    "--iptables=false",
    "--ip-masq=false",
    "--bridge=none",
    "--log-level=info",
    ...(authzName !== undefined ? [`--authorization-plugin=${authzName}`] : []),
    ...extraArgs
  ]
  const { openSync } = await import("node:fs")
  const out = openSync(join(root, "dockerd.log"), "a")
  const proc = spawn("dockerd", args, { stdio: ["ignore", out, out], detached: true })
  proc.unref()
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break
    if (existsSync(socket) && (await ping(socket))) {
      const pid = Number(readFileSync(pidfile, "utf8").trim())
      return { proc, pid }
    }
    await sleep(200)
  }
  if (proc.pid !== undefined && pidAlive(proc.pid)) process.kill(proc.pid, "SIGKILL")
  throw new Error(`dockerd did not come up; log:\n${readFileSync(join(root, "dockerd.log"), "utf8").slice(-3000)}`)
}

const stopPid = async (pid: number): Promise<void> => {
  if (!pidAlive(pid)) return
  process.kill(pid, "SIGTERM")
  for (let i = 0; i < 150 && pidAlive(pid); i++) await sleep(100)
  if (pidAlive(pid)) process.kill(pid, "SIGKILL")
  for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100)
}

/**
 * Start a private dockerd. With `authz`, images in `preload` (default: busybox:local) are imported
 * first by a plugin-less start of the same data-root, then the daemon is restarted with the plugin
 * (the plugin must be listening on `authz.socket` before this is called).
 */
export const startDaemon = async (opts: StartOptions = {}): Promise<Daemon> => {
  const root = mkdtempSync(join(tmpdir(), "sentinel-dockerd-"))
  const socket = join(root, "docker.sock")
  const host = `unix://${socket}`
  const extra = opts.extraArgs ?? []
  const preload = opts.preload ?? { "busybox:local": busyboxRootfsTar() }
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_CONFIG: join(root, "cli-config") }
  delete (env as Record<string, string | undefined>)["DOCKER_CONTEXT"]
  const docker = (args: ReadonlyArray<string>, o?: { input?: string; timeoutMs?: number }): DockerResult => {
    const res = spawnSync("docker", args, { env, input: o?.input, timeout: o?.timeoutMs ?? 120_000, encoding: "utf8" })
    return { code: res.status ?? -1, stdout: res.stdout ?? "", stderr: res.stderr ?? "" }
  }
  let current = await launch(root, undefined, extra)
  for (const [tag, tar] of Object.entries(preload)) {
    const res = docker(["import", "--change", 'CMD ["sh"]', tar, tag])
    if (res.code !== 0) {
      await stopPid(current.pid)
      throw new Error(`docker import ${tag} failed: ${res.stderr}`)
    }
  }
  let removeSpec: (() => void) | undefined
  if (opts.authz !== undefined) {
    await stopPid(current.pid)
    removeSpec = writePluginSpec(opts.authz.name, opts.authz.socket)
    try {
      current = await launch(root, opts.authz.name, extra)
    } catch (e) {
      removeSpec()
      throw e
    }
  }
  const pid = current.pid
  return {
    root,
    socket,
    host,
    pid,
    log: join(root, "dockerd.log"),
    docker,
    raw: (req) => rawRequest(socket, req),
    stop: async () => {
      try {
        await stopPid(pid)
      } finally {
        removeSpec?.()
        spawnSync("sh", ["-c", `grep -F ' ${root}' /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l`])
        rmSync(root, { recursive: true, force: true, maxRetries: 3 })
      }
    }
  }
}

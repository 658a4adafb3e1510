/**
 * Running the REAL built CLI in tests: `bin/sentinel` (the sh launcher, which starts validate/exec
 * from the V8 startup snapshot when dist/fast.blob matches this node binary) and `node
 * bin/sentinel.js` (the plain ESM bundle). dist/ is built once (under a lock, so parallel test
 * files do not race) when it is missing or older than the sources.
 */
import { spawn, spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

export const REPO = resolve(import.meta.dirname, "../..")
export const BIN = join(REPO, "bin", "sentinel")
export const BIN_JS = join(REPO, "bin", "sentinel.js")

const newestMtime = (p: string): number => {
  if (!existsSync(p)) return 0
  const st = statSync(p)
  if (!st.isDirectory()) return st.mtimeMs
  let m = 0
  for (const e of readdirSync(p)) m = Math.max(m, newestMtime(join(p, e)))
  return m
}

const distStale = (): boolean => {
  const outs = ["cli.js", "fast.js", "fast-snapshot.cjs"].map((f) => join(REPO, "dist", f))
  if (!outs.every((f) => existsSync(f))) return true
  const built = Math.min(...outs.map((f) => statSync(f).mtimeMs))
  const inputs = ["src", "bin", "policies", "build.mjs", "package.json"].map((p) => newestMtime(join(REPO, p)))
  return Math.max(...inputs) > built
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Build dist/ if it is missing or stale; parallel callers wait for one build. */
export const ensureBuilt = async (): Promise<void> => {
  const lock = join(tmpdir(), "sentinel-cli-test-build.lock")
  for (let i = 0; i < 600; i++) {
    if (!distStale()) return
    try {
      mkdirSync(lock)
    } catch {
      // another test file is building; a lock older than 2 minutes is left over from a crash
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true })
      await sleep(200)
      continue
    }
    try {
      if (!distStale()) return
      const r = spawnSync(process.execPath, ["build.mjs"], { cwd: REPO, encoding: "utf8" })
      if (r.status !== 0) throw new Error(`node build.mjs failed:\n${r.stderr}`)
      return
    } finally {
      rmSync(lock, { recursive: true, force: true })
    }
  }
  throw new Error("timed out waiting for another test file to build dist/")
}

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `sentinel-cli-${prefix}-`))

export interface Run {
  readonly code: number | null
  readonly out: string
  readonly err: string
}

export interface RunOptions {
  /** the config dir (SENTINEL_CONFIG_DIR); a fresh temp dir when omitted */
  readonly configDir?: string
  readonly env?: Record<string, string | undefined>
  /** the program: bin/sentinel (default), or ["node", bin/sentinel.js] with `plain` */
  readonly plain?: boolean
  readonly cwd?: string
  readonly uid?: number
  readonly gid?: number
  readonly file?: string
  readonly timeoutMs?: number
}

/** The environment every CLI run gets: no colour, a private config dir, no inherited docker settings. */
export const cliEnv = (configDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", SENTINEL_CONFIG_DIR: configDir }
  for (const k of ["DOCKER_HOST", "DOCKER_CONTEXT", "SENTINEL_AS_DOCKER", "SENTINEL_HOME", "FORCE_COLOR"]) delete env[k]
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** Run the CLI as a user would (stdio piped, never a TTY) and collect its output and exit code. */
export const sentinel = (args: ReadonlyArray<string>, o: RunOptions = {}): Promise<Run> =>
  new Promise((resolvePromise, reject) => {
    const file = o.file ?? (o.plain === true ? process.execPath : BIN)
    const argv = o.file === undefined && o.plain === true ? [BIN_JS, ...args] : [...args]
    // its own process group, so a timeout kills everything it started (a wrapper recursion too)
    const child = spawn(file, argv, {
      detached: true,
      cwd: o.cwd ?? REPO,
      env: cliEnv(o.configDir ?? tempDir("cfg"), o.env),
      stdio: ["ignore", "pipe", "pipe"],
      ...(o.uid !== undefined ? { uid: o.uid } : {}),
      ...(o.gid !== undefined ? { gid: o.gid } : {})
    })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (b: Buffer) => out.push(b))
    child.stderr.on("data", (b: Buffer) => err.push(b))
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
      } catch {
        // already gone
      }
    }, o.timeoutMs ?? 20_000)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolvePromise({ code, out: Buffer.concat(out).toString("utf8"), err: Buffer.concat(err).toString("utf8") })
    })
  })

/** The seed's JSON envelope. */
export interface Envelope<T> {
  readonly success: boolean
  readonly timestamp: string
  readonly data?: T
  readonly error?: { readonly code: string; readonly message: string; readonly details?: string }
}
export const envelope = <T>(text: string): Envelope<T> => JSON.parse(text) as Envelope<T>

/** RFC 3339 UTC, second precision, as the original's Go time.RFC3339 in UTC. */
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/
export const ANSI = /\u001b\[/

/**
 * A fake `docker` in its own directory: it appends its argv (one arg per line, then a `--end--`
 * line) to `<dir>/argv`, writes a line to stdout and to stderr, and exits with `code` (or kills
 * itself with SIGTERM when FAKE_DOCKER_KILL is set).
 */
export const fakeDocker = (code: number, name = "docker"): { readonly dir: string; readonly argvFile: string } => {
  const dir = tempDir("fake-docker")
  const argvFile = join(dir, "argv")
  const script = [
    "#!/bin/sh",
    `for a in "$@"; do printf '%s\\n' "$a" >> '${argvFile}'; done`,
    `echo --end-- >> '${argvFile}'`,
    `echo "fake ${name} stdout: $*"`,
    `echo "fake ${name} stderr" >&2`,
    `[ -n "$FAKE_DOCKER_KILL" ] && kill -TERM $$`,
    `exit ${code}`,
    ""
  ].join("\n")
  writeFileSync(join(dir, name), script, { mode: 0o755 })
  chmodSync(join(dir, name), 0o755)
  return { dir, argvFile }
}

/** The argv lists a fake docker recorded, one list per call. */
export const recordedCalls = (text: string): ReadonlyArray<ReadonlyArray<string>> => {
  const calls: Array<Array<string>> = []
  let cur: Array<string> = []
  for (const line of text.split("\n")) {
    if (line === "--end--") {
      calls.push(cur)
      cur = []
    } else if (line !== "") cur.push(line)
  }
  return calls
}

/** Running the real docker binary for `sentinel exec` (and the push secret gate before it). */
import { spawn } from "node:child_process"
import { accessSync, constants, realpathSync } from "node:fs"
import { delimiter, dirname, join } from "node:path"

const isExecutable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const real = (p: string): string | undefined => {
  try {
    return realpathSync(p)
  } catch {
    return undefined
  }
}

/**
 * Every file that starts Sentinel: the running script and both launchers of its install
 * (`bin/sentinel`, `bin/sentinel.js`). Under the startup snapshot argv[1] is not a file, so the
 * install is found through SENTINEL_HOME (set by bin/sentinel).
 */
const selves = (): ReadonlySet<string> => {
  const me = real(process.argv[1] ?? "")
  const homes = [process.env["SENTINEL_HOME"], me === undefined ? undefined : dirname(dirname(me))]
  const out = new Set<string>(me === undefined ? [] : [me])
  for (const h of homes) {
    if (h === undefined || h === "") continue
    for (const f of ["sentinel", "sentinel.js"]) {
      const r = real(join(h, "bin", f))
      if (r !== undefined) out.add(r)
    }
  }
  return out
}

/**
 * The docker binary to run: `docker-real` first (wrapper installs: /usr/bin, /usr/local/bin, then
 * PATH), then `docker` on PATH — never Sentinel itself (when installed as a `docker` wrapper that
 * would recurse).
 */
export const findDocker = (): string | undefined => {
  const me = selves()
  const path = (process.env["PATH"] ?? "").split(delimiter).filter((d) => d !== "")
  const candidates = ["/usr/bin/docker-real", "/usr/local/bin/docker-real", ...path.map((d) => join(d, "docker-real"))]
  for (const dir of path) candidates.push(join(dir, "docker"))
  candidates.push("/usr/bin/docker", "/usr/local/bin/docker")
  for (const c of candidates) {
    if (!isExecutable(c)) continue
    const r = real(c)
    if (r === undefined || me.has(r)) continue
    return c
  }
  return undefined
}

/** Run docker with inherited stdio; resolve with docker's own exit code. */
export const runDocker = (args: ReadonlyArray<string>): Promise<number> => {
  const bin = findDocker()
  if (bin === undefined) {
    process.stderr.write("Error [MISSING_DEPENDENCY]: docker binary not found on PATH (install the docker CLI, or name the real binary docker-real)\n")
    return Promise.resolve(127)
  }
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: "inherit" })
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig)
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const)
    for (const [s, h] of handlers) process.on(s, h)
    child.on("error", (e) => {
      process.stderr.write(`Error [EXEC_ERROR]: could not run ${bin}: ${e.message}\n`)
      resolve(126)
    })
    child.on("exit", (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h)
      resolve(code ?? (signal !== null ? 128 + (signalNumber(signal) ?? 0) : 1))
    })
  })
}

const signalNumber = (s: NodeJS.Signals): number | undefined =>
  ({ SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[s]


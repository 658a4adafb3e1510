/** Shared plumbing for the `policy` command handlers: context, error printing, plugin reload signal. */
import { readFileSync } from "node:fs"
import { Either } from "effect"
import { configDir, loadConfig } from "../../adapters/config.ts"
import { envelope } from "./output.ts"

/** What a handler needs from the outside world (injected so tests run handlers in-process). */
export interface PolicyCtx {
  readonly dir: string
  readonly json: boolean
  readonly out: (line: string) => void
  readonly err: (line: string) => void
  /** run the editor on a file; returns its exit status */
  readonly runEditor: (file: string) => number
  /** ask a running plugin to reload; returns a line to print, if any */
  readonly signalPlugin: (dir: string) => string | undefined
}

/** Print an error (`Error [CODE]: message` or the JSON error envelope) and return the exit code. */
export const fail = (ctx: PolicyCtx, code: string, message: string, exit = 1, details?: string): number => {
  if (ctx.json) ctx.err(envelope(false, undefined, details === undefined ? { code, message } : { code, message, details }))
  else ctx.err(`Error [${code}]: ${message}${details === undefined ? "" : `\n  ${details.split("\n").join("\n  ")}`}`)
  return exit
}

/** The active policy selector from config.yaml, or an error string if config.yaml is invalid. */
export const activeName = (dir: string): Either.Either<string, string> => {
  const cfg = loadConfig(dir)
  return Either.isLeft(cfg) ? Either.left(cfg.left.message) : Either.right(cfg.right.config.active_policy)
}

/**
 * SIGHUP the running plugin named in config authz.pid_file (default /run/sentinel/authz.pid), but
 * only if /proc/<pid>/cmdline shows it is a sentinel process (a stale PID file must not make us
 * signal an unrelated process).
 */
export const sighupPlugin = (dir: string = configDir()): string | undefined => {
  const cfg = loadConfig(dir)
  const pidFile = Either.isRight(cfg) ? cfg.right.config.authz.pid_file : "/run/sentinel/authz.pid"
  let pid: number
  try {
    pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10)
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 1) return `warning: ${pidFile} does not hold a valid PID; plugin not reloaded`
  let cmdline: string
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\u0000/g, " ")
  } catch {
    return `no running plugin (PID ${pid} from ${pidFile} is gone)`
  }
  if (!cmdline.includes("sentinel")) return `warning: PID ${pid} from ${pidFile} is not a sentinel process; not signalled`
  try {
    process.kill(pid, "SIGHUP")
    return `Asked the running plugin (PID ${pid}) to reload`
  } catch (e) {
    return `warning: could not signal PID ${pid}: ${(e as Error).message}`
  }
}

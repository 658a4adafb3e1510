/**
 * The plugin's PID file: created with O_EXCL (no check-then-write race between two
 * starting instances). A file naming a dead process, or a live process that is not
 * Sentinel, is stale and is taken over by an atomic rename aside before re-creating.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs"
import { dirname } from "node:path"

/** Is `pid` alive and a Sentinel process (its command line is `… authz start …`, mentions sentinel, or runs the authz entry)? */
export const isSentinelProcess = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8")
    return cmd.includes("authz\u0000start") || /sentinel|apps\/authz\/main/i.test(cmd)
  } catch {
    return true // cannot tell: assume it is ours rather than stealing a live instance's file
  }
}

/** Read the PID recorded in a PID file, if any. */
export const readPid = (file: string): number | undefined => {
  try {
    const n = Number.parseInt(readFileSync(file, "utf8").trim(), 10)
    return Number.isInteger(n) && n > 0 ? n : undefined
  } catch {
    return undefined
  }
}

const tryCreate = (file: string): boolean => {
  try {
    const fd = openSync(file, "wx", 0o600)
    try {
      writeSync(fd, `${process.pid}\n`)
    } finally {
      closeSync(fd)
    }
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  }
}

/** Take the PID file or throw naming the live instance. Returns a release function. */
export const acquirePidFile = (file: string): (() => void) => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file)) {
      return () => {
        if (readPid(file) === process.pid) {
          try {
            unlinkSync(file)
          } catch {
            /* gone */
          }
        }
      }
    }
    const pid = readPid(file)
    if (pid !== undefined && pid !== process.pid && isSentinelProcess(pid)) {
      throw new Error(`Sentinel AuthZ is already running as PID ${pid} (PID file ${file}); use "sentinel authz stop" first`)
    }
    // stale: move it aside atomically; if another starter moved it first, the rename fails and we retry
    try {
      renameSync(file, `${file}.stale.${process.pid}`)
      unlinkSync(`${file}.stale.${process.pid}`)
    } catch {
      /* raced with another starter; retry the O_EXCL create */
    }
  }
  throw new Error(`could not create the PID file ${file}: another instance keeps recreating it`)
}

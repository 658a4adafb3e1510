/**
 * The one runner for every external scanner: finds the tool, runs it as a child process
 * (no shell) with a timeout that kills its whole process group, retries transient failures
 * with backoff, interprets exit codes per tool and parses the output through the adapter.
 */
import { Command, type CommandExecutor } from "@effect/platform"
import { accessSync, constants } from "node:fs"
import { delimiter, join } from "node:path"
import { Duration, Effect, Either, Schedule, Stream } from "effect"
import type { Finding, ScanKind, ScannerAdapter } from "../../../scanners/types.ts"
import { ScannerError } from "../../services/Scanners.ts"

const EXTRA_DIRS = ["/usr/local/bin", "/usr/bin", "/home/linuxbrew/.linuxbrew/bin", "/opt/homebrew/bin", "/snap/bin"]

/** Look a program up on PATH, then the usual install dirs. */
export const findExecutable = (name: string, path = process.env["PATH"] ?? ""): string | undefined => {
  if (name.includes("/")) return isExecutable(name) ? name : undefined
  for (const dir of [...path.split(delimiter).filter((d) => d !== ""), ...EXTRA_DIRS]) {
    const p = join(dir, name)
    if (isExecutable(p)) return p
  }
  return undefined
}

const isExecutable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const KILL_GRACE_MS = 2000

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal)
  } catch {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

export interface RawRun {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/** Run a program to completion, collecting stdout/stderr. Interrupting it kills the process group. */
export const exec = (
  bin: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {}
): Effect.Effect<RawRun, ScannerError, CommandExecutor.CommandExecutor> =>
  Effect.scoped(
    Effect.gen(function* () {
      const cmd = Command.make(bin, ...args).pipe(Command.env(env), Command.stdin("pipe"))
      const p = yield* Command.start(cmd)
      // runs before the platform's own finalizer (which sends SIGTERM and waits forever):
      // TERM the process group, then KILL it if it is still there after a grace period
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          const running = p.isRunning.pipe(Effect.orElseSucceed(() => false))
          if (!(yield* running)) return
          signalGroup(p.pid, "SIGTERM")
          // finalizers are uninterruptible, so poll instead of racing a timeout against exitCode
          for (let waited = 0; waited < KILL_GRACE_MS; waited += 100) {
            yield* Effect.sleep(Duration.millis(100))
            if (!(yield* running)) return
          }
          signalGroup(p.pid, "SIGKILL")
        })
      )
      const [stdout, stderr, code] = yield* Effect.all(
        [p.stdout.pipe(Stream.decodeText(), Stream.mkString), p.stderr.pipe(Stream.decodeText(), Stream.mkString), p.exitCode],
        { concurrency: "unbounded" }
      )
      return { stdout, stderr, exitCode: code as number }
    })
  ).pipe(Effect.mapError((e) => new ScannerError({ scanner: bin, reason: "Crashed", detail: `could not run ${bin}: ${e.message}` })))

export interface RunOptions {
  readonly timeoutMs: number
  /** extra attempts for transient failures (default 2) */
  readonly retries?: number | undefined
  /** first backoff delay (default 500 ms, doubling) */
  readonly backoffMs?: number | undefined
  readonly offline?: boolean | undefined
  /** PATH override (tests) */
  readonly path?: string | undefined
  /** an already resolved tool (from toolVersion), to avoid a second version call */
  readonly tool?: { readonly bin: string; readonly version: string } | undefined
}

export interface AdapterRun<K extends ScanKind> {
  readonly findings: ReadonlyArray<Finding<K>>
  readonly version: string
  readonly attempts: number
}

const tail = (s: string, n = 2000): string => (s.length > n ? `…${s.slice(-n)}` : s).trim()

class Transient {
  readonly _tag = "Transient"
  constructor(readonly error: ScannerError) {}
}

/** Resolve the tool and its version; NotInstalled when absent or when its version command fails. */
export const toolVersion = <K extends ScanKind>(adapter: ScannerAdapter<K>, opts: { path?: string | undefined } = {}) =>
  Effect.gen(function* () {
    const bin = findExecutable(adapter.binary, opts.path)
    if (bin === undefined) {
      return yield* new ScannerError({ scanner: adapter.id, reason: "NotInstalled", detail: `${adapter.binary} is not installed (not on PATH); ${adapter.installHint}` })
    }
    const v = yield* exec(bin, adapter.versionArgs, adapter.env).pipe(
      Effect.timeoutFail({ duration: Duration.seconds(15), onTimeout: () => new ScannerError({ scanner: adapter.id, reason: "Timeout", detail: `\`${adapter.binary} ${adapter.versionArgs.join(" ")}\` did not answer within 15s` }) })
    )
    if (v.exitCode !== 0) {
      return yield* new ScannerError({ scanner: adapter.id, reason: "NotInstalled", detail: `\`${adapter.binary} ${adapter.versionArgs.join(" ")}\` failed (exit ${v.exitCode}); ${adapter.installHint}`, stderr: tail(v.stderr), exitCode: v.exitCode })
    }
    return { bin, version: adapter.parseVersion(v.stdout + "\n" + v.stderr) ?? "unknown" }
  })

/** Run one adapter against an image: timeout, transient retries, exit-code and output interpretation. */
export const runAdapter = <K extends ScanKind>(
  adapter: ScannerAdapter<K>,
  image: string,
  opts: RunOptions
): Effect.Effect<AdapterRun<K>, ScannerError, CommandExecutor.CommandExecutor> =>
  Effect.gen(function* () {
    const { bin, version } = opts.tool ?? (yield* toolVersion(adapter, { path: opts.path }))
    const args = adapter.command(image, { offline: opts.offline })
    let attempts = 0
    const once = Effect.suspend(() => {
      attempts++
      return exec(bin, args, adapter.env)
    }).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(opts.timeoutMs),
        onTimeout: () =>
          new ScannerError({ scanner: adapter.id, reason: "Timeout", detail: `scan of ${image} did not finish within ${Math.round(opts.timeoutMs / 1000)}s and was killed; raise the timeout (--timeout or settings.image_scanning.scan_timeout) or pre-scan the image` })
      }),
      Effect.flatMap((r): Effect.Effect<ReadonlyArray<Finding<K>>, ScannerError | Transient> => {
        if (adapter.interpretExit(r.exitCode, r.stdout) === "error") {
          const err = tail(r.stderr)
          if (adapter.imageNotFound?.test(r.stderr) === true) {
            return Effect.fail(new ScannerError({ scanner: adapter.id, reason: "ImageNotFound", detail: `image ${image} was not found by ${adapter.id}; pull or build it first`, stderr: err, exitCode: r.exitCode }))
          }
          const e = new ScannerError({ scanner: adapter.id, reason: "Crashed", detail: `${adapter.binary} exited with code ${r.exitCode}: ${err.split("\n").slice(-3).join(" ") || "(no stderr)"}`, stderr: err, exitCode: r.exitCode })
          return adapter.transient?.test(r.stderr) === true ? Effect.fail(new Transient(e)) : Effect.fail(e)
        }
        const parsed = adapter.parse(r.stdout)
        if (Either.isLeft(parsed)) {
          return Effect.fail(new ScannerError({ scanner: adapter.id, reason: "OutputInvalid", detail: `could not read ${adapter.id} ${version} output (${parsed.left}); check that this version is supported (docs/SCANNERS.md)`, stderr: tail(r.stderr), exitCode: r.exitCode }))
        }
        return Effect.succeed(parsed.right)
      })
    )
    const findings = yield* once.pipe(
      Effect.retry({
        while: (e) => e instanceof Transient,
        times: opts.retries ?? 2,
        schedule: Schedule.exponential(Duration.millis(opts.backoffMs ?? 500))
      }),
      Effect.catchIf(
        (e): e is Transient => e instanceof Transient,
        (t) =>
          Effect.fail(
            new ScannerError({ scanner: t.error.scanner, reason: t.error.reason, detail: `${t.error.detail} (gave up after ${attempts} attempts)`, stderr: t.error.stderr, exitCode: t.error.exitCode })
          )
      )
    )
    return { findings, version, attempts }
  })

/**
 * A scoped chokidar watch over directories (not inodes), so editors that save by writing a temp
 * file and renaming it over the original are seen. Returns once every watcher has finished its
 * initial scan, so no change made after this returns is missed.
 */
import type { Stats } from "node:fs"
import { Effect, Queue, Stream, type Scope } from "effect"
import { watch, type FSWatcher } from "chokidar"

export interface WatchTarget {
  readonly dir: string
  /** how many directory levels below `dir` to watch (0 = only its entries) */
  readonly depth: number
}

/** Start watching; the returned stream emits the path of every add/change/unlink (or fails on a watcher error). */
export const watchDirs = (
  targets: ReadonlyArray<WatchTarget>,
  ignored: (path: string, stats?: Stats) => boolean
): Effect.Effect<Stream.Stream<string, Error>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Effect.acquireRelease(Queue.unbounded<string | Error>(), Queue.shutdown)
    yield* Effect.forEach(
      targets,
      (t) =>
        Effect.acquireRelease(
          Effect.async<FSWatcher>((resume) => {
            const w = watch(t.dir, { ignoreInitial: true, depth: t.depth, ignored, persistent: true })
            for (const ev of ["add", "change", "unlink"] as const) w.on(ev, (p: string) => void Queue.unsafeOffer(queue, p))
            w.on("error", (e: unknown) => void Queue.unsafeOffer(queue, e instanceof Error ? e : new Error(String(e))))
            w.once("ready", () => resume(Effect.succeed(w)))
          }),
          (w) => Effect.promise(() => w.close())
        ),
      { discard: true }
    )
    return Stream.fromQueue(queue).pipe(
      Stream.mapEffect((x) => (typeof x === "string" ? Effect.succeed(x) : Effect.fail(x)))
    )
  })

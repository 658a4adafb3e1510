/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the COMMIT
 * that crosses 1000 WAL pages, copying the WAL into the database (and fsyncing it) while the
 * plugin waits: that was most of the audit's p99. A worker thread with its own connection runs
 * PASSIVE checkpoints instead (they never block the writer); the main connection's automatic
 * checkpoint is switched off only while that worker is alive, and comes back if it dies.
 */
import { realpathSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import type Database from "better-sqlite3"

/** Worker body (CommonJS, eval'd): checkpoint, sleep on the control word, repeat until told to stop. */
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads")
const ctl = new Int32Array(workerData.control)
let db
const done = () => {
  try { if (db !== undefined) db.close() } catch {}
  Atomics.store(ctl, 1, 1)
  Atomics.notify(ctl, 1)
}
const loop = async () => {
  const Database = require(workerData.driver)
  db = new Database(workerData.file, { fileMustExist: true })
  db.pragma("synchronous = " + workerData.synchronous)
  parentPort.postMessage({ ready: true })
  let last = -1
  while (Atomics.load(ctl, 0) === 0) {
    let pause = workerData.intervalMs
    try {
      const r = db.pragma("wal_checkpoint(PASSIVE)")[0]
      // still behind, or the WAL grew since the last pass: go again soon, so that it is fully
      // checkpointed often enough for the writer to restart it from the beginning under load
      if (r !== undefined && (r.checkpointed < r.log || r.log !== last)) pause = 2
      last = r === undefined ? -1 : r.log
    } catch (e) { parentPort.postMessage({ error: String(e) }) }
    // an async wait keeps the thread terminable when the process exits without stop()
    const w = Atomics.waitAsync(ctl, 0, 0, pause)
    if (w.async) {
      const keepAlive = setTimeout(() => {}, pause + 100) // a pending waitAsync alone does not
      await w.value
      clearTimeout(keepAlive)
    }
  }
}
loop().then(done, (e) => { parentPort.postMessage({ error: String(e) }); done() })
`

/** Where better-sqlite3 lives, seen from the running script (no import.meta: the CLI snapshot is CommonJS). */
const driverPath = (): string => {
  const script = process.argv[1]
  const bases = [script === undefined ? undefined : realpathSync(script), join(process.cwd(), "index.js")]
  for (const base of bases) {
    try {
      if (base !== undefined) return createRequire(base).resolve("better-sqlite3")
    } catch {
      /* try the next base */
    }
  }
  throw new Error("cannot locate the better-sqlite3 module for the checkpoint worker")
}

export interface CheckpointerOptions {
  /** pause between checkpoints (default 50 ms) */
  readonly intervalMs?: number | undefined
  readonly synchronous: string
  /** where problems are reported (default stderr) */
  readonly log?: ((line: string) => void) | undefined
}

/** A background checkpointer for the WAL of `file`, whose writer connection is `sqlite`. */
export class WalCheckpointer {
  private readonly worker: Worker
  private readonly control = new Int32Array(new SharedArrayBuffer(8))
  private alive = true

  constructor(
    private readonly sqlite: Database.Database,
    file: string,
    opts: CheckpointerOptions
  ) {
    const log = opts.log ?? ((l: string) => void process.stderr.write(`sentinel: ${l}\n`))
    const driver = driverPath()
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file, control: this.control.buffer, intervalMs: opts.intervalMs ?? 50, synchronous: opts.synchronous }
    })
    this.worker.on("message", (m: { ready?: boolean; error?: string }) => {
      if (m.ready === true && this.alive && this.sqlite.open) {
        this.sqlite.pragma("wal_autocheckpoint = 0")
        this.sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`) // shrink the WAL file when it restarts after a burst
      }
      if (m.error !== undefined) log(`background WAL checkpoint failed (${m.error}); commits checkpoint themselves while this lasts`)
    })
    const fallBack = () => {
      if (!this.alive) return
      this.alive = false
      if (this.sqlite.open) this.sqlite.pragma("wal_autocheckpoint = 1000")
    }
    this.worker.on("error", (e) => {
      log(`background WAL checkpointer stopped (${String(e)}); SQLite's automatic checkpoint is back on`)
      fallBack()
    })
    this.worker.on("exit", fallBack)
    this.worker.unref() // after the listeners: adding a "message" listener refs the port again
  }

  /** Whether the worker is checkpointing (the writer's automatic checkpoint is off). */
  get running(): boolean {
    return this.alive
  }

  /** Stop the worker and wait (bounded) until its connection is closed; restores automatic checkpoints. */
  stop(waitMs = 2000): void {
    this.alive = false
    if (this.sqlite.open) this.sqlite.pragma("wal_autocheckpoint = 1000")
    Atomics.store(this.control, 0, 1)
    Atomics.notify(this.control, 0)
    Atomics.wait(this.control, 1, 0, waitMs)
    void this.worker.terminate()
  }
}

/** Start a checkpointer; undefined (SQLite's automatic checkpoint stays on) when no worker can start. */
export const startCheckpointer = (sqlite: Database.Database, file: string, synchronous: string): WalCheckpointer | undefined => {
  try {
    return new WalCheckpointer(sqlite, file, { synchronous })
  } catch (e) {
    process.stderr.write(`sentinel: background WAL checkpoints unavailable (${String(e)}); commits checkpoint themselves\n`)
    return undefined
  }
}

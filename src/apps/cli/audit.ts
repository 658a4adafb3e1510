/**
 * `sentinel audit …`: list | show ID | tail [-n N] [--follow] | stats | export | forward | replay | prune | reindex.
 * Human output by default, the JSON envelope with --json. Exit codes: 0 ok, 1 failure, 2 usage.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Either, Option } from "effect"
import { chmodSync, createWriteStream } from "node:fs"
import { once } from "node:events"
import { configPaths } from "../../adapters/config.ts"
import { resolvePolicySync } from "../../adapters/policy-store/resolve.ts"
import { storeOptionsFromConfig } from "../../adapters/audit/layer.ts"
import { AuditStore, type ListFilter } from "../../adapters/audit/store.ts"
import { EXPORT_FORMATS, exportTo, type ExportFormat } from "../../adapters/audit/export.ts"
import { follow } from "../../adapters/audit/follow.ts"
import { openSyslog, parseSyslogUrl } from "../../adapters/audit/syslog.ts"
import { computeStats } from "../../adapters/audit/stats.ts"
import { prune } from "../../adapters/audit/prune.ts"
import { replay } from "../../adapters/audit/replay.ts"
import { rebuildIndex } from "../../adapters/audit/rebuild.ts"
import { optionalBound } from "../../adapters/audit/time.ts"
import { renderList, renderReplay, renderShow, renderStats, renderTailLine, type Colours } from "../../adapters/audit/render.ts"
import { c, printJson, printJsonError, UsageError } from "./output.ts"

const colours: Colours = { red: (s) => c.red(s), green: (s) => c.green(s), yellow: (s) => c.yellow(s), gray: (s) => c.gray(s), bold: (s) => c.bold(s) }
const out = (s: string): void => void process.stdout.write(`${s}\n`)

/** Open the store of the configured config dir (created 0700/0600 when missing). */
const openStore = (): AuditStore => {
  const p = configPaths()
  return new AuditStore(p.auditDir, storeOptionsFromConfig(p.dir))
}

const bound = (v: Option.Option<string>, flag: string): string | undefined => {
  try {
    return optionalBound(Option.getOrUndefined(v), flag)
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e))
  }
}

/** Run a handler with the store; errors become exit 1 (2 for usage) with a readable message. */
const withStore = (json: boolean, f: (store: AuditStore) => number | Promise<number>) =>
  Effect.promise(async () => {
    let store: AuditStore | undefined
    try {
      store = openStore()
      return await f(store)
    } catch (e) {
      const usage = e instanceof UsageError
      const msg = e instanceof Error ? e.message : String(e)
      if (json) printJsonError(usage ? "USAGE" : "AUDIT_ERROR", msg)
      else process.stderr.write(`${c.red("Error", process.stderr)}: ${msg}\n`)
      return usage ? 2 : 1
    } finally {
      store?.close()
    }
  }).pipe(Effect.map((code) => void (process.exitCode = code)))

/** Abort on SIGINT/SIGTERM (follow modes). */
const stopSignal = (): AbortSignal => {
  const ac = new AbortController()
  const stop = (): void => ac.abort()
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  return ac.signal
}

const json = Options.boolean("json").pipe(Options.withDescription("print JSON (the {success,timestamp,data} envelope)"))
const since = Options.text("since").pipe(Options.optional, Options.withDescription("from: a duration back from now (30m, 24h, 7d) or an RFC 3339 time"))
const until = Options.text("until").pipe(Options.optional, Options.withDescription("to: a duration back from now or an RFC 3339 time"))

const filterOpts = {
  json, since, until,
  limit: Options.integer("limit").pipe(Options.withDefault(20), Options.withDescription("at most N decisions (newest first)")),
  user: Options.text("user").pipe(Options.optional),
  decision: Options.choice("decision", ["allowed", "warned", "denied"]).pipe(Options.optional),
  action: Options.text("action").pipe(Options.optional, Options.withDescription("e.g. container.create, image.pull")),
  source: Options.choice("source", ["authz", "cli"]).pipe(Options.optional)
}

const list = Command.make("list", filterOpts, (o) =>
  withStore(o.json, (store) => {
    const f: ListFilter = {
      limit: o.limit, since: bound(o.since, "--since"), until: bound(o.until, "--until"), user: Option.getOrUndefined(o.user),
      decision: Option.getOrUndefined(o.decision), action: Option.getOrUndefined(o.action), source: Option.getOrUndefined(o.source)
    }
    const rows = store.list(f)
    if (o.json) printJson({ count: rows.length, decisions: rows })
    else out(renderList(rows, colours))
    return 0
  })
).pipe(Command.withDescription("one row per decision: time, user, command or method+path, decision, score, top reason"))

const show = Command.make("show", { json, id: Args.text({ name: "decision-id" }) }, ({ json, id }) =>
  withStore(json, (store) => {
    const events = store.show(id)
    if (events.length === 0) throw new Error(`no events recorded for decision "${id}" (see \`sentinel audit list\` for ids)`)
    if (json) printJson({ decisionId: id, events: events.map((e) => ({ position: e.position, recordedAt: e.recordedAt, ...e.event })) })
    else out(renderShow(id, events, colours))
    return 0
  })
).pipe(Command.withDescription("a decision's full event stream"))

const tail = Command.make("tail", {
  json,
  lines: Options.integer("lines").pipe(Options.withAlias("n"), Options.withDefault(10)),
  follow: Options.boolean("follow").pipe(Options.withAlias("f"), Options.withDescription("keep printing new decisions as they are committed"))
}, (o) =>
  withStore(o.json, async (store) => {
    const last = store.list({ limit: o.lines }).reverse()
    const print = (r: (typeof last)[number]): void => out(o.json ? JSON.stringify(r) : renderTailLine(r, colours))
    if (o.json && !o.follow) printJson({ count: last.length, decisions: last })
    else last.forEach(print)
    if (o.follow) await follow(store, print, { signal: stopSignal() })
    return 0
  })
).pipe(Command.withDescription("the last N decisions; --follow streams new ones (JSON Lines with --json)"))

const statsSince = Options.text("since").pipe(Options.withDefault("24h"), Options.withDescription("duration back from now, RFC 3339 time, or `all`"))
const stats = Command.make("stats", { json, since: statsSince, until }, (o) =>
  withStore(o.json, (store) => {
    const from = o.since === "all" ? undefined : bound(Option.some(o.since), "--since")
    const s = computeStats(store, from, bound(o.until, "--until"))
    if (o.json) printJson(s)
    else out(renderStats(s, colours))
    return 0
  })
).pipe(Command.withDescription("counts by decision, top rules, top denied images and users, score distribution (default --since 24h; `all` for everything)"))

const exportCmd = Command.make("export", {
  json, since, until,
  format: Options.choice("format", EXPORT_FORMATS).pipe(Options.withDefault("jsonl" as ExportFormat)),
  output: Options.text("output").pipe(Options.withAlias("o"), Options.withDefault("-"), Options.withDescription("FILE (created 0600) or - for stdout"))
}, (o) =>
  withStore(o.json, async (store) => {
    const opts = { format: o.format, since: bound(o.since, "--since"), until: bound(o.until, "--until") }
    if (o.output === "-") {
      await exportTo(store, opts, process.stdout)
      return 0
    }
    const file = createWriteStream(o.output, { mode: 0o600 })
    await once(file, "open")
    chmodSync(o.output, 0o600)
    const n = await exportTo(store, opts, file)
    file.end()
    await once(file, "finish")
    if (o.json) printJson({ format: o.format, output: o.output, records: n })
    else process.stderr.write(`exported ${n} ${o.format === "jsonl" ? "events" : "decisions"} to ${o.output}\n`)
    return 0
  })
).pipe(Command.withDescription("stream the log as jsonl (events), csv, ocsf (API Activity 6003) or cef (one line per decision)"))

const forward = Command.make("forward", {
  json, since,
  syslog: Options.text("syslog").pipe(Options.withDescription("udp://HOST:PORT or tcp://HOST:PORT (RFC 5424)"))
}, (o) =>
  withStore(o.json, async (store) => {
    let target
    try {
      target = parseSyslogUrl(o.syslog)
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e))
    }
    const from = bound(o.since, "--since")
    const start = from === undefined ? Number.MAX_SAFE_INTEGER : store.positionRange(from).from
    const after = start === Number.MAX_SAFE_INTEGER ? store.lastPosition() : start - 1
    const sender = await openSyslog(target)
    process.stderr.write(`forwarding decisions to ${o.syslog} (Ctrl-C to stop)\n`)
    const n = await follow(store, (row) => sender.send(row), { after, signal: stopSignal() })
    await sender.close()
    if (o.json) printJson({ forwarded: n, target: o.syslog })
    return 0
  })
).pipe(Command.withDescription("stream new decisions to a syslog collector as RFC 5424 messages"))

const replayCmd = Command.make("replay", {
  json, since, until,
  policy: Options.text("policy").pipe(Options.withDescription("policy NAME or PATH to re-decide the history under")),
  record: Options.boolean("record").pipe(Options.withDescription("also store the results as Replayed events")),
  examples: Options.integer("examples").pipe(Options.withDefault(3))
}, (o) =>
  withStore(o.json, (store) => {
    const lp = resolvePolicySync(o.policy)
    if (Either.isLeft(lp)) throw new Error(lp.left.message)
    const rec = o.record ? openStore() : undefined
    try {
      const r = replay(store, lp.right, { since: bound(o.since, "--since"), until: bound(o.until, "--until"), examplesPerRule: o.examples, recordInto: rec })
      if (o.json) printJson(r)
      else out(renderReplay(r, colours))
    } finally {
      rec?.close()
    }
    return 0
  })
).pipe(Command.withDescription("re-decide every recorded request under another policy and report what would change"))

const pruneCmd = Command.make("prune", {
  json,
  keepDays: Options.integer("keep-days").pipe(Options.withDescription("keep decisions from the last N days; older ones are deleted (recorded as AuditPruned)"))
}, (o) =>
  withStore(o.json, (store) => {
    if (o.keepDays < 0) throw new UsageError(`--keep-days must be >= 0, got ${o.keepDays}`)
    const r = prune(store, o.keepDays)
    if (o.json) printJson({ removedEvents: r.removedEvents, removedDecisions: r.removedDecisions, before: r.before, prunedEventId: r.event.decisionId })
    else out(`removed ${r.removedDecisions} decisions (${r.removedEvents} events) recorded before ${r.before}`)
    return 0
  })
).pipe(Command.withDescription("retention: delete decisions older than --keep-days N (the only deletion; itself recorded)"))

const reindex = Command.make("reindex", { json }, (o) =>
  withStore(o.json, (store) => {
    const dir = store.dir
    store.close()
    const n = rebuildIndex(dir)
    if (o.json) printJson({ decisions: n })
    else out(`rebuilt the decisions index from the events: ${n} decisions`)
    return 0
  })
).pipe(Command.withDescription("rebuild the decisions index (used by list/stats/exports) from the event log"))

/** The `audit` command with its subcommands. */
export const auditCommand = Command.make("audit").pipe(
  Command.withDescription("query, export, forward and replay the decision audit log"),
  Command.withSubcommands([list, show, tail, stats, exportCmd, forward, replayCmd, pruneCmd, reindex])
)

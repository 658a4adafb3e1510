/**
 * `parseDockerCommand`: a docker command line (as the user typed it after `sentinel exec`)
 * → the normalized DockerRequest, using the docker CLI's own flag tables so values are
 * consumed exactly as docker would (no value ever shifts into the image).
 */
import type { Action, DockerRequest } from "../../domain/request.ts"
import { baseRequest } from "../../domain/request.ts"
import type { FlagHit } from "./flags.ts"
import { scanFlags } from "./flags.ts"
import type { ParseIO } from "./container.ts"
import { Ctx } from "./container.ts"
import type { Handler } from "./handlers.ts"
import {
  buildHandler, createHandler, execHandler, pullHandler, pushHandler, runHandler, updateHandler, usage
} from "./handlers.ts"
import {
  commitHandler, cpHandler, importHandler, loadHandler, loginHandler, networkConnect, networkCreate,
  pluginHandler, secretCreate, serviceCreate, serviceUpdate, tagHandler, targetHandler, volumeCreate
} from "./more.ts"
import { GLOBAL_FLAGS } from "./tables.ts"

export type { ParseIO } from "./container.ts"

export interface Parsed {
  readonly _tag: "Parsed"
  readonly request: DockerRequest
  /** argv joined for display, env and build-arg values masked */
  readonly command: string
}
export interface UsageError { readonly _tag: "UsageError"; readonly message: string; readonly flag?: string }
export type ParseResult = Parsed | UsageError

const ENV_FLAG = /^(-e|--env|--env-add|--build-arg)$/
const SECRET_FLAG = /^--?[A-Za-z0-9-]*(token|password|passwd|secret|key)[A-Za-z0-9-]*(=|$)/i

/**
 * For commands without a flag table (compose, swarm, unknown): env/build-arg values and values of
 * secret-looking flags (`--token X`, `--password=X`) are masked.
 */
const secretHits = (argv: ReadonlyArray<string>, start: number): Array<FlagHit> => {
  const hits: Array<FlagHit> = []
  for (let i = start; i < argv.length; i++) {
    const a = argv[i] ?? ""
    if (ENV_FLAG.test(a)) {
      if (i + 1 < argv.length) hits.push({ name: "env", value: argv[i + 1] ?? "", valueIndex: ++i, inline: false })
      continue
    }
    const env = /^(--(?:env|env-add|build-arg)=|-e)(.+)$/.exec(a)
    if (env !== null) {
      hits.push({ name: "env", value: env[2] ?? "", valueIndex: i, inline: true })
      continue
    }
    if (!SECRET_FLAG.test(a)) continue
    const eq = a.indexOf("=")
    if (eq >= 0) hits.push({ name: "password", value: a.slice(eq + 1), valueIndex: i, inline: true })
    else if (i + 1 < argv.length) hits.push({ name: "password", value: argv[i + 1] ?? "", valueIndex: ++i, inline: false })
  }
  return hits
}

/** Commands evaluated by action only: remaining args kept (secret-looking flag values masked). */
const fixed = (action: Action): Handler => (argv, start, op) => {
  const sensitive = secretHits(argv, start)
  const rest = maskArgs(argv, sensitive).slice(start)
  return {
    _tag: "Built",
    request: { ...baseRequest(action, op), ...(rest.length > 0 ? { details: { args: rest.join(" ") } } : {}) },
    sensitive
  }
}
const read = fixed("read")
const other = fixed("other")

const READ_ONLY = [
  "ps", "ls", "list", "images", "inspect", "logs", "version", "info", "history", "diff", "top", "port",
  "stats", "wait", "events", "search", "export", "save", "df"
]

/** Top-level and `container`/`image` subcommands (same names in both places). */
const COMMON: Record<string, Handler> = {
  run: runHandler, create: createHandler, exec: execHandler, build: buildHandler, pull: pullHandler,
  push: pushHandler, update: updateHandler, cp: cpHandler, commit: commitHandler, tag: tagHandler,
  load: loadHandler, import: importHandler, login: loginHandler, logout: other,
  start: targetHandler("container.start", "start"), attach: targetHandler("container.attach", "attach"),
  stop: targetHandler("container.lifecycle", "stop"), kill: targetHandler("container.lifecycle", "kill"),
  rm: targetHandler("container.lifecycle", "rm"), restart: targetHandler("container.lifecycle", "restart"),
  pause: targetHandler("container.lifecycle", "pause"), unpause: targetHandler("container.lifecycle", "unpause"),
  rename: targetHandler("container.lifecycle", "rename"), remove: targetHandler("container.lifecycle", "rm"),
  rmi: other, prune: other
}
for (const r of READ_ONLY) COMMON[r] = read

const CONTAINER_SUBS = [
  "attach", "commit", "cp", "create", "diff", "exec", "export", "inspect", "kill", "logs", "ls", "list", "ps",
  "pause", "port", "prune", "rename", "restart", "rm", "remove", "run", "start", "stats", "stop", "top",
  "unpause", "update", "wait"
]
const IMAGE_SUBS = ["build", "history", "import", "inspect", "load", "ls", "list", "prune", "pull", "push", "save", "tag"]
const pick = (names: ReadonlyArray<string>): Record<string, Handler> =>
  Object.fromEntries(names.flatMap((n) => (COMMON[n] === undefined ? [] : [[n, COMMON[n]]])))

const GROUPS: Record<string, { table: Record<string, Handler>; fallback: Handler }> = {
  container: { table: pick(CONTAINER_SUBS), fallback: fixed("unknown") },
  image: { table: { ...pick(IMAGE_SUBS), rm: other, remove: other }, fallback: fixed("unknown") },
  volume: { table: { create: volumeCreate, rm: other, remove: other, prune: other, update: other }, fallback: read },
  network: {
    table: { create: networkCreate, connect: networkConnect, disconnect: other, rm: other, remove: other, prune: other },
    fallback: read
  },
  plugin: {
    table: Object.fromEntries(
      ["install", "upgrade", "create", "enable", "disable", "rm", "remove", "set"].map((s) => [s, pluginHandler(s)])
    ),
    fallback: read
  },
  service: {
    table: {
      create: serviceCreate, update: serviceUpdate, rm: other, remove: other,
      rollback: fixed("service.update"), scale: fixed("service.update")
    },
    fallback: read
  },
  swarm: {
    table: { init: fixed("swarm.init"), join: fixed("swarm.join"), "join-token": read, ca: fixed("swarm.manage") },
    fallback: fixed("swarm.manage")
  },
  node: { table: { ls: read, list: read, inspect: read, ps: read }, fallback: fixed("swarm.manage") },
  secret: { table: { create: secretCreate("secret"), rm: other, remove: other }, fallback: read },
  config: { table: { create: secretCreate("config"), rm: other, remove: other }, fallback: read },
  builder: { table: { build: buildHandler, prune: other }, fallback: read },
  buildx: {
    table: { build: buildHandler, b: buildHandler, bake: fixed("buildkit"), ls: read, inspect: read, du: read, version: read },
    fallback: fixed("buildkit")
  },
  stack: { table: { deploy: fixed("compose"), up: fixed("compose") }, fallback: read },
  system: { table: { prune: other, events: read, info: read, df: read }, fallback: read },
  context: { table: {}, fallback: other },
  trust: { table: {}, fallback: other },
  manifest: { table: {}, fallback: other },
  checkpoint: { table: {}, fallback: other }
}

const QUOTE_SAFE = /^[A-Za-z0-9_@%+=:,./*-]+$/
const quote = (s: string): string => (QUOTE_SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

const maskValue = (name: string, v: string): string => {
  if (name === "password") return "***"
  const i = v.indexOf("=")
  return i < 0 ? v : `${v.slice(0, i)}=***`
}

/** argv with the values of the given hits masked. */
export const maskArgs = (argv: ReadonlyArray<string>, sensitive: ReadonlyArray<FlagHit>): Array<string> => {
  const out = [...argv]
  for (const h of sensitive) {
    const tok = out[h.valueIndex] ?? ""
    out[h.valueIndex] = h.inline ? tok.slice(0, tok.length - h.value.length) + maskValue(h.name, h.value) : maskValue(h.name, tok)
  }
  return out
}

/** argv with sensitive values masked, shell-quoted, prefixed with `docker`. */
export const maskedCommand = (argv: ReadonlyArray<string>, sensitive: ReadonlyArray<FlagHit>): string =>
  ["docker", ...maskArgs(argv, sensitive)].map(quote).join(" ")

/**
 * Parse a docker command line (with or without a leading `docker`). Never throws:
 * returns Parsed, or UsageError for what the docker CLI itself would reject (exit 2).
 */
export const parseDockerCommand = (argv: ReadonlyArray<string>, io?: ParseIO): ParseResult => {
  const args = argv[0] === "docker" ? argv.slice(1) : [...argv]
  if (args.length === 0) return usage("no docker command given: expected e.g. `docker run IMAGE`")
  const g = scanFlags(args, 0, GLOBAL_FLAGS, false)
  if (g._tag === "FlagError") return usage(g.message, g.flag)
  const globals: Record<string, string> = {}
  for (const h of g.flags) globals[h.name] = h.value
  const idx = g.firstPositional
  const ctx = new Ctx(io)
  const finish = (r: ReturnType<Handler>): ParseResult => {
    if (r._tag === "UsageError") return r
    const gd: Record<string, string> = {}
    for (const k of ["host", "context", "config"]) if (globals[k] !== undefined) gd[k] = globals[k] ?? ""
    const request = Object.keys(gd).length > 0 ? { ...r.request, details: { ...r.request.details, ...gd } } : r.request
    return { _tag: "Parsed", request, command: maskedCommand(args, r.sensitive) }
  }
  const cmd = args[idx]
  if (cmd === undefined) {
    const what = globals["version"] !== undefined ? "version" : globals["help"] !== undefined ? "help" : undefined
    if (what !== undefined) return finish(read(args, idx, what, ctx))
    return usage("no docker subcommand given after the global options")
  }
  if (cmd === "compose") return finish(fixed("compose")(args, idx + 1, "compose", ctx))
  const group = GROUPS[cmd]
  if (group !== undefined) {
    const subName = args[idx + 1]
    if (subName === undefined || subName.startsWith("-")) {
      const h = cmd === "buildx" || cmd === "stack" ? group.fallback : read
      return finish(h(args, idx + 1, cmd, ctx))
    }
    const h = group.table[subName] ?? group.fallback
    return finish(h(args, idx + 2, `${cmd} ${subName}`, ctx))
  }
  const h = COMMON[cmd]
  if (h === undefined) return finish(fixed("unknown")(args, idx + 1, cmd, ctx))
  return finish(h(args, idx + 1, cmd, ctx))
}

/**
 * Per-subcommand builders: scan the subcommand's flags (real docker CLI tables) and build
 * the DockerRequest. Shared types for the dispatcher in parse.ts.
 */
import type { Action, DockerRequest, ImageRef } from "../../domain/request.ts"
import { baseRequest } from "../../domain/request.ts"
import { parseImageRef } from "../../domain/image-ref.ts"
import { envVar } from "../../domain/secrets.ts"
import type { FlagHit, FlagSpec } from "./flags.ts"
import { FlagValues, scanFlags } from "./flags.ts"
import { buildContainer, collectEnv, Ctx, resources, restartPolicy } from "./container.ts"
import { BUILD_FLAGS, CREATE_FLAGS, EXEC_FLAGS, PULL_FLAGS, PUSH_FLAGS, RUN_FLAGS, UPDATE_FLAGS } from "./tables.ts"

export interface UsageError { readonly _tag: "UsageError"; readonly message: string; readonly flag?: string }
/** A built request plus the flag hits whose values must be masked in the command string. */
export interface Built { readonly _tag: "Built"; readonly request: DockerRequest; readonly sensitive: ReadonlyArray<FlagHit> }
export type Handler = (argv: ReadonlyArray<string>, start: number, op: string, ctx: Ctx) => Built | UsageError

export const usage = (message: string, flag?: string): UsageError =>
  flag === undefined ? { _tag: "UsageError", message } : { _tag: "UsageError", message, flag }

/** Names of flags whose values are secrets or env values (masked in the command string). */
export const SENSITIVE = new Set(["env", "env-add", "build-arg", "password"])

export interface Scan { readonly f: FlagValues; readonly pos: ReadonlyArray<string>; readonly hits: ReadonlyArray<FlagHit> }

/** Scan flags; a usage error for unknown flags or missing values. */
export const scan = (
  argv: ReadonlyArray<string>, start: number, specs: ReadonlyArray<FlagSpec>, interspersed: boolean
): Scan | UsageError => {
  const r = scanFlags(argv, start, specs, interspersed)
  if (r._tag === "FlagError") return usage(r.message, r.flag)
  return { f: new FlagValues(r.flags), pos: r.positionals, hits: r.flags }
}

/** Finish: surface the first flag-conversion or context error, else the Built value. */
export const done = (s: Scan, ctx: Ctx, request: DockerRequest): Built | UsageError => {
  const e = s.f.error ?? ctx.error
  if (e !== undefined) return usage(e.message, e.flag)
  const withProblems = ctx.problems.length > 0 ? { ...request, problems: [...request.problems, ...ctx.problems] } : request
  return { _tag: "Built", request: withProblems, sensitive: s.hits.filter((h) => SENSITIVE.has(h.name)) }
}

const isUsage = (x: Scan | UsageError): x is UsageError => "_tag" in x

/** Helper: scan, require N positionals, then build. */
export const simple = (
  specs: ReadonlyArray<FlagSpec>, minArgs: number, what: string,
  build: (s: Scan, op: string, ctx: Ctx) => DockerRequest, interspersed = true
): Handler => (argv, start, op, ctx) => {
  const s = scan(argv, start, specs, interspersed)
  if (isUsage(s)) return s
  if (s.f.has("help")) return done(s, ctx, baseRequest("read", `${op} --help`))
  if (s.pos.length < minArgs) return usage(`"docker ${op}" requires ${what}`)
  return done(s, ctx, build(s, op, ctx))
}

/** A reference as the CLI sends it for pull/push/tag: an implicit `latest` tag added (TagNameOnly). */
export const withLatest = (raw: string): ImageRef => {
  const ref = parseImageRef(raw)
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: "latest" } : ref
}

const refs = (xs: ReadonlyArray<string>): Array<ImageRef> => xs.map(parseImageRef)

const runLike = (specs: ReadonlyArray<FlagSpec>): Handler => (argv, start, op, ctx) => {
  const s = scan(argv, start, specs, false)
  if (isUsage(s)) return s
  if (s.f.has("help")) return done(s, ctx, baseRequest("read", `${op} --help`))
  const image = s.pos[0]
  if (image === undefined || image === "") return usage(`"docker ${op}" requires at least 1 argument: an image`)
  const { spec, details } = buildContainer(s.f, s.pos, ctx)
  const ref = parseImageRef(image)
  const detach = s.f.bool("detach")
  return done(s, ctx, {
    ...baseRequest("container.create", op),
    image: ref,
    container: { ...spec, image: ref },
    details: detach ? { ...details, detach: "true" } : details
  })
}

export const runHandler = runLike(RUN_FLAGS)
export const createHandler = runLike(CREATE_FLAGS)

export const execHandler: Handler = (argv, start, op, ctx) => {
  const s = scan(argv, start, EXEC_FLAGS, false)
  if (isUsage(s)) return s
  if (s.f.has("help")) return done(s, ctx, baseRequest("read", `${op} --help`))
  const [target, ...cmd] = s.pos
  if (target === undefined || cmd.length === 0) return usage(`"docker ${op}" requires at least 2 arguments: a container and a command`)
  const user = s.f.last("user")
  const wd = s.f.last("workdir")
  return done(s, ctx, {
    ...baseRequest("container.exec", op),
    target,
    exec: {
      target, privileged: s.f.bool("privileged"), env: collectEnv(s.f, ctx), cmd,
      tty: s.f.bool("tty"), interactive: s.f.bool("interactive"),
      user: user ?? "", ...(wd !== undefined ? { workingDir: wd } : {})
    }
  })
}

export const buildHandler: Handler = simple(BUILD_FLAGS, 1, "exactly 1 argument: a build context (PATH | URL | -)", (s, op) => {
  const tags = refs(s.f.all("tag"))
  const context = s.pos[s.pos.length - 1] ?? ""
  const remote = /^(https?:\/\/|git@|git:\/\/|github\.com\/)/.test(context) ? context : undefined
  const opt = (k: string) => s.f.last(k)
  const details: Record<string, string> = {}
  for (const k of ["target", "output", "allow", "builder", "platform"]) {
    const vs = s.f.all(k)
    if (vs.length > 0) details[k] = vs.join(",")
  }
  const secrets = s.f.all("secret").map((v) => (v.split(",").find((p) => p.startsWith("id=")) ?? v).replace(/^id=/, ""))
  if (secrets.length > 0) details["secrets"] = secrets.join(",")
  if (s.f.has("ssh")) details["ssh"] = s.f.all("ssh").map((v) => v.split("=")[0]).join(",")
  const fileName = opt("file"), net = opt("network"), cg = opt("cgroup-parent"), platform = opt("platform")
  return {
    ...baseRequest("image.build", op),
    ...(tags[0] !== undefined ? { image: tags[0] } : {}),
    destinations: tags,
    build: {
      tags,
      context,
      ...(remote !== undefined ? { remote } : {}),
      dockerfile: fileName ?? "Dockerfile",
      ...(net !== undefined ? { networkMode: net } : {}),
      ...(cg !== undefined ? { cgroupParent: cg } : {}),
      ...(platform !== undefined ? { platform } : {}),
      buildArgs: s.f.all("build-arg").map(envVar),
      securityOpts: s.f.all("security-opt").flatMap((x) => x.split(",")),
      extraHosts: s.f.all("add-host")
    },
    details
  }
})

const imageOp = (action: Action, specs: ReadonlyArray<FlagSpec>): Handler =>
  simple(specs, 1, "exactly 1 argument: an image name", (s, op) => ({
    ...baseRequest(action, op),
    image: s.f.bool("all-tags") ? parseImageRef(s.pos[0] ?? "") : withLatest(s.pos[0] ?? ""),
    details: s.f.bool("all-tags") ? { allTags: "true" } : {}
  }))
export const pullHandler = imageOp("image.pull", PULL_FLAGS)
export const pushHandler = imageOp("image.push", PUSH_FLAGS)

export const updateHandler: Handler = simple(UPDATE_FLAGS, 1, "at least 1 argument: a container", (s, op, ctx) => {
  const raw = s.f.last("restart")
  const restart = raw === undefined ? undefined : restartPolicy(raw).name
  return {
    ...baseRequest("container.update", op),
    target: s.pos[0] ?? "",
    update: { resources: resources(s.f, ctx, true), ...(restart !== undefined ? { restartPolicy: restart } : {}) },
    details: s.pos.length > 1 ? { targets: s.pos.join(",") } : {}
  }
})

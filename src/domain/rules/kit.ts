/** Small shared helpers for the rule families: finding construction, action resolution, globs. */
import type { ActionKind } from "../policy.ts"
import type { Finding, Level } from "../finding.ts"
import type { Action, ContainerSpec, DockerRequest } from "../request.ts"

/** The fixed identity of a rule: id, level, category and risk points. */
export interface RuleDef {
  readonly rule: string
  readonly level: Level
  readonly category: string
  readonly points: number
}

export type Kind = Finding["kind"]

/** Build a finding; optional fields are only set when given (exactOptionalPropertyTypes). */
export const mk = (def: RuleDef, kind: Kind, message: string, field?: string, mitigation?: string): Finding => {
  const f: { -readonly [K in keyof Finding]: Finding[K] } = {
    rule: def.rule,
    level: def.level,
    category: def.category,
    message,
    points: def.points,
    kind
  }
  if (mitigation !== undefined) f.mitigation = mitigation
  if (field !== undefined) f.field = field
  return f
}

/**
 * Resolve a policy action to a finding kind: block → violation, warn → warning, allow → none.
 * A missing or empty action takes `dflt` (which may itself be "allow" = rule off by default).
 */
export const kindOf = (action: string | undefined, dflt: ActionKind): Kind | undefined => {
  const a = action === undefined || action === "" ? dflt : action
  if (a === "block") return "violation"
  if (a === "warn") return "warning"
  return undefined
}

const CONTAINERISH: ReadonlySet<Action> = new Set<Action>([
  "container.create",
  "container.start",
  "service.create",
  "service.update"
])

/** Actions whose request describes a container to be created (or a service task). */
export const isContainerish = (action: Action): boolean => CONTAINERISH.has(action)

/** The container spec a container-ish request describes (service requests: the task's container). */
export const containerSpecOf = (request: DockerRequest): ContainerSpec | undefined => {
  if (!isContainerish(request.action)) return undefined
  if (request.action === "service.create" || request.action === "service.update") return request.service?.container
  return request.container
}

/** Go strconv.ParseBool truthy values. */
export const parseBoolTrue = (v: string): boolean => ["1", "t", "T", "TRUE", "true", "True"].includes(v.trim())

const globCache = new Map<string, RegExp>()

/**
 * Glob match with a compiled-pattern cache. `*` and `?` do not cross `/` when `pathMode`
 * (Go filepath.Match); otherwise they match anything (image names). `[...]` classes supported.
 */
export const globMatch = (pattern: string, subject: string, pathMode: boolean): boolean => {
  const key = `${pathMode ? "p" : "a"}\u0000${pattern}`
  let re = globCache.get(key)
  if (re === undefined) {
    re = compileGlob(pattern, pathMode)
    if (globCache.size > 10_000) globCache.clear()
    globCache.set(key, re)
  }
  return re.test(subject)
}

export const hasGlob = (s: string): boolean => /[*?[]/.test(s)

const compileGlob = (pattern: string, pathMode: boolean): RegExp => {
  const any = pathMode ? "[^/]*" : ".*"
  const one = pathMode ? "[^/]" : "."
  let out = "^"
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? ""
    if (c === "*") out += any
    else if (c === "?") out += one
    else if (c === "\\" && i + 1 < pattern.length) out += escapeRe(pattern[++i] ?? "")
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 2)
      if (end < 0) {
        out += "\\["
        continue
      }
      let body = pattern.slice(i + 1, end)
      if (body.startsWith("^") || body.startsWith("!")) body = `^${body.slice(1)}`
      out += `[${body.replace(/\\/g, "\\\\")}]`
      i = end
    } else out += escapeRe(c)
  }
  try {
    return new RegExp(`${out}$`)
  } catch {
    return /(?!)/ // an invalid class never matches (as Go's ErrBadPattern)
  }
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")

/** Per-policy memo: compute derived data (sets, parsed numbers) once per policy object. */
export const memo = <P extends object, T>(f: (p: P) => T): ((p: P) => T) => {
  const cache = new WeakMap<P, T>()
  return (p) => {
    let v = cache.get(p)
    if (v === undefined) {
      v = f(p)
      cache.set(p, v)
    }
    return v
  }
}

export const NONE: ReadonlyArray<Finding> = []

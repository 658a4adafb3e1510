/**
 * CEL (Common Expression Language) for custom rules, via @marcbachmann/cel-js (pure JS,
 * no I/O). Variables: `request` (the DockerRequest as a plain object), `user` (the
 * authenticated user, "" if none) and `container` (the container spec the request is
 * about: request.container, or service.container for services; null otherwise).
 * Expressions are compiled once per source string and cached.
 */
import { Environment } from "@marcbachmann/cel-js"
import type { ContainerSpec, DockerRequest } from "./request.ts"

const env = new Environment({ homogeneousAggregateLiterals: false })
  .registerVariable("request", "map")
  .registerVariable("user", "string")
  .registerVariable("container", "dyn")

type Program = (ctx: Record<string, unknown>) => unknown

/** A compiled expression, or why it does not compile. */
export type CelCompiled =
  | { readonly ok: true; readonly run: Program }
  | { readonly ok: false; readonly error: string }

const cache = new Map<string, CelCompiled>()
const MAX_CACHE = 1000

const firstLine = (e: unknown): string => {
  const msg = e instanceof Error ? e.message : String(e)
  const line = (msg.split("\n")[0] ?? msg).trim()
  const range: unknown = e !== null && typeof e === "object" && "range" in e ? e.range : undefined
  const start = range !== null && typeof range === "object" && "start" in range ? range.start : undefined
  return typeof start === "number" ? `${line} (at character ${start + 1})` : line
}

/**
 * Compile (parse + type-check) an expression. Type errors such as unknown variables or an
 * expression that can never be a bool are reported here, not at evaluation time.
 */
export const compileCel = (source: string): CelCompiled => {
  const hit = cache.get(source)
  if (hit !== undefined) return hit
  let result: CelCompiled
  try {
    const checked = env.check(source)
    if (!checked.valid) {
      result = { ok: false, error: firstLine(checked.error) }
    } else if (checked.type !== "bool" && checked.type !== "dyn") {
      result = { ok: false, error: `the expression returns ${String(checked.type)}, it must return a bool` }
    } else {
      const parsed = env.parse(source)
      result = { ok: true, run: (ctx) => parsed(ctx) as unknown }
    }
  } catch (e) {
    result = { ok: false, error: firstLine(e) }
  }
  if (cache.size >= MAX_CACHE) cache.clear()
  cache.set(source, result)
  return result
}

/** The container spec a request is about (create/start: request.container; services: service.container). */
export const effectiveContainer = (request: DockerRequest): ContainerSpec | undefined =>
  request.container ?? request.service?.container

/** Result of evaluating an expression: a boolean, or an error (callers fail closed). */
export type CelOutcome = { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: string }

/** Evaluate an expression against a request. Never throws. */
export const evalCel = (source: string, request: DockerRequest, user: string | undefined): CelOutcome => {
  const compiled = compileCel(source)
  if (!compiled.ok) return { ok: false, error: `does not compile: ${compiled.error}` }
  try {
    const value = compiled.run({ request, user: user ?? "", container: effectiveContainer(request) ?? null })
    if (typeof value !== "boolean") return { ok: false, error: `returned ${typeof value}, not a bool` }
    return { ok: true, value }
  } catch (e) {
    return { ok: false, error: firstLine(e) }
  }
}

/**
 * Seed custom-rule conditions: `{field, operator, value, and[], or[]}`. A non-empty `and`
 * wins over `or`, which wins over field/operator (seed §4.3). Scalars compare as Go `%v`
 * strings; a list field is true when an element satisfies the operator (membership),
 * except `not_equals`/`not_contains`, which are true when no element equals the value.
 */
import type { Condition } from "../policy.ts"
import type { DockerRequest } from "../request.ts"
import { readField } from "./fields.ts"

/** Seed operators followed by the added ones. */
export const OPERATORS = [
  "equals", "not_equals", "contains", "not_contains", "matches", "exists",
  "in", "not_in", "gt", "gte", "lt", "lte", "starts_with", "ends_with"
] as const
export type Operator = (typeof OPERATORS)[number]
export const isOperator = (s: string): s is Operator => (OPERATORS as ReadonlyArray<string>).includes(s)

/** Go `%v` rendering of a scalar (nil renders as "" here: a missing field equals ""). */
export const goString = (v: unknown): string => {
  if (v === undefined || v === null) return ""
  if (typeof v === "string") return v
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v)
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`
  return JSON.stringify(v)
}

const regexCache = new Map<string, RegExp | null>()
/** Compile a `matches` pattern once (null if it does not compile). */
export const compileRegex = (pattern: string): RegExp | null => {
  const hit = regexCache.get(pattern)
  if (hit !== undefined) return hit
  let re: RegExp | null
  try {
    // Go RE2 leading flag groups such as (?i) become JS flags
    const flags = /^\(\?([ims]+)\)/.exec(pattern)
    re = flags === null ? new RegExp(pattern) : new RegExp(pattern.slice(flags[0].length), flags[1])
  } catch {
    re = null
  }
  if (regexCache.size > 1000) regexCache.clear()
  regexCache.set(pattern, re)
  return re
}

const toNumber = (v: unknown): number | undefined => {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined
  if (typeof v === "string" && /^\s*-?(\d+(\.\d*)?|\.\d+)\s*$/.test(v)) return Number.parseFloat(v)
  return undefined
}

const valueList = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value) ? value.map(goString) : value === undefined || value === null ? [] : [goString(value)]

const numeric = (a: unknown, b: unknown, cmp: (x: number, y: number) => boolean): boolean => {
  const x = toNumber(a)
  const y = toNumber(b)
  return x !== undefined && y !== undefined && cmp(x, y)
}

/** One scalar field value against the operator. */
const scalar = (op: Operator, field: unknown, value: unknown): boolean => {
  const f = goString(field)
  const v = goString(value)
  switch (op) {
    case "equals":
      return f === v
    case "not_equals":
      return f !== v
    case "contains":
      return f.includes(v)
    case "not_contains":
      return !f.includes(v)
    case "matches": {
      const re = compileRegex(v)
      return re !== null && re.test(f)
    }
    case "exists":
      return field !== undefined && field !== null && f !== ""
    case "in":
      return valueList(value).includes(f)
    case "not_in":
      return !valueList(value).includes(f)
    case "gt":
      return numeric(field, value, (x, y) => x > y)
    case "gte":
      return numeric(field, value, (x, y) => x >= y)
    case "lt":
      return numeric(field, value, (x, y) => x < y)
    case "lte":
      return numeric(field, value, (x, y) => x <= y)
    case "starts_with":
      return f.startsWith(v)
    case "ends_with":
      return f.endsWith(v)
  }
}

/** Apply an operator to a field value (list fields: membership semantics). */
export const applyOperator = (op: Operator, field: unknown, value: unknown): boolean => {
  if (Array.isArray(field)) {
    if (op === "exists") return field.length > 0
    if (op === "contains" || op === "equals") return field.some((el) => goString(el) === goString(value))
    if (op === "not_contains" || op === "not_equals") return !field.some((el) => goString(el) === goString(value))
    return field.some((el) => scalar(op, el, value))
  }
  if (field !== null && typeof field === "object") {
    // records (labels, sysctls, options): keys are the members
    const keys = Object.keys(field)
    if (op === "exists") return keys.length > 0
    return applyOperator(op, keys, value)
  }
  return scalar(op, field, value)
}

/** Evaluate a condition tree against a request. Unknown operators are false (seed). */
export const evalCondition = (c: Condition, request: DockerRequest): boolean => {
  if (c.and !== undefined && c.and.length > 0) return c.and.every((x) => evalCondition(x, request))
  if (c.or !== undefined && c.or.length > 0) return c.or.some((x) => evalCondition(x, request))
  if (c.field === undefined || c.operator === undefined) return false
  const op = c.operator.toLowerCase()
  if (!isOperator(op)) return false
  return applyOperator(op, readField(request, c.field), c.value)
}

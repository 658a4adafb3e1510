/**
 * Projection of a parsed JSON tree (gojson.ts) onto a description of the Go type dockerd
 * decodes into, with `encoding/json` semantics (Go 1.19, as in dockerd 20.10):
 * - struct fields: exact key match preferred, else the first field whose name folds equal
 * - duplicate keys: scalars last-wins; structs and pointers-to-struct MERGE; maps merge keys
 *   (each map element decoded fresh); slices take the new length but decode element i into
 *   the old element i (so struct elements merge too)
 * - `null`: pointers, slices, maps and interfaces become nil (undefined); structs and scalars
 *   are left as they are
 * - unknown fields ignored; a type mismatch or out-of-range integer is an error (dockerd: 400)
 */
import { foldKey, GoJsonError, type JNode } from "./gojson.ts"

export type Shape =
  | { readonly kind: "bool" | "string" | "float" | "any" | "strslice" | "bytes" }
  | { readonly kind: "int"; readonly bits: 8 | 16 | 32 | 64; readonly unsigned: boolean }
  | { readonly kind: "slice" | "map" | "ptr"; readonly elem: Shape }
  | { readonly kind: "struct"; readonly fields: ReadonlyArray<readonly [string, Shape]> }

/** A decoded Go value: structs and maps are null-prototype objects, int64 fields are bigint. */
export type GoValue = undefined | boolean | string | number | bigint | Array<GoValue> | GoObject
export interface GoObject {
  [key: string]: GoValue
}

export const S = {
  bool: { kind: "bool" } as Shape,
  str: { kind: "string" } as Shape,
  any: { kind: "any" } as Shape,
  float: { kind: "float" } as Shape,
  strslice: { kind: "strslice" } as Shape,
  bytes: { kind: "bytes" } as Shape,
  int: { kind: "int", bits: 64, unsigned: false } as Shape,
  int32: { kind: "int", bits: 32, unsigned: false } as Shape,
  uint: { kind: "int", bits: 64, unsigned: true } as Shape,
  uint16: { kind: "int", bits: 16, unsigned: true } as Shape,
  uint32: { kind: "int", bits: 32, unsigned: true } as Shape,
  slice: (elem: Shape): Shape => ({ kind: "slice", elem }),
  map: (elem: Shape): Shape => ({ kind: "map", elem }),
  ptr: (elem: Shape): Shape => ({ kind: "ptr", elem }),
  struct: (fields: Record<string, Shape>): Shape => ({ kind: "struct", fields: Object.entries(fields) })
}
export const strs = S.slice(S.str)
export const strMap = S.map(S.str)

const obj = (): GoObject => Object.create(null) as GoObject
const isObj = (v: GoValue): v is GoObject => typeof v === "object" && v !== null && !Array.isArray(v)

const describe = (n: JNode): string =>
  n.t === "obj" ? "object" : n.t === "arr" ? "array" : n.t === "str" ? "string" : n.t === "num" ? `number ${n.raw}` : n.t

const mismatch = (n: JNode, want: string, path: string): GoJsonError =>
  new GoJsonError(`json: cannot unmarshal ${describe(n)} into Go field ${path || "(body)"} of type ${want}`, path)

type Field = readonly [string, Shape]
const indexCache = new WeakMap<ReadonlyArray<Field>, { exact: Map<string, Field>; folded: Map<string, Field> }>()

/** Find the Go struct field a JSON key selects (exact match first, else first fold match). */
export const fieldFor = (fields: ReadonlyArray<Field>, key: string): Field | undefined => {
  let idx = indexCache.get(fields)
  if (idx === undefined) {
    idx = { exact: new Map(), folded: new Map() }
    for (const f of fields) {
      idx.exact.set(f[0], f)
      const lower = f[0].toLowerCase()
      if (!idx.folded.has(lower)) idx.folded.set(lower, f)
    }
    indexCache.set(fields, idx)
  }
  return idx.exact.get(key) ?? idx.folded.get(foldKey(key))
}

const intValue = (n: JNode, shape: Extract<Shape, { kind: "int" }>, path: string): bigint => {
  const want = `${shape.unsigned ? "uint" : "int"}${shape.bits}`
  if (n.t !== "num" || !/^-?[0-9]+$/.test(n.raw)) throw mismatch(n, want, path)
  const v = BigInt(n.raw)
  const min = shape.unsigned ? 0n : -(1n << BigInt(shape.bits - 1))
  const max = shape.unsigned ? (1n << BigInt(shape.bits)) - 1n : (1n << BigInt(shape.bits - 1)) - 1n
  if (v < min || v > max) throw mismatch(n, want, path)
  return v
}

// Decode into interface{}: objects become maps (last key wins), numbers float64.
const anyValue = (n: JNode): GoValue => {
  switch (n.t) {
    case "obj": {
      const o = obj()
      for (const [k, v] of n.entries) o[k] = anyValue(v)
      return o
    }
    case "arr":
      return n.items.map(anyValue)
    case "str":
      return n.v
    case "num":
      return Number(n.raw)
    case "bool":
      return n.v
    case "null":
      return undefined
  }
}

/** What a decode noticed that a naive JSON reader would see differently (for audit and rules). */
export interface DecodeNotes {
  /** struct fields matched through case/Unicode folding rather than their exact name */
  readonly folded: Array<string>
  /** struct fields given more than once in one object (merged or last-wins) */
  readonly duplicates: Array<string>
}

/** Decode `n` into a Go value of `shape`, starting from the current value `cur` (for merges). */
export const project = (n: JNode, shape: Shape, cur: GoValue, path: string, notes?: DecodeNotes): GoValue => {
  if (n.t === "null") {
    switch (shape.kind) {
      case "ptr":
      case "slice":
      case "map":
      case "any":
      case "strslice":
      case "bytes":
        return undefined
      default:
        return cur
    }
  }
  switch (shape.kind) {
    case "any":
      return anyValue(n)
    case "bool":
      if (n.t !== "bool") throw mismatch(n, "bool", path)
      return n.v
    case "string":
      if (n.t !== "str") throw mismatch(n, "string", path)
      return n.v
    case "bytes":
      if (n.t !== "str") throw mismatch(n, "[]uint8", path)
      return n.v
    case "float":
      if (n.t !== "num") throw mismatch(n, "float64", path)
      return Number(n.raw)
    case "int":
      return intValue(n, shape, path)
    case "strslice":
      // strslice.StrSlice has its own UnmarshalJSON: a string or an array of strings, replaced whole
      if (n.t === "str") return [n.v]
      if (n.t !== "arr") throw mismatch(n, "strslice.StrSlice", path)
      return n.items.map((it, i) => project(it, S.str, undefined, `${path}[${i}]`, notes))
    case "ptr":
      return project(n, shape.elem, cur, path, notes)
    case "slice": {
      if (n.t !== "arr") throw mismatch(n, "slice", path)
      const old = Array.isArray(cur) ? cur : []
      return n.items.map((it, i) => project(it, shape.elem, old[i], `${path}[${i}]`, notes))
    }
    case "map": {
      if (n.t !== "obj") throw mismatch(n, "map", path)
      const o = isObj(cur) ? cur : obj()
      for (const [k, v] of n.entries) o[k] = project(v, shape.elem, undefined, `${path}[${JSON.stringify(k)}]`, notes)
      return o
    }
    case "struct": {
      if (n.t !== "obj") throw mismatch(n, "struct", path)
      const o = isObj(cur) ? cur : obj()
      let seen: Set<string> | undefined
      for (const [k, v] of n.entries) {
        const f = fieldFor(shape.fields, k)
        if (f === undefined) continue
        const fieldPath = path === "" ? f[0] : `${path}.${f[0]}`
        if (notes !== undefined) {
          if (f[0] !== k) notes.folded.push(`${fieldPath} (as ${JSON.stringify(k)})`)
          seen ??= new Set<string>()
          if (seen.has(f[0])) notes.duplicates.push(fieldPath)
          seen.add(f[0])
        }
        o[f[0]] = project(v, f[1], o[f[0]], fieldPath, notes)
      }
      return o
    }
  }
}

/** Accessors for decoded values (undefined when absent or of another type). */
export const get = {
  obj: (v: GoValue, k: string): GoObject | undefined => {
    const x = isObj(v) ? v[k] : undefined
    return isObj(x) ? x : undefined
  },
  str: (v: GoValue, k: string): string | undefined => {
    const x = isObj(v) ? v[k] : undefined
    return typeof x === "string" ? x : undefined
  },
  bool: (v: GoValue, k: string): boolean => (isObj(v) ? v[k] === true : false),
  int: (v: GoValue, k: string): bigint | undefined => {
    const x = isObj(v) ? v[k] : undefined
    return typeof x === "bigint" ? x : undefined
  },
  /** a slice: undefined for nil, [] for a non-nil empty slice */
  arr: (v: GoValue, k: string): Array<GoValue> | undefined => {
    const x = isObj(v) ? v[k] : undefined
    return Array.isArray(x) ? x : undefined
  },
  strs: (v: GoValue, k: string): Array<string> | undefined => {
    const x = isObj(v) ? v[k] : undefined
    return Array.isArray(x) ? x.filter((e): e is string => typeof e === "string") : undefined
  },
  strMap: (v: GoValue, k: string): Record<string, string> => {
    const x = isObj(v) ? v[k] : undefined
    if (!isObj(x)) return {}
    return Object.fromEntries(Object.entries(x).filter((e): e is [string, string] => typeof e[1] === "string"))
  },
  has: (v: GoValue, k: string): boolean => isObj(v) && k in v
}
export { isObj }

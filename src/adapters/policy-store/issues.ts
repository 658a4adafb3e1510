/**
 * Turns a Schema ParseIssue tree into one readable problem per mistake, with the path of the
 * offending key (`rules.mounts.blocked[0].path: expected a string, got 5`). Schema's own
 * ArrayFormatter repeats every optional field as a union with `undefined`; this walker does not.
 */
import { SchemaAST as AST, type ParseResult } from "effect"

export type PathSeg = string | number

/** One problem found while decoding, before it is given a line number. */
export interface PathProblem {
  readonly path: ReadonlyArray<PathSeg>
  readonly message: string
  /** true when the last path element is a key that is not allowed here */
  readonly unknownKey?: boolean
}

/** `rules.mounts.blocked[0].path` */
export const formatPath = (path: ReadonlyArray<PathSeg>): string =>
  path.reduce<string>((acc, seg) => (typeof seg === "number" ? `${acc}[${seg}]` : acc === "" ? seg : `${acc}.${seg}`), "")

const levenshtein = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost))
    }
    prev = cur
  }
  return prev[b.length] ?? 0
}

/** The closest allowed key, if it is plausibly a typo. */
export const suggest = (key: string, allowed: ReadonlyArray<string>): string | undefined => {
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  for (const k of allowed) {
    const d = levenshtein(key.toLowerCase(), k.toLowerCase())
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined
}

/** A short rendering of a YAML value for messages. */
export const showValue = (v: unknown): string => {
  if (v === null || v === undefined) return "an empty value"
  if (Array.isArray(v)) return "a list"
  if (typeof v === "object") return "a mapping"
  const s = JSON.stringify(v)
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s
}

const isUndefinedAst = (ast: AST.AST): boolean => ast._tag === "UndefinedKeyword"

const flattenUnion = (ast: AST.AST): ReadonlyArray<AST.AST> =>
  ast._tag === "Union" ? ast.types.flatMap(flattenUnion) : [ast]

/** "a string", "one of "enforce", "warn"", "a list", ... */
export const describeAst = (ast: AST.AST): string => {
  switch (ast._tag) {
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "true or false"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "TupleType":
      return "a list"
    case "TypeLiteral":
      return "a mapping"
    case "Suspend":
      return describeAst(ast.f())
    case "Refinement": {
      const d = AST.getDescriptionAnnotation(ast)
      return d._tag === "Some" ? d.value : describeAst(ast.from)
    }
    case "Transformation":
      return describeAst(ast.from)
    case "Union": {
      const members = flattenUnion(ast).filter((t) => !isUndefinedAst(t))
      if (members.length > 0 && members.every((m) => m._tag === "Literal")) {
        return `one of ${members.map(describeAst).join(", ")}`
      }
      return members.map(describeAst).join(" or ")
    }
    default:
      return String(ast)
  }
}

const keysOf = (ast: AST.AST): ReadonlyArray<string> | undefined => {
  if (ast._tag === "TypeLiteral") return ast.propertySignatures.map((p) => String(p.name))
  if (ast._tag === "Refinement") return keysOf(ast.from)
  if (ast._tag === "Suspend") return keysOf(ast.f())
  return undefined
}

const toArray = <A>(x: A | ReadonlyArray<A>): ReadonlyArray<A> => (Array.isArray(x) ? (x as ReadonlyArray<A>) : [x as A])

const segOf = (k: PropertyKey): PathSeg => (typeof k === "number" ? k : String(k))

const walk = (
  issue: ParseResult.ParseIssue,
  path: ReadonlyArray<PathSeg>,
  allowed: ReadonlyArray<string> | undefined,
  out: Array<PathProblem>
): void => {
  switch (issue._tag) {
    case "Pointer":
      return walk(issue.issue, [...path, ...toArray(issue.path).map(segOf)], allowed, out)
    case "Composite": {
      const issues = toArray(issue.issues)
      if (issue.ast._tag === "Union") {
        // drop the `undefined` member that every optional field carries
        const real = issues.filter((i) => !(i._tag === "Type" && isUndefinedAst(i.ast)))
        const deep = real.filter((i) => i._tag !== "Type")
        const structured = typeof issue.actual === "object" && issue.actual !== null
        if (deep.length === 0 || (deep.length < real.length && !structured)) {
          const desc = describeAst(issue.ast)
          out.push({ path, message: `expected ${desc}, got ${showValue(issue.actual)}` })
          return
        }
        for (const i of deep) walk(i, path, allowed, out)
        return
      }
      const keys = keysOf(issue.ast) ?? allowed
      for (const i of issues) walk(i, path, keys, out)
      return
    }
    case "Refinement":
      if (issue.kind === "From") return walk(issue.issue, path, allowed, out)
      out.push({ path, message: `expected ${describeAst(issue.ast)}, got ${showValue(issue.actual)}` })
      return
    case "Transformation":
      return walk(issue.issue, path, allowed, out)
    case "Type":
      out.push({ path, message: issue.message ?? `expected ${describeAst(issue.ast)}, got ${showValue(issue.actual)}` })
      return
    case "Missing":
      out.push({ path, message: `required key "${String(path[path.length - 1] ?? "")}" is missing` })
      return
    case "Forbidden":
      out.push({ path, message: issue.message ?? "is not allowed" })
      return
    case "Unexpected": {
      const key = String(path[path.length - 1] ?? "")
      const keys = allowed ?? []
      const hint = suggest(key, keys)
      const did = hint === undefined ? "" : ` (did you mean "${hint}"?)`
      const list = keys.length > 0 ? `; allowed keys here: ${keys.join(", ")}` : ""
      out.push({ path, message: `unknown key "${key}"${did}${list}`, unknownKey: true })
      return
    }
  }
}

/** Flatten a ParseIssue into de-duplicated problems, in document order of discovery. */
export const issueProblems = (issue: ParseResult.ParseIssue): ReadonlyArray<PathProblem> => {
  const out: Array<PathProblem> = []
  walk(issue, [], undefined, out)
  const seen = new Set<string>()
  return out.filter((p) => {
    const k = `${formatPath(p.path)}\u0000${p.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/**
 * Decode YAML text against a Schema and report every problem with its line number:
 * `line 12: rules.mounts.blocked[0].path: expected a string, got 5`.
 * YAML syntax errors keep their line and column.
 */
import { Either, Schema } from "effect"
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml"
import { formatPath, issueProblems, type PathProblem, type PathSeg } from "./issues.ts"

export interface DecodeOptions<A> {
  /** semantic checks after Schema decoding (e.g. checkPolicy); paths are mapped to lines too */
  readonly check?: (value: A) => ReadonlyArray<{ readonly path: ReadonlyArray<PathSeg>; readonly message: string }>
  /** replace the "unknown key" message for specific keys (e.g. `rego` → REGO_MESSAGE) */
  readonly unknownKeyMessage?: (path: ReadonlyArray<PathSeg>) => string | undefined
}

/** A parsed YAML document plus the means to map a data path to a 1-based line. */
export interface YamlSource {
  readonly doc: Document.Parsed
  readonly lineOf: (path: ReadonlyArray<PathSeg>) => number | undefined
}

const keyName = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key))

/** Parse with ranges kept; returns syntax problems (with line/column) or the source. */
export const parseYaml = (text: string): Either.Either<YamlSource, ReadonlyArray<string>> => {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true, keepSourceTokens: false })
  if (doc.errors.length > 0) {
    return Either.left(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0]
        const first = (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, "")
        return pos === undefined ? first : `line ${pos.line}, column ${pos.col}: ${first}`
      })
    )
  }
  const lineAt = (node: unknown): number | undefined => {
    const range = (node as Node | null | undefined)?.range
    return range === undefined || range === null ? undefined : lc.linePos(range[0]).line
  }
  const lineOf = (path: ReadonlyArray<PathSeg>): number | undefined => {
    let node: unknown = doc.contents
    let line = lineAt(node) ?? 1
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc)
      if (isMap(node)) {
        const pair = node.items.find((p) => keyName(p.key) === String(seg))
        if (pair === undefined) break
        line = lineAt(pair.key) ?? line
        node = pair.value
      } else if (isSeq(node) && typeof seg === "number") {
        const item: unknown = node.items[seg]
        if (item === undefined) break
        line = lineAt(item) ?? line
        node = item
      } else break
    }
    return line
  }
  return Either.right({ doc, lineOf })
}

const render = (src: YamlSource, p: PathProblem): string => {
  const where = p.path.length === 0 ? "" : `${formatPath(p.path)}: `
  const line = src.lineOf(p.path)
  return `${line === undefined ? "" : `line ${line}: `}${where}${p.message}`
}

/**
 * Parse + decode (strict: unknown keys are errors, all errors collected) + semantic check.
 * Left = one human-readable line per problem, in line order.
 */
export const decodeYaml = <A, I>(
  text: string,
  schema: Schema.Schema<A, I>,
  options: DecodeOptions<A> = {}
): Either.Either<{ readonly value: A; readonly source: YamlSource }, ReadonlyArray<string>> => {
  const parsed = parseYaml(text)
  if (Either.isLeft(parsed)) return Either.left(parsed.left)
  const src = parsed.right
  const data: unknown = src.doc.toJS({ maxAliasCount: 100 })
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return Either.left([`line 1: the document must be a YAML mapping (key: value), got ${data === null || data === undefined ? "an empty document" : Array.isArray(data) ? "a list" : JSON.stringify(data)}`])
  }
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(data)
  if (Either.isLeft(decoded)) {
    const problems = issueProblems(decoded.left.issue).map((p) => {
      const custom = p.unknownKey === true ? options.unknownKeyMessage?.(p.path) : undefined
      return custom === undefined ? p : { ...p, message: custom }
    })
    return Either.left(sortByLine(problems.map((p) => ({ line: src.lineOf(p.path) ?? 0, text: render(src, p) }))))
  }
  const semantic = options.check === undefined ? [] : options.check(decoded.right)
  if (semantic.length > 0) {
    return Either.left(sortByLine(semantic.map((p) => ({ line: src.lineOf(p.path) ?? 0, text: render(src, p) }))))
  }
  return Either.right({ value: decoded.right, source: src })
}

const sortByLine = (xs: ReadonlyArray<{ line: number; text: string }>): ReadonlyArray<string> =>
  [...xs].sort((a, b) => a.line - b.line).map((x) => x.text)

/**
 * JSON decoding with Go `encoding/json` semantics, as dockerd applies them to request bodies.
 *
 * Two stages: `parseFirstValue` is a tolerant tokenizer that reads the FIRST JSON value (like
 * `json.Decoder.Decode`; trailing data is ignored) and keeps duplicate keys in order; `project`
 * decodes that tree onto a shape description of the Go type, matching struct fields
 * case-insensitively with Go's foldName, merging duplicate structs/maps, and failing where Go
 * would fail (type mismatches, out-of-range integers).
 */
export type JNode =
  | { readonly t: "obj"; readonly entries: ReadonlyArray<readonly [string, JNode]> }
  | { readonly t: "arr"; readonly items: ReadonlyArray<JNode> }
  | { readonly t: "str"; readonly v: string }
  | { readonly t: "num"; readonly raw: string }
  | { readonly t: "bool"; readonly v: boolean }
  | { readonly t: "null" }

/** Why a body cannot be decoded as dockerd would; `field` is the Go-style path where it failed. */
export class GoJsonError extends Error {
  constructor(
    message: string,
    readonly field: string
  ) {
    super(message)
    this.name = "GoJsonError"
  }
}

/** Nesting limit (Go: 10000). Deeper bodies are reported as undecodable, so they are denied. */
export const MAX_DEPTH = 512

const isWs = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const NUM_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

class Parser {
  pos = 0
  constructor(readonly s: string) {}

  fail(what: string): never {
    const near = JSON.stringify(this.s.slice(this.pos, this.pos + 12))
    throw new GoJsonError(`invalid JSON at offset ${this.pos} (${what}, near ${near})`, "(body)")
  }

  ws(): void {
    while (this.pos < this.s.length && isWs(this.s.charCodeAt(this.pos))) this.pos++
  }

  value(depth: number): JNode {
    // Go allows 10000 levels; Sentinel stops at MAX_DEPTH (no real client nests this deep) and denies
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH} levels`)
    this.ws()
    const c = this.s[this.pos]
    if (c === undefined) this.fail("unexpected end of body")
    if (c === "{") return this.object(depth)
    if (c === "[") return this.array(depth)
    if (c === '"') return { t: "str", v: this.string() }
    if (this.s.startsWith("true", this.pos)) return this.lit(4, { t: "bool", v: true })
    if (this.s.startsWith("false", this.pos)) return this.lit(5, { t: "bool", v: false })
    if (this.s.startsWith("null", this.pos)) return this.lit(4, { t: "null" })
    NUM_RE.lastIndex = this.pos
    const m = NUM_RE.exec(this.s)
    if (m === null || m[0] === "" || m[0] === "-") this.fail("expected a value")
    this.pos += m[0].length
    return { t: "num", raw: m[0] }
  }

  lit(n: number, node: JNode): JNode {
    this.pos += n
    return node
  }

  object(depth: number): JNode {
    this.pos++
    const entries: Array<readonly [string, JNode]> = []
    this.ws()
    if (this.s[this.pos] === "}") {
      this.pos++
      return { t: "obj", entries }
    }
    for (;;) {
      this.ws()
      if (this.s[this.pos] !== '"') this.fail("expected a string key")
      const key = this.string()
      this.ws()
      if (this.s[this.pos] !== ":") this.fail("expected ':' after key")
      this.pos++
      entries.push([key, this.value(depth + 1)])
      this.ws()
      const c = this.s[this.pos]
      this.pos++
      if (c === "}") return { t: "obj", entries }
      if (c !== ",") this.fail("expected ',' or '}'")
    }
  }

  array(depth: number): JNode {
    this.pos++
    const items: Array<JNode> = []
    this.ws()
    if (this.s[this.pos] === "]") {
      this.pos++
      return { t: "arr", items }
    }
    for (;;) {
      items.push(this.value(depth + 1))
      this.ws()
      const c = this.s[this.pos]
      this.pos++
      if (c === "]") return { t: "arr", items }
      if (c !== ",") this.fail("expected ',' or ']'")
    }
  }

  string(): string {
    this.pos++
    let out = ""
    for (;;) {
      const start = this.pos
      while (this.pos < this.s.length) {
        const code = this.s.charCodeAt(this.pos)
        if (code === 0x22 || code === 0x5c || code < 0x20) break
        this.pos++
      }
      out += this.s.slice(start, this.pos)
      const c = this.s[this.pos]
      if (c === undefined) this.fail("unterminated string")
      if (c === '"') {
        this.pos++
        return out
      }
      if (c !== "\\") this.fail("control character in string")
      out += this.escape()
    }
  }

  hex4(): number | undefined {
    const h = this.s.slice(this.pos, this.pos + 4)
    if (!/^[0-9a-fA-F]{4}$/.test(h)) return undefined
    this.pos += 4
    return parseInt(h, 16)
  }

  escape(): string {
    this.pos++
    const c = this.s[this.pos]
    this.pos++
    const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }
    if (c !== undefined && c !== "u" && simple[c] !== undefined) return simple[c]
    if (c !== "u") this.fail("invalid escape")
    const hi = this.hex4()
    if (hi === undefined) this.fail("invalid \\u escape")
    if (hi >= 0xd800 && hi < 0xdc00) {
      // Go combines a valid surrogate pair; a lone surrogate becomes U+FFFD
      if (this.s.startsWith("\\u", this.pos)) {
        const save = this.pos
        this.pos += 2
        const lo = this.hex4()
        if (lo !== undefined && lo >= 0xdc00 && lo < 0xe000) return String.fromCharCode(hi, lo)
        this.pos = save
      }
      return "\uFFFD"
    }
    if (hi >= 0xdc00 && hi < 0xe000) return "\uFFFD"
    return String.fromCharCode(hi)
  }
}

/** Read the first JSON value of `text` the way `json.Decoder.Decode` does; trailing data is ignored. */
export const parseFirstValue = (text: string): JNode => parseWithRest(text).value

/** The first value plus whether non-whitespace data follows it (ignored by dockerd 20.10–26). */
export const parseWithRest = (text: string): { value: JNode; trailing: boolean } => {
  const p = new Parser(text)
  p.ws()
  if (p.pos >= text.length) throw new GoJsonError("the body is empty (EOF)", "(body)")
  const value = p.value(0)
  p.ws()
  return { value, trailing: p.pos < text.length }
}

/** Decode UTF-8 bytes keeping a BOM (Go rejects it) and replacing invalid sequences like Go. */
export const utf8 = (bytes: Uint8Array): string => new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(bytes)

/** Go's foldName for matching a JSON key to an ASCII field name: ASCII case, ſ→s, K→k. */
export const foldKey = (key: string): string => {
  let out = ""
  for (const ch of key) {
    if (ch === "\u017f") out += "s"
    else if (ch === "\u212a") out += "k"
    else if (ch >= "A" && ch <= "Z") out += ch.toLowerCase()
    else out += ch
  }
  return out
}

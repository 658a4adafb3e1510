/**
 * Request-target parsing as Go's net/http does it for dockerd: origin-form or absolute-form
 * (`http://host/v1.41/...`), the path percent-decoded ONCE (url.Parse), the query parsed with
 * url.ParseQuery (first value wins for FormValue), and the `/v{version}` prefix stripped.
 */
export interface ParsedUri {
  /** the decoded path including any version prefix */
  readonly rawPath: string
  /** the decoded path without the `/v1.41` prefix */
  readonly path: string
  readonly apiVersion?: string
  readonly query: Query
  /** the raw query string (without `?`) */
  readonly rawQuery: string
}

/** Query values in order, Go url.Values semantics. */
export class Query {
  constructor(readonly pairs: ReadonlyArray<readonly [string, string]>) {}
  /** r.FormValue: the FIRST value, "" when absent */
  get(key: string): string {
    return this.pairs.find(([k]) => k === key)?.[1] ?? ""
  }
  has(key: string): boolean {
    return this.pairs.some(([k]) => k === key)
  }
  /** r.Form[key]: every value in order */
  all(key: string): Array<string> {
    return this.pairs.filter(([k]) => k === key).map(([, v]) => v)
  }
  /** httputils.BoolValue: true unless "", 0, no, false, none (trimmed, case-insensitive) */
  bool(key: string): boolean {
    const s = this.get(key).trim().toLowerCase()
    return !(s === "" || s === "0" || s === "no" || s === "false" || s === "none")
  }
}

/** Go url.PathUnescape / QueryUnescape; undefined for a malformed escape (Go answers 400). */
export const unescape = (s: string, plusIsSpace: boolean): string | undefined => {
  if (!s.includes("%") && !(plusIsSpace && s.includes("+"))) return s
  const bytes: Array<number> = []
  const enc = new TextEncoder()
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string
    if (c === "%") {
      const h = s.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined
      bytes.push(parseInt(h, 16))
      i += 2
    } else if (c === "+" && plusIsSpace) {
      bytes.push(0x20)
    } else {
      for (const b of enc.encode(c)) bytes.push(b)
    }
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(new Uint8Array(bytes))
}

/** url.ParseQuery: split on `&`, pairs with `;` or bad escapes are dropped (as Go does). */
export const parseQuery = (raw: string): Query => {
  const pairs: Array<readonly [string, string]> = []
  for (const part of raw.split("&")) {
    if (part === "" || part.includes(";")) continue
    const eq = part.indexOf("=")
    const k = unescape(eq < 0 ? part : part.slice(0, eq), true)
    const v = unescape(eq < 0 ? "" : part.slice(eq + 1), true)
    if (k === undefined || v === undefined) continue
    pairs.push([k, v])
  }
  return new Query(pairs)
}

const VERSION_RE = /^\/v([0-9.]+)(?=\/)/

/** Parse a RequestUri; undefined when Go would not accept it as a request-target. */
export const parseUri = (uri: string): ParsedUri | undefined => {
  let rest = uri
  const abs = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(rest)
  if (abs !== null) rest = rest.slice(abs[0].length)
  if (rest === "" && abs !== null) rest = "/"
  if (!rest.startsWith("/") && rest !== "*") return undefined
  const hash = rest.indexOf("#")
  if (hash >= 0) rest = rest.slice(0, hash)
  const q = rest.indexOf("?")
  const rawQuery = q < 0 ? "" : rest.slice(q + 1)
  const rawPathEnc = q < 0 ? rest : rest.slice(0, q)
  const rawPath = unescape(rawPathEnc, false)
  if (rawPath === undefined) return undefined
  const m = VERSION_RE.exec(rawPath)
  const base = { rawPath, rawQuery, query: parseQuery(rawQuery) }
  if (m === null) return { ...base, path: rawPath }
  return { ...base, path: rawPath.slice(m[0].length), apiVersion: m[1] as string }
}

/** moby versions.compare: dot-separated integers, a missing or non-numeric part is 0. */
export const compareVersions = (a: string, b: string): number => {
  const pa = a.split(".")
  const pb = b.split(".")
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.parseInt(pa[i] ?? "0", 10) || 0
    const y = Number.parseInt(pb[i] ?? "0", 10) || 0
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

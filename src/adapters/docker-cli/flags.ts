/**
 * A pflag-compatible argv scanner (the library the docker CLI uses): long flags with
 * `--name value` / `--name=value`, short flags with combined booleans (`-itd`), attached
 * values (`-uroot`, `-v/:/h`, `-m=1g`), `--` terminator, optional non-interspersed mode
 * (the first positional ends flag parsing, as for `run`, `create`, `exec`).
 */

/** One flag of a docker command's flag table. */
export interface FlagSpec {
  readonly long: string
  readonly short?: string
  /** bool flags take no separate value (only `--flag=value`); value flags always consume one */
  readonly kind: "bool" | "value"
}

/** Build a flag table from a compact spec: `"name"` value flag, `"name|n"` with shorthand, `"!name|n"` bool flag. */
export const table = (...specs: ReadonlyArray<string>): ReadonlyArray<FlagSpec> =>
  specs.map((s) => {
    const bool = s.startsWith("!")
    const [long = "", short] = (bool ? s.slice(1) : s).split("|")
    return short === undefined ? { long, kind: bool ? "bool" : "value" } : { long, short, kind: bool ? "bool" : "value" }
  })

/** A flag occurrence: canonical long name, its value, and where the value sits in argv. */
export interface FlagHit {
  readonly name: string
  readonly value: string
  /** index of the argv token holding the value */
  readonly valueIndex: number
  /** the value is the tail of that token (attached) rather than the whole token */
  readonly inline: boolean
}

export interface Scanned {
  readonly _tag: "Scanned"
  readonly flags: ReadonlyArray<FlagHit>
  readonly positionals: ReadonlyArray<string>
  /** argv index of the first positional (or args.length) */
  readonly firstPositional: number
}

export interface FlagError {
  readonly _tag: "FlagError"
  readonly message: string
  readonly flag: string
}

/**
 * Scan `args[start..]` against a flag table. Never throws. `interspersed: false` stops at the
 * first positional (everything after it is positional), like cobra's SetInterspersed(false).
 */
export const scanFlags = (
  args: ReadonlyArray<string>,
  start: number,
  specs: ReadonlyArray<FlagSpec>,
  interspersed: boolean
): Scanned | FlagError => {
  const byLong = new Map<string, FlagSpec>()
  const byShort = new Map<string, FlagSpec>()
  for (const s of specs) {
    if (!byLong.has(s.long)) byLong.set(s.long, s)
    if (s.short !== undefined && !byShort.has(s.short)) byShort.set(s.short, s)
  }
  // cobra adds -h/--help to every command (-h only where the command does not use it, e.g. run's --hostname)
  const help: FlagSpec = byShort.has("h") ? { long: "help", kind: "bool" } : { long: "help", short: "h", kind: "bool" }
  if (!byLong.has("help")) byLong.set("help", help)
  if (help.short !== undefined) byShort.set("h", help)
  const flags: Array<FlagHit> = []
  const positionals: Array<string> = []
  let firstPositional = -1
  let i = start
  const markPositional = (idx: number) => {
    if (firstPositional < 0) firstPositional = idx
  }
  while (i < args.length) {
    const a = args[i] ?? ""
    if (a === "--") {
      markPositional(i + 1)
      positionals.push(...args.slice(i + 1))
      break
    }
    if (a.length < 2 || !a.startsWith("-")) {
      markPositional(i)
      if (!interspersed) {
        positionals.push(...args.slice(i))
        break
      }
      positionals.push(a)
      i++
      continue
    }
    if (a.startsWith("--")) {
      const body = a.slice(2)
      const eq = body.indexOf("=")
      const name = eq < 0 ? body : body.slice(0, eq)
      const spec = byLong.get(name)
      if (spec === undefined) return { _tag: "FlagError", message: `unknown flag: --${name}`, flag: `--${name}` }
      if (eq >= 0) {
        flags.push({ name: spec.long, value: body.slice(eq + 1), valueIndex: i, inline: true })
      } else if (spec.kind === "bool") {
        flags.push({ name: spec.long, value: "true", valueIndex: i, inline: false })
      } else {
        if (i + 1 >= args.length) {
          return { _tag: "FlagError", message: `flag needs an argument: --${name}`, flag: `--${name}` }
        }
        flags.push({ name: spec.long, value: args[i + 1] ?? "", valueIndex: i + 1, inline: false })
        i++
      }
      i++
      continue
    }
    // short flags, possibly combined
    let rest = a.slice(1)
    let consumedNext = false
    while (rest.length > 0) {
      const c = rest[0] ?? ""
      const spec = byShort.get(c)
      if (spec === undefined) {
        return { _tag: "FlagError", message: `unknown shorthand flag: '${c}' in ${a}`, flag: `-${c}` }
      }
      if (rest.length > 2 && rest[1] === "=") {
        flags.push({ name: spec.long, value: rest.slice(2), valueIndex: i, inline: true })
        rest = ""
      } else if (spec.kind === "bool") {
        flags.push({ name: spec.long, value: "true", valueIndex: i, inline: false })
        rest = rest.slice(1)
      } else if (rest.length > 1) {
        flags.push({ name: spec.long, value: rest.slice(1), valueIndex: i, inline: true })
        rest = ""
      } else {
        if (i + 1 >= args.length) {
          return { _tag: "FlagError", message: `flag needs an argument: '${c}' in ${a}`, flag: `-${c}` }
        }
        flags.push({ name: spec.long, value: args[i + 1] ?? "", valueIndex: i + 1, inline: false })
        consumedNext = true
        rest = ""
      }
    }
    i += consumedNext ? 2 : 1
  }
  return { _tag: "Scanned", flags, positionals, firstPositional: firstPositional < 0 ? args.length : firstPositional }
}

/** Go strconv.ParseBool. */
export const parseGoBool = (v: string): boolean | undefined => {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false
  return undefined
}

/** Typed access to scanned flags; records the first conversion error. */
export class FlagValues {
  error: FlagError | undefined = undefined
  constructor(readonly hits: ReadonlyArray<FlagHit>) {}

  has(name: string): boolean {
    return this.hits.some((h) => h.name === name)
  }
  /** all values, in order */
  all(name: string): Array<string> {
    return this.hits.filter((h) => h.name === name).map((h) => h.value)
  }
  /** last value (pflag: last one wins for scalar flags) */
  last(name: string): string | undefined {
    const vs = this.all(name)
    return vs[vs.length - 1]
  }
  bool(name: string): boolean {
    const v = this.last(name)
    if (v === undefined) return false
    const b = parseGoBool(v)
    if (b === undefined) {
      this.fail(`invalid argument "${v}" for "--${name}" flag: strconv.ParseBool: parsing "${v}": invalid syntax`, name)
      return false
    }
    return b
  }
  int(name: string): number | undefined {
    const v = this.last(name)
    if (v === undefined) return undefined
    if (!/^[+-]?\d+$/.test(v.trim())) {
      this.fail(`invalid argument "${v}" for "--${name}" flag: expected an integer`, name)
      return undefined
    }
    return Number(v.trim())
  }
  fail(message: string, name: string): void {
    if (this.error === undefined) this.error = { _tag: "FlagError", message, flag: `--${name}` }
  }
}

/**
 * Glob matching like Go's `filepath.Match` (the seed used it for image and name exceptions):
 * `*` any run of characters except `/`, `?` one character except `/`, `[a-z]`/`[^a]` classes,
 * `\` escapes. Whole-string match. Compiled patterns are cached.
 */
import type { ImageRef } from "./request.ts"

const cache = new Map<string, RegExp | null>()

const compile = (pattern: string): RegExp | null => {
  let out = "^"
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? ""
    if (c === "*") out += "[^/]*"
    else if (c === "?") out += "[^/]"
    else if (c === "\\") {
      i++
      if (i >= pattern.length) return null
      out += (pattern[i] ?? "").replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2)
      if (end < 0) return null
      let body = pattern.slice(i + 1, end)
      if (body.startsWith("^") || body.startsWith("!")) body = `^${body.slice(1)}`
      out += `[${body.replace(/\\(?!.)/g, "\\\\")}]`
      i = end
    } else out += c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")
  }
  try {
    return new RegExp(`${out}$`)
  } catch {
    return null
  }
}

/** Does `value` match the glob `pattern`? A malformed pattern matches nothing. */
export const globMatch = (pattern: string, value: string): boolean => {
  let re = cache.get(pattern)
  if (re === undefined) {
    re = compile(pattern)
    if (cache.size > 2000) cache.clear()
    cache.set(pattern, re)
  }
  return re !== null && re.test(value)
}

/** Is the glob well formed? */
export const isValidGlob = (pattern: string): boolean => compile(pattern) !== null

/**
 * The names an image can be matched by: as given, fully qualified (`docker.io/library/nginx`)
 * and familiar (`nginx`, `myorg/app`), each with and without its tag.
 */
export const imageNames = (ref: ImageRef): ReadonlyArray<string> => {
  const names = new Set<string>()
  const familiar =
    ref.registry === "docker.io" ? (ref.path.startsWith("library/") ? ref.path.slice(8) : ref.path) : ref.name
  const rawName = ref.raw.split("@")[0] ?? ref.raw
  for (const n of [ref.name, familiar, `${ref.registry === "docker.io" ? "docker.io/" : ""}${familiar}`]) {
    names.add(n)
    if (ref.tag !== undefined) names.add(`${n}:${ref.tag}`)
  }
  if (rawName !== "") names.add(rawName)
  return [...names]
}

/** Does any glob in `patterns` match any name of the image? */
export const imageMatchesAny = (ref: ImageRef, patterns: ReadonlyArray<string>): string | undefined => {
  const names = imageNames(ref)
  return patterns.find((p) => names.some((n) => globMatch(p.trim(), n)))
}

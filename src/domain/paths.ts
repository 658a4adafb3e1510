/** Go `path.Clean` semantics, as dockerd applies them to bind sources. */
export const cleanPath = (p: string): string => {
  if (p === "") return "."
  const rooted = p.startsWith("/")
  const parts = p.split("/")
  const out: string[] = []
  for (const part of parts) {
    if (part === "" || part === ".") continue
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop()
      else if (!rooted) out.push("..")
      continue
    }
    out.push(part)
  }
  const joined = out.join("/")
  if (rooted) return `/${joined}`
  return joined === "" ? "." : joined
}

/** Is `path` equal to `base` or inside it (component-wise)? Both are cleaned first. */
export const isWithin = (path: string, base: string): boolean => {
  const p = cleanPath(path)
  const b = cleanPath(base)
  if (b === "/") return p.startsWith("/")
  return p === b || p.startsWith(`${b}/`)
}

/** Is `base` inside `path` (the mount exposes `base`)? e.g. mounting `/var` exposes `/var/run/docker.sock`. */
export const exposes = (mountSource: string, sensitive: string): boolean => isWithin(sensitive, mountSource)

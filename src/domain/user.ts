/**
 * Does a user spec run as uid 0? Follows moby/sys/user: the user part is a name or a
 * number parsed with strconv.Atoi (accepts `+0`, `00`, `-0`). An empty user means the
 * image default, which Sentinel treats as root unless the image is known (fail closed).
 */
export const isRootUser = (user: string | undefined): boolean => {
  if (user === undefined) return true
  const u = user.trim()
  if (u === "") return true
  const name = u.split(":")[0] ?? ""
  if (name === "" || name === "root") return true
  if (/^[+-]?\d+$/.test(name)) return Number.parseInt(name, 10) === 0
  return false
}

/** Group part is root (gid 0 / `root`)? */
export const isRootGroup = (user: string | undefined): boolean => {
  if (user === undefined) return false
  const parts = user.split(":")
  if (parts.length < 2) return false
  const g = (parts[1] ?? "").trim()
  if (g === "root") return true
  return /^[+-]?\d+$/.test(g) && Number.parseInt(g, 10) === 0
}

/**
 * Value grammars of docker CLI flags: `-v` specs (moby linux_parser), `--mount` CSV,
 * `-p`, `--device`, `--gpus`, `--tmpfs`, memory units, `--cpus`, env files.
 * Each returns a value or a string error message (never throws).
 */
import type { Device, DeviceRequest, Mount, Port } from "../../domain/request.ts"
import { cleanPath } from "../../domain/paths.ts"
import { parseGoBool } from "./flags.ts"

export type Result<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: string }
const ok = <A>(value: A): Result<A> => ({ ok: true, value })
const err = <A>(error: string): Result<A> => ({ ok: false, error })

/** One record of Go encoding/csv (double-quoted fields, `""` escapes). */
export const readCsvRecord = (line: string): Result<Array<string>> => {
  const fields: Array<string> = []
  let cur = ""
  let i = 0
  let quoted = false
  let fieldStart = true
  while (i < line.length) {
    const c = line[i] ?? ""
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i += 2; continue }
      if (c === '"') { quoted = false; i++; continue }
      cur += c
    } else if (c === '"' && fieldStart) {
      quoted = true
      fieldStart = false
    } else if (c === ",") {
      fields.push(cur)
      cur = ""
      fieldStart = true
    } else {
      cur += c
      fieldStart = false
    }
    i++
  }
  if (quoted) return err(`invalid CSV: unterminated quote in ${line}`)
  fields.push(cur)
  return ok(fields)
}

/** Resolve a `.`-prefixed relative host path against cwd (filepath.Abs), then path.Clean. */
export const resolveHostPath = (p: string, cwd: string | undefined): { path: string; unresolved: boolean } => {
  if (p.startsWith("/")) return { path: cleanPath(p), unresolved: false }
  if (p.startsWith(".")) {
    if (cwd === undefined) return { path: cleanPath(p), unresolved: true }
    return { path: cleanPath(`${cwd}/${p}`), unresolved: false }
  }
  return { path: p, unresolved: false }
}

const PROPAGATIONS = ["private", "rprivate", "shared", "rshared", "slave", "rslave"]
const validMode = (mode: string): boolean => {
  let rw = 0, label = 0, prop = 0, copy = 0
  for (const m of mode.split(",")) {
    if (m === "rw" || m === "ro") rw++
    else if (m === "z" || m === "Z") label++
    else if (PROPAGATIONS.includes(m)) prop++
    else if (m === "nocopy") copy++
    else return false
  }
  return rw <= 1 && label <= 1 && prop <= 1 && copy <= 1
}

/** `-v` spec as dockerd's linux parser reads the Binds entry: `[src:]dst[:mode]`. */
export const parseVolumeSpec = (spec: string, cwd: string | undefined): Result<{ mount: Mount; unresolved: boolean }> => {
  const parts = spec.split(":")
  if (spec === "" || parts.length > 3 || parts.some((p) => p === "")) return err(`invalid volume specification: '${spec}'`)
  if (parts.length === 1) {
    return ok({ mount: { type: "volume", source: "", target: spec, readOnly: false, origin: "bind-spec" }, unresolved: false })
  }
  const [src = "", dst = "", mode] = parts
  if (parts.length === 2 && validMode(dst)) return err(`invalid volume specification: '${spec}' (a mode needs a destination)`)
  if (mode !== undefined && !validMode(mode)) return err(`invalid mode: ${mode} in volume specification '${spec}'`)
  const modes = mode === undefined ? [] : mode.split(",")
  const propagation = modes.find((m) => PROPAGATIONS.includes(m))
  const isBind = src.startsWith("/") || src.startsWith(".") || src.startsWith("~")
  const resolved = isBind ? resolveHostPath(src, cwd) : { path: src, unresolved: false }
  const mount: Mount = {
    type: isBind ? "bind" : "volume",
    source: resolved.path,
    target: dst,
    readOnly: modes.includes("ro"),
    origin: "bind-spec",
    ...(propagation !== undefined ? { propagation } : {})
  }
  return ok({ mount, unresolved: resolved.unresolved })
}

const MOUNT_TYPES = ["bind", "volume", "tmpfs", "image", "npipe", "cluster"] as const
const isMountType = (t: string): t is Mount["type"] => (MOUNT_TYPES as ReadonlyArray<string>).includes(t)
const BOOL_KEYS = ["readonly", "ro", "volume-nocopy", "bind-nonrecursive", "bind-create-src"]
const OTHER_KEYS = [
  "consistency", "bind-recursive", "volume-subpath", "volume-label", "image-subpath", "tmpfs-size", "tmpfs-mode"
]

/** `--mount` CSV grammar (docker/cli opts/mount.go); missing type = volume. */
export const parseMountSpec = (value: string, cwd: string | undefined): Result<{ mount: Mount; unresolved: boolean }> => {
  const v = value.trim()
  if (v === "") return err("invalid --mount: value is empty")
  const rec = readCsvRecord(v)
  if (!rec.ok) return rec
  let type = "volume", source = "", target = "", readOnly = false, unresolved = false
  let propagation: string | undefined
  let volumeDriver: string | undefined
  const volumeOptions: Record<string, string> = {}
  for (const field of rec.value) {
    const eq = field.indexOf("=")
    const rawKey = eq < 0 ? field : field.slice(0, eq)
    const val = eq < 0 ? "" : field.slice(eq + 1)
    if (rawKey.trim() !== rawKey) return err(`invalid --mount option '${rawKey}' in '${field}': option should not have whitespace`)
    if (eq >= 0 && val.trim() === "") return err(`invalid --mount value for '${rawKey}': value is empty`)
    if (eq >= 0 && val.trim() !== val) return err(`invalid --mount value for '${rawKey}': value should not have whitespace`)
    const key = rawKey.toLowerCase()
    if (eq < 0 && !BOOL_KEYS.includes(key)) return err(`invalid --mount field '${field}': must be a key=value pair`)
    switch (key) {
      case "type": type = val.toLowerCase(); break
      case "source": case "src": source = val; break
      case "target": case "dst": case "destination": target = val; break
      case "readonly": case "ro": {
        const b = eq < 0 ? true : parseGoBool(val)
        if (b === undefined) return err(`invalid --mount value for ${key}: ${val}`)
        readOnly = b
        break
      }
      case "bind-propagation": propagation = val.toLowerCase(); break
      case "volume-driver": volumeDriver = val; break
      case "volume-opt": {
        const i = val.indexOf("=")
        volumeOptions[(i < 0 ? val : val.slice(0, i)).toLowerCase()] = i < 0 ? "" : val.slice(i + 1)
        break
      }
      default:
        if (!BOOL_KEYS.includes(key) && !OTHER_KEYS.includes(key)) return err(`unknown --mount option '${key}' in '${field}'`)
    }
  }
  if (!isMountType(type)) return err(`invalid --mount type '${type}': use bind, volume, tmpfs, image, npipe or cluster`)
  if (target === "") return err(`invalid --mount '${value}': target (target=/path) is required`)
  if (type === "bind") {
    if (source === "") return err(`invalid --mount '${value}': a bind mount needs source=`)
    const r = resolveHostPath(source, cwd)
    source = r.path
    unresolved = r.unresolved
  }
  if (propagation !== undefined && type !== "bind") return err(`invalid --mount: bind-propagation is only valid for type=bind`)
  const mount: Mount = {
    type, source, target, readOnly, origin: "mount",
    ...(propagation !== undefined ? { propagation } : {}),
    ...(volumeDriver !== undefined ? { volumeDriver } : {}),
    ...(Object.keys(volumeOptions).length > 0 ? { volumeOptions } : {})
  }
  return ok({ mount, unresolved })
}

/** `--tmpfs /run:rw,size=64m` */
export const parseTmpfs = (v: string): Mount => {
  const i = v.indexOf(":")
  const target = i < 0 ? v : v.slice(0, i)
  const opts = i < 0 ? [] : v.slice(i + 1).split(",")
  return { type: "tmpfs", source: "", target, readOnly: opts.includes("ro"), origin: "tmpfs" }
}

const validDeviceMode = (m: string): boolean =>
  m.length > 0 && m.length <= 3 && [...m].every((c) => "rwm".includes(c)) && new Set(m).size === m.length

/** `--device host[:container[:perms]]` (parseLinuxDevice). */
export const parseDevice = (v: string): Result<Device> => {
  const arr = v.split(":")
  if (arr.length > 3 || v === "") return err(`invalid device specification: ${v}`)
  let permissions = "rwm", dst = ""
  if (arr.length === 3) permissions = arr[2] ?? ""
  if (arr.length >= 2) {
    const a1 = arr[1] ?? ""
    if (validDeviceMode(a1)) permissions = a1
    else dst = a1
  }
  const src = arr[0] ?? ""
  if (!validDeviceMode(permissions)) return err(`invalid device mode: ${permissions}`)
  return ok({ host: src, container: dst === "" ? src : dst, permissions })
}

/** `--gpus all|N|device=..,capabilities=..` (opts/gpus.go). */
export const parseGpus = (v: string): Result<DeviceRequest> => {
  const rec = readCsvRecord(v)
  if (!rec.ok) return rec
  let driver = "", count: number | undefined, deviceIds: Array<string> | undefined
  let capabilities: Array<Array<string>> = [["gpu"]]
  const parseCount = (s: string): number | undefined => (s === "all" ? -1 : /^\d+$/.test(s) ? Number(s) : undefined)
  for (const field of rec.value) {
    const eq = field.indexOf("=")
    const key = eq < 0 ? field : field.slice(0, eq)
    const val = field.slice(eq + 1)
    if (eq < 0 || key === "count") {
      count = parseCount(eq < 0 ? key : val)
      if (count === undefined) return err(`invalid --gpus count: ${field}`)
    } else if (key === "driver") driver = val
    else if (key === "device") deviceIds = val.split(",")
    else if (key === "capabilities") capabilities = [[...val.split(","), "gpu"]]
    else if (key !== "options") return err(`unexpected key '${key}' in --gpus '${field}'`)
  }
  return ok({ driver, count: count ?? (deviceIds === undefined ? 1 : 0), deviceIds: deviceIds ?? [], capabilities })
}

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }
/** go-units RAMInBytes: `512m`, `1g`, `1.5GiB`, plain bytes. */
export const ramInBytes = (v: string): number | undefined => {
  const m = /^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(v.trim())
  if (m === null) return undefined
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? "").toLowerCase()] ?? 1))
}

/** `--cpus 1.5` → NanoCpus */
export const nanoCpus = (v: string): number | undefined => {
  if (!/^\d*\.?\d+$/.test(v.trim())) return undefined
  const n = Math.round(Number(v) * 1e9)
  return Number.isFinite(n) ? n : undefined
}

/** `-p [ip:][host:]container[/proto]` and the long `target=,published=,protocol=,mode=` form. */
export const parsePort = (v: string): Result<Port & { mode?: string }> => {
  if (v.includes("=")) {
    const rec = readCsvRecord(v)
    if (!rec.ok) return rec
    const kv = new Map(rec.value.map((f) => [f.slice(0, f.indexOf("=")).toLowerCase(), f.slice(f.indexOf("=") + 1)]))
    const target = kv.get("target")
    if (target === undefined) return err(`invalid publish '${v}': target= is required`)
    const published = kv.get("published")
    const mode = kv.get("mode")
    return ok({
      containerPort: target, protocol: kv.get("protocol") ?? "tcp",
      ...(published !== undefined ? { hostPort: published } : {}), ...(mode !== undefined ? { mode } : {})
    })
  }
  let rest = v
  let protocol = "tcp"
  const slash = rest.lastIndexOf("/")
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase()
    rest = rest.slice(0, slash)
  }
  let hostIp: string | undefined
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]")
    if (close < 0) return err(`invalid publish '${v}': unterminated IPv6 address`)
    hostIp = rest.slice(1, close)
    rest = rest.slice(close + 2)
  }
  const parts = rest.split(":")
  if (hostIp === undefined && parts.length === 3) hostIp = parts.shift()
  if (parts.length > 2 || rest === "") return err(`invalid publish '${v}'`)
  const containerPort = parts[parts.length - 1] ?? ""
  const hostPort = parts.length === 2 ? parts[0] : undefined
  if (!/^\d+(-\d+)?$/.test(containerPort)) return err(`invalid publish '${v}': container port '${containerPort}' is not a port or range`)
  if (!["tcp", "udp", "sctp"].includes(protocol)) return err(`invalid publish '${v}': unknown protocol '${protocol}'`)
  return ok({
    containerPort, protocol,
    ...(hostIp !== undefined && hostIp !== "" ? { hostIp } : {}),
    ...(hostPort !== undefined && hostPort !== "" ? { hostPort } : {})
  })
}

/** kvfile.Parse: lines `KEY=VALUE` or `KEY`; `#` comments; returns raw lines (caller drops values). */
export const parseEnvFile = (content: string, file: string): Result<Array<string>> => {
  const out: Array<string> = []
  const lines = content.replace(/^\uFEFF/, "").split(/\r?\n/)
  for (const rawLine of lines) {
    const line = rawLine.trimStart()
    if (line === "" || line.startsWith("#")) continue
    const eq = line.indexOf("=")
    const key = eq < 0 ? line : line.slice(0, eq)
    if (key === "") return err(`${file}: no variable name on line '${eq < 0 ? line : "=<value hidden>"}'`)
    if (/\s/.test(key)) return err(`${file}: variable '${key}' contains whitespaces`)
    out.push(line)
  }
  return ok(out)
}

/**
 * Defence in depth before anything is stored: front ends already mask values, but the store
 * scrubs the free-text fields (URI, reconstructed command) again so a careless caller cannot
 * put an env value, build arg, registry password or auth blob into the audit trail.
 */
import { isSecretKey } from "../../domain/secrets.ts"
import type { DecisionEvent } from "../../domain/events.ts"

const MASK = "****"
/** Query parameters whose whole value is sensitive. */
const SECRET_QUERY = new Set(["buildargs", "auth", "registryauth", "x-registry-auth", "x-registry-config", "password", "token", "secret"])

const maskQueryValue = (key: string, value: string): string => {
  const k = key.toLowerCase()
  if (k === "buildargs") {
    try {
      const obj = JSON.parse(value) as unknown
      if (obj !== null && typeof obj === "object" && !Array.isArray(obj)) {
        return JSON.stringify(Object.fromEntries(Object.keys(obj).map((name) => [name, MASK])))
      }
    } catch {
      /* not JSON: mask all */
    }
    return MASK
  }
  return SECRET_QUERY.has(k) || isSecretKey(k) ? MASK : value
}

/** Mask secret query values in a request URI (`buildargs` keeps its keys, values become `****`); unchanged URIs are returned as is. */
export const scrubUri = (uri: string): string => {
  const q = uri.indexOf("?")
  if (q < 0) return uri
  const params = new URLSearchParams(uri.slice(q + 1))
  const out = new URLSearchParams()
  let changed = false
  for (const [k, v] of params) {
    const m = maskQueryValue(k, v)
    changed ||= m !== v
    out.append(k, m)
  }
  return changed ? `${uri.slice(0, q)}?${out.toString()}` : uri
}

const VALUE_FLAGS = new Set(["-e", "--env", "--build-arg", "--secret", "-p", "--password", "--password-stdin", "--label", "-l"])
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s

const maskAssignment = (tok: string, always: boolean): string => {
  const m = ASSIGN.exec(tok)
  if (m === null) return always && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(tok) ? MASK : tok
  return always || isSecretKey(m[1] ?? "") ? `${m[1]}=${MASK}` : tok
}

/**
 * Mask values in a reconstructed docker command line: `-e K=V`, `--env=K=V`, `--build-arg K=V`,
 * `-p PASSWORD` (login), `--secret …`, and `KEY=VALUE` prefixes whose key looks secret.
 * Shell text before `docker` that is not a `KEY=VALUE` prefix (`printf x | docker …`) is dropped.
 */
export const scrubCommand = (command: string): string => {
  let toks = command.split(" ")
  // only `docker …` (with KEY=VALUE prefixes) is a command line; drop any shell pipeline before it
  const d = toks.indexOf("docker")
  if (d > 0 && !toks.slice(0, d).every((t) => ASSIGN.test(t))) toks = toks.slice(d)
  const out: Array<string> = []
  let login = false
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] ?? ""
    if (t === "login") login = true
    const eq = t.indexOf("=")
    const flag = t.startsWith("-") && eq > 0 ? t.slice(0, eq) : t
    if (VALUE_FLAGS.has(flag) && (flag !== "-p" || login)) {
      if (eq > 0 && t.startsWith("-")) {
        out.push(`${flag}=${flag === "-p" || flag === "--password" ? MASK : maskAssignment(t.slice(eq + 1), flag !== "--label" && flag !== "-l")}`)
      } else {
        out.push(t)
        const next = toks[i + 1]
        if (next !== undefined && flag !== "--password-stdin") {
          out.push(flag === "-p" || flag === "--password" ? MASK : maskAssignment(next, flag !== "--label" && flag !== "-l"))
          i++
        }
      }
      continue
    }
    out.push(t.startsWith("-") ? t : maskAssignment(t, false))
  }
  return out.join(" ")
}

/** Scrub the free-text fields of an event (URI, command, request details) before it is stored. */
export const scrubEvent = (e: DecisionEvent): DecisionEvent => {
  if (e._tag !== "RequestReceived") return e
  const details = e.request.details
  const dirty = Object.keys(details).some((k) => maskQueryValue(k, details[k] ?? "") !== details[k])
  if (e.uri === undefined && e.command === undefined && !dirty) return e
  return {
    ...e,
    ...(dirty ? { request: { ...e.request, details: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, maskQueryValue(k, v)])) } } : {}),
    ...(e.uri !== undefined ? { uri: scrubUri(e.uri) } : {}),
    ...(e.command !== undefined ? { command: scrubCommand(e.command) } : {})
  }
}

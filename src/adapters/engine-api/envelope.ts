/**
 * Reading the AuthZ plugin envelope (authorization.Request as dockerd marshals it): keys as
 * Go spells them (`RequestUri`), looked up case-insensitively as Go's own decoder would;
 * RequestBody is Go []byte, i.e. base64.
 */
export interface Envelope {
  readonly method: string
  readonly uri: string
  /** decoded body bytes; "invalid" when RequestBody is not base64 */
  readonly body: Uint8Array | "invalid" | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly user?: string
  readonly authMethod?: string
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)

/** Field lookup like Go: exact key first, else case-insensitive. */
export const field = (o: Record<string, unknown>, name: string): unknown => {
  if (Object.hasOwn(o, name)) return o[name]
  const lower = name.toLowerCase()
  const k = Object.keys(o).find((key) => key.toLowerCase() === lower)
  return k === undefined ? undefined : o[k]
}

const BAD_B64 = /[^A-Za-z0-9+/=]|=[^=]|={3}/

/** base64 as Go's encoding/json decodes []byte (StdEncoding; newlines ignored). */
export const decodeBase64 = (s: string): Uint8Array | "invalid" => {
  const clean = s.includes("\n") || s.includes("\r") ? s.replace(/[\r\n]/g, "") : s
  if (BAD_B64.test(clean) || clean.length % 4 === 1) return "invalid"
  return new Uint8Array(Buffer.from(clean, "base64"))
}

/** The envelope's fields, or a message saying why it is not an AuthZ request. */
export const readEnvelope = (envelope: unknown): Envelope | string => {
  if (!isRecord(envelope)) return "the AuthZ envelope is not a JSON object; dockerd always sends one — check what is calling the plugin socket"
  const method = field(envelope, "RequestMethod")
  const uri = field(envelope, "RequestUri")
  if (typeof method !== "string" || method === "") return "the AuthZ envelope has no RequestMethod string; Sentinel denies it"
  if (typeof uri !== "string" || uri === "") return "the AuthZ envelope has no RequestUri string; Sentinel denies it"
  const rawBody = field(envelope, "RequestBody")
  const body = typeof rawBody === "string" && rawBody !== "" ? decodeBase64(rawBody) : undefined
  const rawHeaders = field(envelope, "RequestHeaders")
  const headers: Record<string, string> = {}
  if (isRecord(rawHeaders)) for (const [k, v] of Object.entries(rawHeaders)) if (typeof v === "string") headers[k] = v
  const user = field(envelope, "User")
  const authMethod = field(envelope, "UserAuthNMethod")
  return {
    method,
    uri,
    body: body !== undefined && body !== "invalid" && body.length === 0 ? undefined : body,
    headers,
    ...(typeof user === "string" && user !== "" ? { user } : {}),
    ...(typeof authMethod === "string" && authMethod !== "" ? { authMethod } : {})
  }
}

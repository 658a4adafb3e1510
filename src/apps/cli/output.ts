/** CLI output helpers shared by every command: the seed's --json envelope and TTY-aware colour. */

export interface JsonError {
  readonly code: string
  readonly message: string
  readonly details?: string
}

/** The seed's envelope: `{success, timestamp, data?, error?}`, two-space indent. */
export const envelope = (success: boolean, data?: unknown, error?: JsonError): string => {
  const out: Record<string, unknown> = { success, timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") }
  if (data !== undefined) out["data"] = data
  if (error !== undefined) out["error"] = error
  return JSON.stringify(out, null, 2)
}

/** Print a success envelope to stdout. */
export const printJson = (data: unknown, success = true): void => {
  process.stdout.write(`${envelope(success, data)}\n`)
}

/** Print an error envelope to stderr (seed: outputJSONError). */
export const printJsonError = (code: string, message: string, details?: string): void => {
  process.stderr.write(`${envelope(false, undefined, details === undefined ? { code, message } : { code, message, details })}\n`)
}

const useColor = (stream: NodeJS.WriteStream): boolean =>
  stream.isTTY === true && process.env["NO_COLOR"] === undefined && process.env["TERM"] !== "dumb"

const wrap = (open: number, close: number) => (s: string, stream: NodeJS.WriteStream = process.stdout): string =>
  useColor(stream) ? `\u001b[${open}m${s}\u001b[${close}m` : s

export const c = {
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  blue: wrap(34, 39),
  cyan: wrap(36, 39),
  gray: wrap(90, 39),
  bold: wrap(1, 22)
}

/** Exit codes used by every command. */
export const ExitCode = { ok: 0, blocked: 1, failure: 1, usage: 2 } as const

/** A usage error: exit 2 with a message naming the problem. */
export class UsageError extends Error {
  override readonly name = "UsageError"
}

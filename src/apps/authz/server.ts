/**
 * The plugin's HTTP server on a unix socket (node:http: the Effect HTTP stack cost ~0.3 ms
 * per request, more than the whole decision). Routes: the Docker plugin protocol plus
 * root-only control endpoints on the same 0600 socket (`/Sentinel.Status`, `/Sentinel.Reload`).
 */
import { createConnection } from "node:net"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs"
import { dirname } from "node:path"
import { Effect } from "effect"
import type { Handler } from "./handler.ts"
import type { AuthzResponse } from "./message.ts"

/** Envelopes above this are denied: 16 MiB covers the daemon's 4 MiB body cap after base64 and JSON. */
export const MAX_ENVELOPE_BYTES = 16 * 1024 * 1024

export interface ServerOptions {
  readonly socket: string
  /** use an inherited listening socket (systemd LISTEN_FDS) instead of binding `socket` */
  readonly listenFd?: number | undefined
  readonly maxEnvelopeBytes?: number | undefined
  readonly status: () => Promise<unknown>
  readonly reload: () => Promise<unknown>
}

const PLUGIN_TYPE = "application/vnd.docker.plugins.v1+json"

const send = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "Content-Type": PLUGIN_TYPE, "Content-Length": Buffer.byteLength(text) })
  res.end(text)
}

/** Read the whole body; beyond `cap` bytes keep draining but report it as oversized. */
const readBody = (req: IncomingMessage, cap: number): Promise<{ body: Buffer; oversized: number | undefined }> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size <= cap) chunks.push(c)
    })
    req.on("end", () => resolve({ body: Buffer.concat(chunks), oversized: size > cap ? size : undefined }))
    req.on("error", reject)
  })

/** Is something answering on this unix socket path? */
export const socketAnswers = (path: string, timeoutMs = 1000): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createConnection({ path })
    const done = (v: boolean) => {
      s.destroy()
      resolve(v)
    }
    s.setTimeout(timeoutMs, () => done(true)) // accepted but silent: still a live listener
    s.on("connect", () => done(true))
    s.on("error", () => done(false))
  })

/** Remove a stale socket file; refuse if a live instance answers or the path is not a socket. */
export const clearStaleSocket = async (path: string): Promise<void> => {
  let st
  try {
    st = lstatSync(path)
  } catch {
    return
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it (remove it yourself if it is stale)`)
  if (await socketAnswers(path)) throw new Error(`another process is already serving on ${path}; stop it first (sentinel authz stop) or choose --socket`)
  unlinkSync(path)
}

/** Start listening. Resolves with the server once the socket accepts connections (mode 0600). */
export const startServer = async (handler: Handler, opts: ServerOptions): Promise<Server> => {
  const cap = opts.maxEnvelopeBytes ?? MAX_ENVELOPE_BYTES
  const answer = (res: ServerResponse, eff: Effect.Effect<AuthzResponse>) => answerP(res, Effect.runPromise(eff))
  const answerP = (res: ServerResponse, p: Promise<AuthzResponse>) =>
    p.then(
      (r) => send(res, 200, r),
      (e: unknown) => send(res, 200, { Allow: false, Msg: `Sentinel internal error: ${String(e)}`, Err: String(e) })
    )
  const server = createServer({ keepAlive: true }, (req, res) => {
    const url = req.url ?? ""
    readBody(req, cap).then(
      ({ body, oversized }) => {
        switch (url) {
          case "/Plugin.Activate":
            return send(res, 200, { Implements: ["authz"] })
          case "/AuthZPlugin.AuthZReq":
            if (oversized !== undefined) {
              const reason = `the AuthZ request envelope is ${oversized} bytes, above Sentinel's ${cap}-byte limit; send a smaller request body`
              return answer(res, handler.reject(reason))
            }
            return answerP(res, handler.authzReqAsync(body))
          case "/AuthZPlugin.AuthZRes":
            return oversized !== undefined ? send(res, 200, { Allow: true, Msg: "", Err: "" }) : answer(res, handler.authzRes(body))
          case "/Sentinel.Status":
            return opts.status().then((s) => send(res, 200, s), (e: unknown) => send(res, 500, { error: String(e) }))
          case "/Sentinel.Reload":
            return req.method !== "POST" ? send(res, 405, { error: "use POST" }) : opts.reload().then((s) => send(res, 200, s), (e: unknown) => send(res, 500, { error: String(e) }))
          default:
            return send(res, 404, { Err: `unknown plugin endpoint ${url}` })
        }
      },
      () => res.destroy()
    )
  })
  server.on("clientError", (_e, sock) => sock.destroy())
  if (opts.listenFd !== undefined) {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen({ fd: opts.listenFd }, () => resolve())
    })
    return server
  }
  mkdirSync(dirname(opts.socket), { recursive: true, mode: 0o700 })
  await clearStaleSocket(opts.socket)
  const old = process.umask(0o177)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(opts.socket, () => resolve())
    })
  } finally {
    process.umask(old)
  }
  chmodSync(opts.socket, 0o600)
  return server
}

/** Stop accepting, let in-flight requests finish (bounded), remove our socket file. */
export const stopServer = (server: Server, socket: string | undefined, graceMs = 5000): Promise<void> =>
  new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      server.closeAllConnections()
      resolve()
    }, graceMs)
    server.close(() => {
      clearTimeout(t)
      resolve()
    })
    server.closeIdleConnections()
  }).then(() => {
    if (socket !== undefined) {
      try {
        unlinkSync(socket)
      } catch {
        /* already gone */
      }
    }
  })

/** Shared helpers for the AuthZ plugin tests: a real plugin (real decoder, decide, policy store, audit) in-process. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Server } from "node:http"
import { Effect, Layer, ManagedRuntime } from "effect"
import { layer as policyLayer } from "../../src/adapters/policy-store/store.ts"
import { SqliteAuditLog } from "../../src/adapters/audit/layer.ts"
import { AuditLog } from "../../src/services/AuditLog.ts"
import { PolicyStore } from "../../src/services/PolicyStore.ts"
import { coreDeps } from "../../src/apps/authz/run.ts"
import { makeHandler, type Handler } from "../../src/apps/authz/handler.ts"
import { defaultOptions, type AuthzDeps, type AuthzOptions } from "../../src/apps/authz/deps.ts"
import { startServer, stopServer } from "../../src/apps/authz/server.ts"

export const FIXTURES = join(import.meta.dirname, "..", "fixtures", "authz")

export interface Fixture {
  readonly command?: string
  readonly req: Record<string, unknown>
  readonly res?: Record<string, unknown>
}

export const fixture = (prefix: string): Fixture => {
  const file = readdirSync(FIXTURES).find((f: string) => f.startsWith(prefix))
  if (file === undefined) throw new Error(`no fixture ${prefix}`)
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Fixture
}

export const b64 = (o: unknown): string => Buffer.from(typeof o === "string" ? o : JSON.stringify(o)).toString("base64")

export const createEnvelope = (body: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  RequestMethod: "POST",
  RequestUri: "/v1.41/containers/create",
  RequestBody: b64(body),
  RequestHeaders: { "Content-Type": "application/json" },
  ...extra
})

export interface Plugin {
  readonly dir: string
  readonly socket: string
  readonly handler: Handler
  readonly server: Server
  readonly runtime: ManagedRuntime.ManagedRuntime<PolicyStore | AuditLog, unknown>
  post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }>
  writePolicy(name: string, yaml: string): void
  close(): Promise<void>
}

export const tempConfig = (policies: Record<string, string>, active: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "sentinel-authz-"))
  mkdirSync(join(dir, "policies"), { recursive: true })
  for (const [n, y] of Object.entries(policies)) writeFileSync(join(dir, "policies", `${n}.yaml`), y)
  writeFileSync(join(dir, "config.yaml"), `active_policy: ${active}\n`)
  return dir
}

export const post = (socket: string, path: string, body: unknown, method = "POST"): Promise<{ status: number; json: Record<string, unknown> }> =>
  new Promise((resolve, reject) => {
    const data = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body))
    const req = request({ socketPath: socket, path, method, headers: { Accept: "application/vnd.docker.plugins.v1.2+json", "Content-Length": data.length } }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (c: Buffer) => chunks.push(c))
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> })
        } catch (e) {
          reject(e)
        }
      })
    })
    req.on("error", reject)
    req.end(data)
  })

/** Start a real plugin in-process on a temp socket. */
export const startPlugin = async (
  policies: Record<string, string>,
  active: string,
  opts: Partial<AuthzOptions> & { readonly daemon?: AuthzDeps["daemon"]; readonly maxEnvelopeBytes?: number; readonly audit?: AuthzDeps["audit"]; readonly scanGate?: AuthzDeps["scanGate"] } = {}
): Promise<Plugin> => {
  const dir = tempConfig(policies, active)
  const layer = Layer.merge(policyLayer({ dir, watch: false }), SqliteAuditLog.layer(join(dir, "audit")))
  const runtime = ManagedRuntime.make(layer)
  const { policies: store, audit } = await runtime.runPromise(Effect.all({ policies: PolicyStore, audit: AuditLog }))
  const deps: AuthzDeps = { ...coreDeps, policies: store, audit: opts.audit ?? audit, daemon: opts.daemon, scanGate: opts.scanGate }
  const logs: Array<string> = []
  const handler = makeHandler(deps, { ...defaultOptions, log: (l) => logs.push(l), ...opts })
  const socket = join(dir, "plugin.sock")
  const server = await startServer(handler, {
    socket,
    maxEnvelopeBytes: opts.maxEnvelopeBytes,
    status: () => runtime.runPromise(store.status).then((p) => ({ policy: p, counters: { ...handler.counters } })),
    reload: () => runtime.runPromise(store.reload).then((s) => (handler.clearPolicyCache(), s))
  })
  return {
    dir,
    socket,
    handler,
    server,
    runtime,
    post: (path, body) => post(socket, path, body),
    writePolicy: (name, yaml) => writeFileSync(join(dir, "policies", `${name}.yaml`), yaml),
    close: async () => {
      await stopServer(server, socket, 1000)
      await runtime.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

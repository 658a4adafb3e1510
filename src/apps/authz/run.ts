/**
 * `authz start`: acquire the PID file, build the handler from the real services, serve
 * on the socket (or the systemd-passed fd), reload on SIGHUP and on policy file changes,
 * and tear everything down (socket, PID file, facts) when the scope closes (SIGTERM/SIGINT).
 */
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { AuditLog } from "../../services/AuditLog.ts"
import { PolicyStore } from "../../services/PolicyStore.ts"
import { execContainer, inspectContainer, inspectVolume, networkName, socketPathOf } from "../../adapters/docker-api.ts"
import { decodeAuthZRequest, decodeAuthZResponse } from "../../adapters/engine-api/decode.ts"
import { decide } from "../../domain/decide-impl.ts"
import type { AuthzDeps, DaemonClient } from "./deps.ts"
import { defaultOptions } from "./deps.ts"
import { makeHandler } from "./handler.ts"
import { acquirePidFile } from "./pidfile.ts"
import { startServer, stopServer } from "./server.ts"
import { gateApplies, scanGateFor } from "./gates.ts"

export interface StartOptions {
  readonly socket: string
  readonly pidFile: string
  readonly failOpen: boolean
  /** unix:///var/run/docker.sock; "" disables daemon look-ups */
  readonly dockerHost: string
  readonly deadlineMs?: number | undefined
  readonly auditTimeoutMs?: number | undefined
  readonly scanBudgetMs?: number | undefined
  /** persist learned container facts here (cache dir) */
  readonly factsFile?: string | undefined
  readonly log?: ((line: string) => void) | undefined
}

/** The real decoder (request and response) and decision function; a thrown decode error becomes a fail-closed deny. */
export const coreDeps: Pick<AuthzDeps, "decodeRequest" | "decodeResponse" | "decide"> = {
  decodeRequest: decodeAuthZRequest,
  decodeResponse: decodeAuthZResponse,
  decide
}

/** The inherited socket from systemd socket activation, if any (LISTEN_FDS protocol, first fd = 3). */
export const listenFdFromEnv = (env: NodeJS.ProcessEnv = process.env): number | undefined => {
  const fds = Number(env["LISTEN_FDS"] ?? "0")
  const pid = env["LISTEN_PID"]
  if (fds >= 1 && (pid === undefined || Number(pid) === process.pid)) return 3
  return undefined
}

const daemonClient = (dockerHost: string): DaemonClient | undefined => {
  if (dockerHost === "") return undefined
  const sock = socketPathOf(dockerHost)
  return {
    inspect: (t) => inspectContainer(sock, t, 300),
    execContainer: (id) => execContainer(sock, id, 300),
    networkName: (id) => networkName(sock, id, 300),
    volume: (name) => inspectVolume(sock, name, 300)
  }
}

/** Run the plugin until interrupted. Requires the PolicyStore and AuditLog services. */
export const runPlugin = (o: StartOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const log = o.log ?? defaultOptions.log
      const policies = yield* PolicyStore
      const audit = yield* AuditLog
      yield* Effect.acquireRelease(Effect.try(() => acquirePidFile(o.pidFile)), (release) => Effect.sync(release))
      const deps: AuthzDeps = { ...coreDeps, policies, audit, daemon: daemonClient(o.dockerHost), scanGate: yield* scanGateFor(), scanGateApplies: gateApplies }
      const handler = makeHandler(deps, {
        ...defaultOptions,
        failOpen: o.failOpen,
        deadlineMs: o.deadlineMs ?? defaultOptions.deadlineMs,
        auditTimeoutMs: o.auditTimeoutMs ?? defaultOptions.auditTimeoutMs,
        scanBudgetMs: o.scanBudgetMs ?? defaultOptions.scanBudgetMs,
        log
      })
      if (o.factsFile !== undefined) {
        const file = o.factsFile
        handler.facts.load(file)
        const save = () => {
          try {
            handler.facts.save(file)
          } catch (e) {
            log(`could not save learned container facts to ${file}: ${String(e)}`)
          }
        }
        yield* Effect.acquireRelease(Effect.sync(() => setInterval(save, 10_000).unref()), (t) => Effect.sync(() => (clearInterval(t), save())))
      }
      const startedAt = new Date()
      const listenFd = listenFdFromEnv()
      const status = () =>
        Effect.runPromise(policies.status).then((policy) => ({
          pid: process.pid,
          socket: o.socket,
          socketActivated: listenFd !== undefined,
          startedAt: startedAt.toISOString(),
          uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
          failOpen: o.failOpen,
          dockerHost: o.dockerHost,
          policy,
          counters: { ...handler.counters },
          knownContainers: handler.facts.size
        }))
      const reload = () => Effect.runPromise(policies.reload).then((s) => (handler.clearPolicyCache(), s))
      const server = yield* Effect.acquireRelease(
        Effect.tryPromise(() => startServer(handler, { socket: o.socket, listenFd, status, reload })),
        (s) => Effect.promise(() => stopServer(s, listenFd === undefined ? o.socket : undefined)).pipe(Effect.tap(() => Effect.sync(() => log("stopped"))))
      )
      void server
      const onHup = () => {
        log("SIGHUP: reloading the policy")
        void reload().then(
          (s) => log(s.lastError === undefined ? `policy ${s.name} (${s.sha256.slice(0, 12)}) active` : `reload failed, keeping ${s.name}: ${s.lastError}`),
          (e: unknown) => log(`reload failed: ${String(e)}`)
        )
      }
      yield* Effect.acquireRelease(Effect.sync(() => process.on("SIGHUP", onHup)), () => Effect.sync(() => process.off("SIGHUP", onHup)))
      yield* Effect.forkScoped(
        Stream.runForEach(policies.changes, (s) =>
          Effect.sync(() => {
            handler.clearPolicyCache()
            log(s.lastError === undefined ? `policy ${s.name} (${s.sha256.slice(0, 12)}) loaded from ${s.source}` : `policy reload failed, keeping ${s.name}: ${s.lastError}`)
          })
        )
      )
      const p = yield* policies.status
      log(`Sentinel AuthZ listening on ${listenFd === undefined ? o.socket : `inherited fd ${listenFd}`} (pid ${process.pid}, policy ${p.name} ${p.sha256.slice(0, 12)}, ${o.failOpen ? "FAIL-OPEN" : "fail closed"})`)
      return yield* Effect.never
    })
  )

/** Where learned container facts are persisted under a config dir. */
export const factsFileIn = (configDir: string): string => join(configDir, "cache", "authz-facts.json")

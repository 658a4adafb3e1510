/**
 * The AuthZ decision path, independent of HTTP: envelope → decode → policy (identity
 * binding) → target facts → scan gates → decide → durable audit → answer. Every failure
 * and every exceeded budget is a deny naming the reason (fail closed) unless fail-open.
 */
import { Cause, Duration, Effect } from "effect"
import type { Decision } from "../../domain/decide.ts"
import type { DecisionEvent } from "../../domain/events.ts"
import type { LoadedPolicy } from "../../domain/policy.ts"
import { baseRequest, type DockerRequest } from "../../domain/request.ts"
import { newDecisionId } from "../../services/Ids.ts"
import { FactsStore } from "../../adapters/facts.ts"
import type { AuthzDeps, AuthzOptions, DecodedRequest, ScanGateContext } from "./deps.ts"
import { allowNote, denyMessage, failureResponse, type AuthzResponse } from "./message.ts"
import { parseBudget, selectPolicy, type PolicyCache } from "./select.ts"
import { enrich } from "./enrich.ts"

/** Live counters for `authz status`. */
export interface Counters {
  requests: number
  responses: number
  allowed: number
  warned: number
  denied: number
  errors: number
  lastError?: string | undefined
  lastErrorAt?: string | undefined
}

/** A failure that turns into a fail-closed deny; `stage` names where it happened. */
class Stage extends Error {
  constructor(
    readonly stage: string,
    readonly reason: string
  ) {
    super(`${stage}: ${reason}`)
  }
}

const describe = (e: unknown): string =>
  e instanceof Cause.UnknownException ? describe(e.error) : e instanceof Error ? e.message : typeof e === "string" ? e : JSON.stringify(e)

const stage = <A, E, R>(name: string, eff: Effect.Effect<A, E, R>, budgetMs?: number) => {
  const guarded = budgetMs === undefined ? eff : Effect.timeoutFail(eff, { duration: Duration.millis(budgetMs), onTimeout: () => new Stage(name, `Sentinel could not decide within ${budgetMs} ms`) })
  return guarded.pipe(
    Effect.catchAllDefect((d) => Effect.fail(new Stage(name, `internal error: ${describe(d)}`))),
    Effect.mapError((e) => (e instanceof Stage ? e : new Stage(name, describe(e))))
  )
}

/** Actions whose preparation may ask the daemon (target facts, network names). */
const MAY_LOOK_UP = new Set(["container.exec", "container.attach", "container.archive", "service.create", "service.update"])

/** Append durably within a budget; started synchronously so concurrent decisions share one commit. */
const appendWithin = (audit: AuthzDeps["audit"], events: ReadonlyArray<DecisionEvent>, ms: number): Effect.Effect<void, Error> =>
  Effect.async<void, Error>((resume) => {
    const timer = setTimeout(() => resume(Effect.fail(new Error(`audit append took longer than ${ms} ms`))), ms)
    Effect.runPromiseExit(audit.append(events)).then((exit) => {
      clearTimeout(timer)
      resume(exit._tag === "Success" ? Effect.void : Effect.fail(new Error(describe(Cause.squash(exit.cause)))))
    })
  })

const scanStage = (gate: NonNullable<AuthzDeps["scanGate"]>, request: DockerRequest, lp: LoadedPolicy, ctx: ScanGateContext) =>
  stage("scan", gate(request, lp, ctx), ctx.budgetMs + 1000)

/** Build the handler: `authzReq`/`authzRes` take the raw envelope bytes and never fail. */
export const makeHandler = (deps: AuthzDeps, opts: AuthzOptions) => {
  const facts = new FactsStore()
  const counters: Counters = { requests: 0, responses: 0, allowed: 0, warned: 0, denied: 0, errors: 0 }
  const cache: PolicyCache = new Map()

  const recordFailure = (reason: string, decoded: DecodedRequest | undefined, policy: LoadedPolicy | undefined, decisionId: string, now: string, failOpen = opts.failOpen) => {
    counters.errors++
    counters.lastError = reason
    counters.lastErrorAt = now
    const request: DockerRequest = decoded?.request ?? { ...baseRequest("unknown", "AuthZReq"), problems: [{ code: "decode-error", message: reason }] }
    const ref = policy === undefined ? { name: "(none)", sha256: "" } : { name: policy.policy.name, sha256: policy.sha256, source: policy.source }
    const events: Array<DecisionEvent> = [
      { _tag: "RequestReceived", version: 1, decisionId, at: now, source: "authz", user: decoded?.meta.user, authMethod: decoded?.meta.authMethod, method: decoded?.meta.method, uri: decoded?.meta.maskedUri, request, policy: ref },
      { _tag: "Decided", version: 1, decisionId, at: now, allowed: failOpen, decision: failOpen ? "allowed" : "denied", score: 0, maxScore: 0, mode: "enforce", policy: ref, reasons: [reason], mitigations: [], error: reason }
    ]
    opts.log(`error ${decisionId} ${decoded?.meta.route ?? "?"}: ${reason}${failOpen ? " (failing open)" : " (denied, fail closed)"}`)
    // best effort: the answer below is a deny (or an explicit fail-open), never an unrecorded allow
    return deps.audit.append(events).pipe(Effect.timeout(Duration.millis(opts.auditTimeoutMs)), Effect.ignore, Effect.as(failureResponse(reason, failOpen)))
  }

  /** Deny without decoding (oversized envelope): always a deny, even with fail-open. */
  const reject = (reason: string): Effect.Effect<AuthzResponse> => {
    counters.requests++
    return recordFailure(reason, undefined, undefined, newDecisionId(), new Date().toISOString(), false)
  }

  const authzReq = (body: Buffer): Effect.Effect<AuthzResponse> => {
    counters.requests++
    const started = performance.now()
    const decisionId = newDecisionId()
    const now = new Date().toISOString()
    let decoded: DecodedRequest | undefined
    let policy: LoadedPolicy | undefined
    return Effect.gen(function* () {
      const envelope = yield* stage("envelope", Effect.try({ try: () => JSON.parse(body.toString("utf8")) as unknown, catch: (e) => new Error(`the AuthZ envelope is not JSON (${describe(e)})`) }))
      decoded = yield* stage("decode", Effect.try(() => deps.decodeRequest(envelope)))
      const d = decoded
      // the common path (no identity binding, no daemon look-up) is synchronous: no timer, no fiber
      const prepare = Effect.gen(function* () {
        const active = yield* deps.policies.current
        policy = active
        const chosen = yield* selectPolicy(deps.policies, cache, active, d.meta.user)
        policy = chosen
        const enriched = d.meta.readOnly ? d.request : enrich(d.request, d.meta, chosen, facts, deps.daemon)
        const request = enriched instanceof Promise ? yield* Effect.promise(() => enriched) : enriched
        return { chosen, request }
      })
      const mayWait = d.meta.user !== undefined || (!d.meta.readOnly && MAY_LOOK_UP.has(d.request.action))
      const pre = yield* stage("prepare", prepare, mayWait ? opts.deadlineMs : undefined)
      const gate = deps.scanGate
      const scanned =
        gate === undefined || d.meta.readOnly
          ? undefined
          : yield* scanStage(gate, pre.request, pre.chosen, { decisionId, now, budgetMs: parseBudget(pre.chosen.policy.settings?.image_scanning?.scan_timeout) ?? opts.scanBudgetMs })
      const decision: Decision = yield* stage(
        "decide",
        Effect.try(() =>
          deps.decide(pre.request, pre.chosen, {
            decisionId,
            now,
            source: "authz",
            user: d.meta.user,
            authMethod: d.meta.authMethod,
            method: d.meta.method,
            uri: d.meta.maskedUri,
            scans: scanned?.scans,
            extraFindings: scanned?.extraFindings
          })
        )
      )
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000
      const events = decision.events.map((e) => (e._tag === "Decided" ? { ...e, durationMs } : e))
      const v = decision.verdict
      const audited = yield* Effect.either(appendWithin(deps.audit, events, opts.auditTimeoutMs))
      if (audited._tag === "Left") {
        const why = `the decision could not be recorded in the audit log (${describe(audited.left)})`
        if (v.allowed && !opts.failOpen) return yield* Effect.fail(new Stage("audit", `${why}; an unrecorded request is not allowed`))
        counters.errors++
        counters.lastError = why
        counters.lastErrorAt = now
        opts.log(`error ${decisionId} ${d.meta.route}: ${why}`)
      }
      const name = pre.chosen.policy.name
      if (!v.allowed) {
        counters.denied++
        const msg = denyMessage(v, name)
        opts.log(`deny ${decisionId} ${d.meta.route}${d.meta.user !== undefined ? ` user=${d.meta.user}` : ""}: ${msg.replaceAll("\n", " | ")}`)
        return { Allow: false, Msg: msg, Err: "" }
      }
      if (v.decision === "warned") counters.warned++
      else counters.allowed++
      const note = allowNote(v, name)
      if (note !== "") opts.log(`${v.decision} ${decisionId} ${d.meta.route}: ${note.replaceAll("\n", " | ")}`)
      return { Allow: true, Msg: note, Err: "" }
    }).pipe(Effect.catchAll((e) => recordFailure(e.reason, decoded, policy, decisionId, now)))
  }

  /** AuthZRes never denies (the action already ran); it only learns facts. */
  const authzRes = (body: Buffer): Effect.Effect<AuthzResponse> => {
    counters.responses++
    return Effect.sync(() => {
      try {
        const learned = deps.decodeResponse(JSON.parse(body.toString("utf8")) as unknown)
        if (learned.container !== undefined) facts.learn(learned.container.facts, learned.container.name)
        if (learned.exec !== undefined) facts.learnExec(learned.exec.execId, learned.exec.containerId)
        if (learned.removed !== undefined) facts.forget(learned.removed)
      } catch (e) {
        opts.log(`AuthZRes not understood (allowed anyway, nothing learned): ${describe(e)}`)
      }
      return { Allow: true, Msg: "", Err: "" }
    })
  }

  return { authzReq, authzRes, reject, counters, facts, clearPolicyCache: () => cache.clear() }
}

export type Handler = ReturnType<typeof makeHandler>

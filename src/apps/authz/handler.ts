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
import type { AuthzDeps, AuthzOptions, DecodedRequest, ScanGateContext, ScanGateResult } from "./deps.ts"
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

/** Settle within `ms`, else reject with `onTimeout()`. */
const within = <A>(p: Promise<A>, ms: number, onTimeout: () => Error): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms)
    p.then(
      (a) => (clearTimeout(timer), resolve(a)),
      (e: unknown) => (clearTimeout(timer), reject(e))
    )
  })

/**
 * Append durably within a budget; resolves with why it failed, or undefined once committed.
 * Started synchronously so concurrent decisions share one commit.
 */
const appendWithin = (audit: AuthzDeps["audit"], events: ReadonlyArray<DecisionEvent>, ms: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(`audit append took longer than ${ms} ms`), ms)
    Effect.runPromiseExit(audit.append(events)).then((exit) => {
      clearTimeout(timer)
      resolve(exit._tag === "Success" ? undefined : describe(Cause.squash(exit.cause)))
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

  /** Per-request state shared by the fast path, the waiting path and the failure record. */
  interface Req {
    readonly started: number
    readonly decisionId: string
    readonly now: string
    decoded: DecodedRequest | undefined
    policy: LoadedPolicy | undefined
  }

  /** The waiting path (identity binding, daemon look-ups, scan gates): budgets enforced by Effect. */
  const prepareAndDecide = (r: Req, d: DecodedRequest) =>
    Effect.gen(function* () {
      const prepare = Effect.gen(function* () {
        const active = yield* deps.policies.current
        r.policy = active
        const chosen = yield* selectPolicy(deps.policies, cache, active, d.meta.user)
        r.policy = chosen
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
          : yield* scanStage(gate, pre.request, pre.chosen, { decisionId: r.decisionId, now: r.now, budgetMs: parseBudget(pre.chosen.policy.settings?.image_scanning?.scan_timeout) ?? opts.scanBudgetMs })
      const decision: Decision = yield* stage("decide", Effect.try(() => decideNow(r, d, pre.request, pre.chosen, scanned)))
      return { decision, chosen: pre.chosen }
    })

  const decideNow = (r: Req, d: DecodedRequest, request: DockerRequest, chosen: LoadedPolicy, scanned?: { readonly scans: ScanGateResult["scans"]; readonly extraFindings: ScanGateResult["extraFindings"] } | undefined): Decision =>
    deps.decide(request, chosen, {
      decisionId: r.decisionId,
      now: r.now,
      source: "authz",
      user: d.meta.user,
      authMethod: d.meta.authMethod,
      method: d.meta.method,
      uri: d.meta.maskedUri,
      scans: scanned?.scans,
      extraFindings: scanned?.extraFindings
    })

  /**
   * The common path without a fiber: no identity binding, no daemon look-up, no scan gate.
   * Undefined when the request needs the waiting path.
   */
  const fastDecide = (r: Req, d: DecodedRequest): { decision: Decision; chosen: LoadedPolicy } | Promise<{ decision: Decision; chosen: LoadedPolicy }> | undefined => {
    if (d.meta.user !== undefined || (!d.meta.readOnly && MAY_LOOK_UP.has(d.request.action))) return undefined
    const current = Effect.runSyncExit(deps.policies.current)
    if (current._tag === "Failure") return undefined // the waiting path reports it with the usual text
    const chosen = current.value
    if (deps.scanGate !== undefined && !d.meta.readOnly && (deps.scanGateApplies?.(d.request, chosen) ?? true)) return undefined
    r.policy = chosen
    const decideOn = (request: DockerRequest) => {
      try {
        return { decision: decideNow(r, d, request, chosen), chosen }
      } catch (e) {
        throw new Stage("decide", describe(e))
      }
    }
    const enriched = d.meta.readOnly ? d.request : enrich(d.request, d.meta, chosen, facts, deps.daemon)
    if (!(enriched instanceof Promise)) return decideOn(enriched)
    // a look-up this path did not expect: bound it like the waiting path does
    return within(enriched, opts.deadlineMs, () => new Stage("prepare", `Sentinel could not decide within ${opts.deadlineMs} ms`)).then(decideOn)
  }

  /** Record the decision (within the audit budget), count it and build the answer. */
  const finish = async (r: Req, d: DecodedRequest, decision: Decision, chosen: LoadedPolicy): Promise<AuthzResponse> => {
    const durationMs = Math.round((performance.now() - r.started) * 1000) / 1000
    const events = decision.events.map((e) => (e._tag === "Decided" ? { ...e, durationMs } : e))
    const v = decision.verdict
    const auditError = await appendWithin(deps.audit, events, opts.auditTimeoutMs)
    if (auditError !== undefined) {
      const why = `the decision could not be recorded in the audit log (${auditError})`
      if (v.allowed && !opts.failOpen) throw new Stage("audit", `${why}; an unrecorded request is not allowed`)
      counters.errors++
      counters.lastError = why
      counters.lastErrorAt = r.now
      opts.log(`error ${r.decisionId} ${d.meta.route}: ${why}`)
    }
    const name = chosen.policy.name
    if (!v.allowed) {
      counters.denied++
      const msg = denyMessage(v, name)
      opts.log(`deny ${r.decisionId} ${d.meta.route}${d.meta.user !== undefined ? ` user=${d.meta.user}` : ""}: ${msg.replaceAll("\n", " | ")}`)
      return { Allow: false, Msg: msg, Err: "" }
    }
    if (v.decision === "warned") counters.warned++
    else counters.allowed++
    const note = allowNote(v, name)
    if (note !== "") opts.log(`${v.decision} ${r.decisionId} ${d.meta.route}: ${note.replaceAll("\n", " | ")}`)
    return { Allow: true, Msg: note, Err: "" }
  }

  /** AuthZReq as a Promise (the server's hot path); never rejects. */
  const authzReqAsync = async (body: Buffer): Promise<AuthzResponse> => {
    counters.requests++
    const r: Req = { started: performance.now(), decisionId: newDecisionId(), now: new Date().toISOString(), decoded: undefined, policy: undefined }
    try {
      let envelope: unknown
      try {
        envelope = JSON.parse(body.toString("utf8")) as unknown
      } catch (e) {
        throw new Stage("envelope", `the AuthZ envelope is not JSON (${describe(e)})`)
      }
      let d: DecodedRequest
      try {
        d = deps.decodeRequest(envelope)
      } catch (e) {
        throw new Stage("decode", describe(e))
      }
      r.decoded = d
      const fast = fastDecide(r, d)
      if (fast !== undefined) {
        const { decision, chosen } = fast instanceof Promise ? await fast : fast
        return await finish(r, d, decision, chosen)
      }
      const slow = await Effect.runPromise(Effect.either(prepareAndDecide(r, d)))
      if (slow._tag === "Left") throw slow.left
      return await finish(r, d, slow.right.decision, slow.right.chosen)
    } catch (e) {
      const reason = e instanceof Stage ? e.reason : `internal error: ${describe(e)}`
      return Effect.runPromise(recordFailure(reason, r.decoded, r.policy, r.decisionId, r.now))
    }
  }

  /** AuthZReq as an Effect; never fails. */
  const authzReq = (body: Buffer): Effect.Effect<AuthzResponse> => Effect.promise(() => authzReqAsync(body))

  /** AuthZRes never denies (the action already ran); it only learns facts. */
  const authzRes = (body: Buffer): Effect.Effect<AuthzResponse> => {
    counters.responses++
    return Effect.sync(() => {
      try {
        const learned = deps.decodeResponse(JSON.parse(body.toString("utf8")) as unknown)
        if (learned.container !== undefined) facts.learn(learned.container.facts, learned.container.name)
        if (learned.exec !== undefined) facts.learnExec(learned.exec.execId, learned.exec.containerId)
        if (learned.removed !== undefined) facts.forget(learned.removed)
        facts.learnVolumes(learned)
      } catch (e) {
        opts.log(`AuthZRes not understood (allowed anyway, nothing learned): ${describe(e)}`)
      }
      return { Allow: true, Msg: "", Err: "" }
    })
  }

  return { authzReq, authzReqAsync, authzRes, reject, counters, facts, clearPolicyCache: () => cache.clear() }
}

export type Handler = ReturnType<typeof makeHandler>

/**
 * The decision function (seed §7, kept exactly): run the rule families for the action, apply
 * exceptions, add extra findings, score (violations + warnings, capped at 100), then mode:
 * audit/warn allow; enforce (or "") blocks on any violation, else on score > max_risk_score.
 */
import type { Decide, DecideContext, Verdict } from "./decide.ts"
import type { DecisionEvent, PolicyRef, RequestReceived } from "./events.ts"
import type { Finding } from "./finding.ts"
import { effectiveMode, maxRiskScore, type LoadedPolicy } from "./policy.ts"
import type { DockerRequest } from "./request.ts"
import { exceptionFor } from "./exceptions.ts"
import { familiesFor } from "./rules/index.ts"
import type { RuleContext } from "./rules/types.ts"

/** What `evaluate` needs from the context: the authenticated user and findings computed elsewhere. */
export interface EvaluateContext {
  readonly user?: string | undefined
  readonly extraFindings?: ReadonlyArray<Finding> | undefined
}

/** All findings (excepted ones carry `exceptedBy`), in evaluation order. */
export const collectFindings = (request: DockerRequest, lp: LoadedPolicy, ctx: EvaluateContext): Array<Finding> => {
  const policy = lp.policy
  const rctx: RuleContext = ctx.user !== undefined ? { user: ctx.user } : {}
  const out: Array<Finding> = []
  const add = (f: Finding): void => {
    const reason = exceptionFor(f, request, policy, rctx)
    out.push(reason === undefined ? f : { ...f, exceptedBy: reason === "" ? "exception" : reason })
  }
  for (const family of familiesFor(request.action)) {
    for (const f of family(request, policy, rctx)) add(f)
  }
  for (const f of ctx.extraFindings ?? []) add(f)
  return out
}

/** Score, mode and outcome over the findings (excepted findings do not count). */
export const verdictOf = (lp: LoadedPolicy, all: ReadonlyArray<Finding>): Verdict => {
  const findings: Array<Finding> = []
  const violations: Array<Finding> = []
  const warnings: Array<Finding> = []
  const mitigations: Array<string> = []
  let score = 0
  for (const f of all) {
    if (f.exceptedBy !== undefined) continue
    findings.push(f)
    score += f.points
    if (f.kind === "violation") violations.push(f)
    else warnings.push(f)
    if (f.mitigation !== undefined && !mitigations.includes(f.mitigation)) mitigations.push(f.mitigation)
  }
  if (score > 100) score = 100
  if (score < 0) score = 0
  const mode = effectiveMode(lp.policy)
  const maxScore = maxRiskScore(lp.policy)
  const allowed = mode !== "enforce" || (violations.length === 0 && score <= maxScore)
  const decision = !allowed ? "denied" : findings.length > 0 ? "warned" : "allowed"
  return { allowed, decision, score, maxScore, mode, findings, violations, warnings, mitigations }
}

/** The verdict only (no event objects): the fast path for benchmarks and replay. */
export const evaluate = (request: DockerRequest, lp: LoadedPolicy, ctx: EvaluateContext = {}): Verdict =>
  verdictOf(lp, collectFindings(request, lp, ctx))

/** `[LEVEL] message (rule.id)`: counted violations first, then warnings. */
export const reasonsOf = (v: Verdict): Array<string> =>
  [...v.violations, ...v.warnings].map((f) => `[${f.level.toUpperCase()}] ${f.message} (${f.rule})`)

const policyRef = (lp: LoadedPolicy): PolicyRef => ({ name: lp.policy.name, sha256: lp.sha256, source: lp.source })

const requestReceived = (request: DockerRequest, ref: PolicyRef, ctx: DecideContext): RequestReceived => {
  const e: { -readonly [K in keyof RequestReceived]: RequestReceived[K] } = {
    _tag: "RequestReceived",
    version: 1,
    decisionId: ctx.decisionId,
    at: ctx.now,
    source: ctx.source,
    request,
    policy: ref
  }
  if (ctx.user !== undefined) e.user = ctx.user
  if (ctx.authMethod !== undefined) e.authMethod = ctx.authMethod
  if (ctx.method !== undefined) e.method = ctx.method
  if (ctx.uri !== undefined) e.uri = ctx.uri
  if (ctx.command !== undefined) e.command = ctx.command
  return e
}

/** Decide and describe: RequestReceived, one RuleEvaluated per finding, ScanCompleted*, Decided. */
export const decide: Decide = (request, lp, ctx) => {
  const all = collectFindings(request, lp, ctx)
  const verdict = verdictOf(lp, all)
  const ref = policyRef(lp)
  const events: Array<DecisionEvent> = [requestReceived(request, ref, ctx)]
  for (const finding of all) {
    events.push({ _tag: "RuleEvaluated", version: 1, decisionId: ctx.decisionId, at: ctx.now, finding })
  }
  for (const scan of ctx.scans ?? []) events.push({ ...scan, decisionId: ctx.decisionId })
  events.push({
    _tag: "Decided",
    version: 1,
    decisionId: ctx.decisionId,
    at: ctx.now,
    allowed: verdict.allowed,
    decision: verdict.decision,
    score: verdict.score,
    maxScore: verdict.maxScore,
    mode: verdict.mode,
    policy: ref,
    reasons: reasonsOf(verdict),
    mitigations: verdict.mitigations
  })
  return { verdict, events }
}

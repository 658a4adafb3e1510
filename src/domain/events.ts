/**
 * Decision events. Every decision is a stream sharing one `decisionId`:
 * RequestReceived, RuleEvaluated (one per finding), [ScanCompleted], Decided.
 * Payloads carry a literal `version`; older versions are upcast on read (upcast.ts),
 * stored rows are never rewritten. No secret values: the request model has none.
 */
import { Schema } from "effect"
import { Finding } from "./finding.ts"
import { DockerRequest } from "./request.ts"

export const Source = Schema.Literal("authz", "cli", "replay")
export type Source = typeof Source.Type

export const PolicyRef = Schema.Struct({ name: Schema.String, sha256: Schema.String, source: Schema.optional(Schema.String) })
export type PolicyRef = typeof PolicyRef.Type

export const RequestReceived = Schema.TaggedStruct("RequestReceived", {
  version: Schema.Literal(1),
  decisionId: Schema.String,
  at: Schema.String, // RFC 3339 UTC
  source: Source,
  user: Schema.optional(Schema.String),
  authMethod: Schema.optional(Schema.String),
  method: Schema.optional(Schema.String),
  /** request URI with secret query values masked */
  uri: Schema.optional(Schema.String),
  /** reconstructed docker command line (values masked) */
  command: Schema.optional(Schema.String),
  request: DockerRequest,
  policy: PolicyRef
})
export type RequestReceived = typeof RequestReceived.Type

export const RuleEvaluated = Schema.TaggedStruct("RuleEvaluated", {
  version: Schema.Literal(1),
  decisionId: Schema.String,
  at: Schema.String,
  finding: Finding
})
export type RuleEvaluated = typeof RuleEvaluated.Type

export const ScanCompleted = Schema.TaggedStruct("ScanCompleted", {
  version: Schema.Literal(1),
  decisionId: Schema.String,
  at: Schema.String,
  scanner: Schema.String,
  scannerVersion: Schema.optional(Schema.String),
  kind: Schema.Literal("vulnerabilities", "secrets"),
  image: Schema.String,
  imageDigest: Schema.optional(Schema.String),
  fromCache: Schema.Boolean,
  ok: Schema.Boolean,
  error: Schema.optional(Schema.String),
  counts: Schema.Struct({
    critical: Schema.Number,
    high: Schema.Number,
    medium: Schema.Number,
    low: Schema.Number,
    unknown: Schema.Number,
    verified: Schema.optional(Schema.Number)
  }),
  durationMs: Schema.Number
})
export type ScanCompleted = typeof ScanCompleted.Type

export const DecisionOutcome = Schema.Literal("allowed", "warned", "denied")
export type DecisionOutcome = typeof DecisionOutcome.Type

export const Decided = Schema.TaggedStruct("Decided", {
  version: Schema.Literal(1),
  decisionId: Schema.String,
  at: Schema.String,
  allowed: Schema.Boolean,
  decision: DecisionOutcome,
  score: Schema.Number,
  maxScore: Schema.Number,
  mode: Schema.Literal("enforce", "warn", "audit"),
  policy: PolicyRef,
  /** top reasons, human readable: `[CRITICAL] message (rule.id)` */
  reasons: Schema.Array(Schema.String),
  mitigations: Schema.Array(Schema.String),
  /** set when the decision was forced by an error (fail closed / fail open) */
  error: Schema.optional(Schema.String),
  durationMs: Schema.optional(Schema.Number)
})
export type Decided = typeof Decided.Type

/** Audit-only events (retention, replays recorded on request). */
export const AuditPruned = Schema.TaggedStruct("AuditPruned", {
  version: Schema.Literal(1),
  decisionId: Schema.String,
  at: Schema.String,
  keepDays: Schema.Number,
  removedEvents: Schema.Number,
  before: Schema.String
})
export type AuditPruned = typeof AuditPruned.Type

export const Replayed = Schema.TaggedStruct("Replayed", {
  version: Schema.Literal(1),
  decisionId: Schema.String,
  at: Schema.String,
  originalDecisionId: Schema.String,
  policy: PolicyRef,
  allowed: Schema.Boolean,
  decision: DecisionOutcome,
  score: Schema.Number,
  reasons: Schema.Array(Schema.String)
})
export type Replayed = typeof Replayed.Type

export const DecisionEvent = Schema.Union(RequestReceived, RuleEvaluated, ScanCompleted, Decided, AuditPruned, Replayed)
export type DecisionEvent = typeof DecisionEvent.Type

/** Test helpers: build realistic decision event streams for the audit store tests. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { baseRequest, emptyContainer, type Action, type DockerRequest } from "../../src/domain/request.ts"
import type { DecisionEvent, DecisionOutcome, Source } from "../../src/domain/events.ts"
import type { Finding } from "../../src/domain/finding.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import { newDecisionId } from "../../src/services/Ids.ts"

export const tempDir = (prefix = "sentinel-audit-"): string => mkdtempSync(join(tmpdir(), prefix))

export interface DecisionSpec {
  readonly at?: string
  readonly user?: string
  readonly source?: Source
  readonly action?: Action
  readonly image?: string
  readonly privileged?: boolean
  readonly decision?: DecisionOutcome
  readonly score?: number
  readonly command?: string
  readonly uri?: string
  readonly method?: string
  readonly findings?: ReadonlyArray<Finding>
  readonly policy?: string
}

export const finding = (rule: string, points = 30, kind: "violation" | "warning" = "violation"): Finding => ({
  rule, level: kind === "violation" ? "critical" : "medium", category: "container_escape",
  message: `rule ${rule} fired`, points, kind
})

export const containerRequest = (image: string, privileged = false): DockerRequest => {
  const img = parseImageRef(image)
  return { ...baseRequest("container.create", "run"), image: img, container: { ...emptyContainer(), privileged, image: img } }
}

/** One decision's event stream: RequestReceived, RuleEvaluated per finding, Decided. */
export const decisionEvents = (s: DecisionSpec = {}): Array<DecisionEvent> => {
  const id = newDecisionId()
  const at = s.at ?? new Date().toISOString()
  const policy = { name: s.policy ?? "default", sha256: "ab".repeat(32), source: "builtin:default" }
  const findings = s.findings ?? []
  const decision = s.decision ?? (findings.some((f) => f.kind === "violation") ? "denied" : findings.length > 0 ? "warned" : "allowed")
  const request = s.action === undefined || s.action === "container.create"
    ? containerRequest(s.image ?? "nginx:1.25", s.privileged ?? false)
    : baseRequest(s.action, s.action)
  const reasons = findings.map((f) => `[${f.level.toUpperCase()}] ${f.message} (${f.rule})`)
  return [
    { _tag: "RequestReceived", version: 1, decisionId: id, at, source: s.source ?? "authz", request, policy,
      ...(s.user !== undefined ? { user: s.user } : {}),
      ...(s.command !== undefined ? { command: s.command } : {}),
      ...(s.uri !== undefined ? { uri: s.uri } : {}),
      ...(s.method !== undefined ? { method: s.method } : {}) },
    ...findings.map((f): DecisionEvent => ({ _tag: "RuleEvaluated", version: 1, decisionId: id, at, finding: f })),
    { _tag: "Decided", version: 1, decisionId: id, at, allowed: decision !== "denied", decision,
      score: s.score ?? Math.min(100, findings.reduce((n, f) => n + f.points, 0)), maxScore: 50, mode: "enforce",
      policy, reasons, mitigations: [] }
  ]
}

/**
 * The decision: a pure function (request, policy, context) -> events + verdict.
 * Used by the CLI (validate/exec), the AuthZ plugin and audit replay alike.
 */
import type { DockerRequest } from "./request.ts"
import type { LoadedPolicy, Mode } from "./policy.ts"
import type { Finding } from "./finding.ts"
import type { DecisionEvent, DecisionOutcome, Source, ScanCompleted } from "./events.ts"

export interface DecideContext {
  readonly decisionId: string
  /** RFC 3339 UTC */
  readonly now: string
  readonly source: Source
  /** authenticated user from the daemon (TLS CN); never from headers or labels */
  readonly user?: string | undefined
  readonly authMethod?: string | undefined
  readonly method?: string | undefined
  readonly uri?: string | undefined
  readonly command?: string | undefined
  /** scan results already obtained for this request (become ScanCompleted events + findings) */
  readonly scans?: ReadonlyArray<ScanCompleted> | undefined
  /** extra findings computed outside the pure rules (e.g. scan gates) */
  readonly extraFindings?: ReadonlyArray<Finding> | undefined
}

export interface Verdict {
  readonly allowed: boolean
  readonly decision: DecisionOutcome
  readonly score: number
  readonly maxScore: number
  readonly mode: Mode
  /** counted findings, in the seed's evaluation order */
  readonly findings: ReadonlyArray<Finding>
  readonly violations: ReadonlyArray<Finding>
  readonly warnings: ReadonlyArray<Finding>
  readonly mitigations: ReadonlyArray<string>
}

export interface Decision {
  readonly verdict: Verdict
  readonly events: ReadonlyArray<DecisionEvent>
}

export type Decide = (request: DockerRequest, policy: LoadedPolicy, ctx: DecideContext) => Decision

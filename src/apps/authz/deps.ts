/**
 * What the AuthZ request handler needs from the rest of Sentinel. The wiring module
 * (run.ts) fills this with the real decoder, decide, PolicyStore, AuditLog, scan gates
 * and daemon client; tests build it from the same real components with temp dirs.
 */
import type { Effect } from "effect"
import type { Decide } from "../../domain/decide.ts"
import type { ScanCompleted } from "../../domain/events.ts"
import type { Finding } from "../../domain/finding.ts"
import type { LoadedPolicy } from "../../domain/policy.ts"
import type { DockerRequest, TargetFacts } from "../../domain/request.ts"
import type { AuditLog } from "../../services/AuditLog.ts"
import type { PolicyStore } from "../../services/PolicyStore.ts"
import type { VolumeFacts, VolumeLearning } from "../../adapters/facts.ts"

/** The Engine API decoder's view of one AuthZReq (T4's `decodeAuthZRequest`). */
export interface DecodedRequest {
  readonly request: DockerRequest
  readonly meta: {
    readonly method: string
    readonly path: string
    readonly route: string
    readonly maskedUri: string
    readonly readOnly: boolean
    readonly user?: string | undefined
    readonly authMethod?: string | undefined
    readonly apiVersion?: string | undefined
  }
}

/** Facts learned from an AuthZRes: a created container, an exec instance's container, created/removed volumes. */
export interface LearnedFacts extends VolumeLearning {
  readonly container?: { readonly facts: TargetFacts; readonly name?: string | undefined } | undefined
  readonly exec?: { readonly execId: string; readonly containerId: string } | undefined
  readonly removed?: string | undefined
}

/** Result of the scan gates (push secret scan, require_image_scan on create). */
export interface ScanGateResult {
  readonly scans: ReadonlyArray<ScanCompleted>
  readonly extraFindings: ReadonlyArray<Finding>
}

/** Per-request context for the scan gates; `budgetMs` bounds all scans together. */
export interface ScanGateContext {
  readonly decisionId: string
  readonly now: string
  readonly budgetMs: number
}

/** The daemon's own API, for target facts, network names and named volumes. */
export interface DaemonClient {
  readonly inspect: (target: string) => Promise<TargetFacts | undefined>
  readonly execContainer: (execId: string) => Promise<string | undefined>
  readonly networkName: (id: string) => Promise<string | undefined>
  /** a named volume's driver and options; undefined when it does not exist. Absent: named volumes not yet learned are denied (fail closed) */
  readonly volume?: ((name: string) => Promise<VolumeFacts | undefined>) | undefined
}

export interface AuthzDeps {
  /** throws (or returns an Error) when the envelope is not an AuthZ request */
  readonly decodeRequest: (envelope: unknown) => DecodedRequest
  readonly decodeResponse: (envelope: unknown) => LearnedFacts
  readonly decide: Decide
  readonly policies: typeof PolicyStore.Service
  readonly audit: typeof AuditLog.Service
  readonly scanGate?:
    | ((request: DockerRequest, policy: LoadedPolicy, ctx: ScanGateContext) => Effect.Effect<ScanGateResult, unknown>)
    | undefined
  readonly daemon?: DaemonClient | undefined
  /**
   * Whether `scanGate` has anything to do for this request under this policy; false lets the
   * handler decide without a fiber or a timer. Absent: the gate always runs.
   */
  readonly scanGateApplies?: ((request: DockerRequest, policy: LoadedPolicy) => boolean) | undefined
}

export interface AuthzOptions {
  readonly failOpen: boolean
  /** budget for everything but scans and the audit commit */
  readonly deadlineMs: number
  /** budget for scans when the policy does not set one */
  readonly scanBudgetMs: number
  /** budget for the durable audit append */
  readonly auditTimeoutMs: number
  /** log a line (stderr in the server) */
  readonly log: (line: string) => void
}

export const defaultOptions: AuthzOptions = {
  failOpen: false,
  deadlineMs: 500,
  scanBudgetMs: 30_000,
  auditTimeoutMs: 2_000,
  log: (line) => void process.stderr.write(`${new Date().toISOString()} ${line}\n`)
}

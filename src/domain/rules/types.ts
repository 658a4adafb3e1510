/** The shape every rule family implements. Rules are pure functions returning findings. */
import type { DockerRequest } from "../request.ts"
import type { Policy } from "../policy.ts"
import type { Finding } from "../finding.ts"

export interface RuleContext {
  /** authenticated user from the daemon, if any */
  readonly user?: string | undefined
}

/** One rule family: returns findings in the seed's evaluation order. Never throws on valid input. */
export type RuleFamily = (request: DockerRequest, policy: Policy, ctx: RuleContext) => ReadonlyArray<Finding>

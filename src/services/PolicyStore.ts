/** The active policy, hot-reloadable, with last-known-good semantics. */
import { Context, Schema, type Effect, type Stream } from "effect"
import type { LoadedPolicy } from "../domain/policy.ts"

export class PolicyLoadError extends Schema.TaggedError<PolicyLoadError>()("PolicyLoadError", {
  /** file path or policy name */
  source: Schema.String,
  /** one line per problem: `line 12: rules.mounts.blocked[0].path: expected string, got 5` */
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `policy ${this.source} is invalid:\n  ${this.problems.join("\n  ")}`
  }
}

export interface PolicyStatus {
  readonly name: string
  readonly sha256: string
  readonly source: string
  readonly loadedAt: string
  /** the last reload failure, kept until a good reload */
  readonly lastError?: string | undefined
  readonly lastErrorAt?: string | undefined
}

export interface PolicySummary {
  readonly name: string
  readonly mode: string
  readonly description: string
  readonly source: string
  readonly active: boolean
  readonly valid: boolean
  readonly error?: string | undefined
}

export class PolicyStore extends Context.Tag("sentinel/services/PolicyStore")<
  PolicyStore,
  {
    /** the current (last good) policy; never a half-loaded one */
    readonly current: Effect.Effect<LoadedPolicy>
    /** load a policy by name (config dir policies/, then embedded templates) or by file path */
    readonly resolve: (nameOrPath: string) => Effect.Effect<LoadedPolicy, PolicyLoadError>
    /** re-read the active policy; on failure keep the old one and record the error */
    readonly reload: Effect.Effect<PolicyStatus>
    readonly status: Effect.Effect<PolicyStatus>
    readonly list: Effect.Effect<ReadonlyArray<PolicySummary>>
    /** emits after every reload attempt (file change or SIGHUP) */
    readonly changes: Stream.Stream<PolicyStatus>
  }
>() {}

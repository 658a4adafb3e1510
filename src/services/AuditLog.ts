/** The append-only decision event store. `append` returns only after the events are durable. */
import { Context, Schema, type Effect } from "effect"
import type { DecisionEvent } from "../domain/events.ts"

export class AuditError extends Schema.TaggedError<AuditError>()("AuditError", {
  message: Schema.String
}) {}

export class AuditLog extends Context.Tag("sentinel/services/AuditLog")<
  AuditLog,
  {
    /** append one decision's events atomically; durable (committed) when it succeeds */
    readonly append: (events: ReadonlyArray<DecisionEvent>) => Effect.Effect<void, AuditError>
  }
>() {}

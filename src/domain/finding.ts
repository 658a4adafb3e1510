/** What a rule produces. Mirrors the seed's Violation/Warning with a stable rule id. */
import { Schema } from "effect"

export const Level = Schema.Literal("critical", "high", "medium", "low", "info")
export type Level = typeof Level.Type

export const Finding = Schema.Struct({
  /** stable id, e.g. `runtime.privileged`, `mounts.docker-socket`, `custom.no-debug-images` */
  rule: Schema.String,
  level: Level,
  /** seed category: container_escape, privilege_escalation, data_exposure, ... */
  category: Schema.String,
  message: Schema.String,
  /** risk points added to the score (seed table) */
  points: Schema.Number,
  /** violation blocks in enforce mode; warning only adds score */
  kind: Schema.Literal("violation", "warning"),
  mitigation: Schema.optional(Schema.String),
  /** the request-model field that triggered it, e.g. `container.privileged` */
  field: Schema.optional(Schema.String),
  /** set when an exception suppressed it (then it is not counted) */
  exceptedBy: Schema.optional(Schema.String)
})
export type Finding = typeof Finding.Type

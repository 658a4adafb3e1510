/**
 * `custom_rules`: the seed's conditions plus CEL `expression`s. Each rule applies to the
 * actions in `actions` (default: the container-creating actions) and yields `custom.<name>`.
 */
import type { Finding, Level } from "../finding.ts"
import type { CustomRule } from "../policy.ts"
import type { DockerRequest } from "../request.ts"
import { evalCel } from "../cel.ts"
import { evalCondition } from "./condition.ts"
import type { RuleFamily } from "./types.ts"

/**
 * Actions a rule without `actions:` applies to. The seed ran custom rules for run/create;
 * a service create/update or a legacy start body creates containers too.
 */
export const DEFAULT_CUSTOM_ACTIONS: ReadonlyArray<string> = [
  "container.create",
  "container.start",
  "service.create",
  "service.update"
]

const LEVELS: ReadonlyArray<Level> = ["critical", "high", "medium", "low", "info"]

/** Seed `severityToScore`: critical 40, high 25, medium 15, low 5, anything else 10. */
export const severityPoints = (severity: string | undefined): number => {
  switch ((severity ?? "").toLowerCase()) {
    case "critical":
      return 40
    case "high":
      return 25
    case "medium":
      return 15
    case "low":
      return 5
    default:
      return 10
  }
}

/** The finding level for a severity string (unknown → medium). */
export const severityLevel = (severity: string | undefined): Level => {
  const s = (severity ?? "").toLowerCase()
  return (LEVELS as ReadonlyArray<string>).includes(s) ? (s as Level) : "medium"
}

const appliesTo = (rule: CustomRule, request: DockerRequest): boolean => {
  const actions = rule.actions ?? DEFAULT_CUSTOM_ACTIONS
  if (actions.includes("*")) return true
  if (!actions.includes(request.action)) return false
  // a legacy start body without HostConfig has nothing for container rules to read
  return request.action !== "container.start" || rule.actions !== undefined || request.container !== undefined
}

const base = (rule: CustomRule) => ({
  rule: `custom.${rule.name}`,
  level: severityLevel(rule.severity),
  category: rule.category !== undefined && rule.category !== "" ? rule.category : "custom",
  points: severityPoints(rule.severity)
})

/** Evaluate one custom rule (undefined = did not fire). */
export const evalCustomRule = (
  rule: CustomRule,
  request: DockerRequest,
  user: string | undefined
): Finding | undefined => {
  if (rule.action === "allow" || !appliesTo(rule, request)) return undefined
  const kind = rule.action === "warn" ? "warning" : "violation"
  const message = rule.message ?? rule.description ?? rule.name
  if (rule.expression !== undefined) {
    const out = evalCel(rule.expression, request, user)
    if (!out.ok) {
      return {
        ...base(rule),
        kind: "violation",
        field: "expression",
        message: `custom rule ${rule.name}: expression failed (${out.error}); the request is denied until the expression is fixed (guard optional fields with has())`
      }
    }
    return out.value ? { ...base(rule), kind, message, field: "expression" } : undefined
  }
  if (rule.condition === undefined || !evalCondition(rule.condition, request)) return undefined
  const field = rule.condition.field
  return field !== undefined ? { ...base(rule), kind, message, field } : { ...base(rule), kind, message }
}

/** All custom rules for the request, in policy order. */
export const customRules: RuleFamily = (request, policy, ctx) => {
  const rules = policy.custom_rules
  if (rules === undefined || rules.length === 0) return []
  const out: Array<Finding> = []
  for (const rule of rules) {
    const f = evalCustomRule(rule, request, ctx.user)
    if (f !== undefined) out.push(f)
  }
  return out
}

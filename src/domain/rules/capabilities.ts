/** Capabilities: blocked list and ALL (seed), allow-list and drop-ALL requirement (added). */
import type { Finding } from "../finding.ts"
import { normalizeCap, normalizeCaps } from "../caps.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, kindOf, memo, mk, type RuleDef } from "./kit.ts"
import type { Policy } from "../policy.ts"

export const BLOCKED_CAP: RuleDef = { rule: "capabilities.blocked", level: "critical", category: "privilege_escalation", points: 30 }
export const ALL_CAPS: RuleDef = { rule: "capabilities.all", level: "critical", category: "privilege_escalation", points: 50 }
export const CAP_NOT_ALLOWED: RuleDef = { rule: "capabilities.not-allowed", level: "high", category: "privilege_escalation", points: 20 }
export const DROP_ALL: RuleDef = { rule: "capabilities.drop-all-required", level: "medium", category: "privilege_escalation", points: 10 }

const compiled = memo((p: Policy) => {
  const c = p.rules?.capabilities
  return {
    blocked: (c?.blocked ?? []).map((b) => ({ ...b, name: normalizeCap(b.name) })),
    allowed: c?.allowed !== undefined && c.allowed.length > 0 ? new Set(normalizeCaps(c.allowed)) : undefined,
    defaultKind: kindOf(c?.default_action, "block"),
    requireDropAll: c?.require_drop_all === true
  }
})

/** Capability rules over the normalized `--cap-add` / `--cap-drop` lists. */
export const capabilityRules: RuleFamily = (request, policy) => {
  const spec = containerSpecOf(request)
  if (spec === undefined) return NONE
  const c = compiled(policy)
  if (spec.capAdd.length === 0 && !c.requireDropAll) return NONE
  const added = normalizeCaps(spec.capAdd)
  const out: Array<Finding> = []
  for (const cap of added) {
    for (const b of c.blocked) {
      if (b.name !== cap && b.name !== "ALL") continue
      const kind = kindOf(b.action, "block")
      if (kind === undefined) continue
      const msg = b.message !== undefined && b.message !== "" ? b.message : `Blocked capability: ${cap}`
      out.push(mk(BLOCKED_CAP, kind, msg, "container.capAdd", `Remove --cap-add=${cap}`))
    }
  }
  if (added.includes("ALL")) {
    out.push(mk(ALL_CAPS, "violation", "Adding ALL capabilities is extremely dangerous", "container.capAdd"))
  }
  if (c.allowed !== undefined && c.defaultKind !== undefined) {
    for (const cap of added) {
      if (c.allowed.has(cap)) continue
      out.push(mk(CAP_NOT_ALLOWED, c.defaultKind, `Capability ${cap} is not in the allowed list`, "container.capAdd",
        `Remove --cap-add=${cap} or add it to rules.capabilities.allowed`))
    }
  }
  if (c.requireDropAll && !normalizeCaps(spec.capDrop).includes("ALL")) {
    out.push(mk(DROP_ALL, "violation", "Containers must drop all capabilities (--cap-drop=ALL)", "container.capDrop",
      "Add --cap-drop=ALL and add back only the capabilities you need"))
  }
  return out
}

/** runtime.privileged: `--privileged` on containers, services and exec (seed rule `privileged`). */
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, kindOf, mk, type RuleDef } from "./kit.ts"

export const PRIVILEGED: RuleDef = { rule: "runtime.privileged", level: "critical", category: "container_escape", points: 40 }
const MESSAGE = "Privileged mode grants full host capabilities"
const MITIGATION = "Remove --privileged flag. Use specific capabilities with --cap-add instead."

/** Privileged containers or exec sessions. An empty/missing action means block (seed). */
export const runtimeRules: RuleFamily = (request, policy) => {
  let privileged = false
  let field = "container.privileged"
  if (request.action === "container.exec") {
    privileged = request.exec?.privileged === true
    field = "exec.privileged"
  } else {
    privileged = containerSpecOf(request)?.privileged === true
  }
  if (!privileged) return NONE
  const ra = policy.rules?.privileged
  const kind = kindOf(ra?.action, "block")
  if (kind === undefined) return NONE
  const message = ra?.message !== undefined && ra.message !== "" ? ra.message : MESSAGE
  return [mk(PRIVILEGED, kind, message, field, kind === "violation" ? MITIGATION : undefined)]
}

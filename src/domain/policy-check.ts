/**
 * Semantic policy validation, run after Schema decoding. Each problem names the policy path
 * (the store maps it to a YAML line) and says what is wrong and what to do.
 */
import type { Condition, CustomRule, Exception, GlobalException, Policy } from "./policy.ts"
import { Action } from "./request.ts"
import { compileCel } from "./cel.ts"
import { isValidGlob } from "./glob.ts"
import { hasUnforgeableCriterion } from "./exceptions.ts"
import { checkField } from "./rules/fields.ts"
import { compileRegex, isOperator, OPERATORS } from "./rules/condition.ts"
import { parseCpus, parseDuration, parseMemory } from "./units.ts"

export type PolicyPath = ReadonlyArray<string | number>
export interface PolicyProblem {
  readonly path: PolicyPath
  readonly message: string
}

/** Used by the policy store when a YAML file has a `rego:` key. */
export const REGO_MESSAGE =
  "rego is not supported by Sentinel: write the rule as a custom_rules entry with a CEL `expression:` (see docs/POLICY.md)"

const NAME_RE = /^[a-z0-9_-]+$/
const SEVERITIES = ["critical", "high", "medium", "low", "info"]
const RULE_FAMILIES = [
  "runtime", "namespaces", "capabilities", "mounts", "security", "container", "devices", "images",
  "network", "environment", "custom", "api", "cli", "scanning"
]
const ACTIONS: ReadonlyArray<string> = Action.literals

const FORGEABLE_HELP =
  "an exception must name something the requester cannot forge: `digests` (image digests) or `users` " +
  "(identities authenticated by the daemon). `images` counts only with settings.trust_image_tags: true, " +
  "because anyone who can run `docker tag` can give any image an allowed name; `names` and `labels` are " +
  "chosen by the requester and can only narrow an exception"

type Out = Array<PolicyProblem>

const checkException = (e: Exception | GlobalException, path: PolicyPath, policy: Policy, out: Out): void => {
  if (!hasUnforgeableCriterion(e, policy)) out.push({ path, message: `this exception can be forged: ${FORGEABLE_HELP}` })
  e.digests?.forEach((d, i) => {
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/i.test(d.trim())) {
      out.push({ path: [...path, "digests", i], message: `"${d}" is not an image digest; write it as sha256:<64 hex digits>` })
    }
  })
  for (const key of ["images", "names"] as const) {
    e[key]?.forEach((g, i) => {
      if (!isValidGlob(g)) out.push({ path: [...path, key, i], message: `"${g}" is not a valid glob pattern (check [ ] and \\)` })
    })
  }
}

const checkCondition = (c: Condition, path: PolicyPath, out: Out): void => {
  const hasAnd = c.and !== undefined && c.and.length > 0
  const hasOr = c.or !== undefined && c.or.length > 0
  if (hasAnd || hasOr) {
    if (hasAnd && hasOr) out.push({ path: [...path, "or"], message: "`or` is ignored when `and` is given: nest the `or` group inside `and`" })
    if (c.field !== undefined || c.operator !== undefined) {
      out.push({ path, message: "field/operator are ignored when `and`/`or` is given: move them into the `and`/`or` list" })
    }
    c.and?.forEach((x, i) => checkCondition(x, [...path, "and", i], out))
    c.or?.forEach((x, i) => checkCondition(x, [...path, "or", i], out))
    return
  }
  if (c.field === undefined || c.field === "") {
    out.push({ path, message: "a condition needs `field` and `operator`, or an `and`/`or` list" })
    return
  }
  const f = checkField(c.field)
  if (!f.ok) {
    const where = f.at === "" ? "the request" : `"${f.at}"`
    const avail = f.available.length > 0 ? `; fields there: ${f.available.join(", ")}` : ` (${where} has no sub-fields)`
    out.push({ path: [...path, "field"], message: `unknown field "${c.field}": ${where} has no such field${avail}` })
  }
  const op = c.operator?.toLowerCase()
  if (op === undefined || !isOperator(op)) {
    out.push({ path: [...path, "operator"], message: `unknown operator "${c.operator ?? ""}": use one of ${OPERATORS.join(", ")}` })
    return
  }
  if (op === "exists") return
  if (c.value === undefined || c.value === null) {
    out.push({ path: [...path, "value"], message: `operator ${op} needs a value` })
    return
  }
  if ((op === "in" || op === "not_in") && !Array.isArray(c.value)) {
    out.push({ path: [...path, "value"], message: `operator ${op} needs a list value, e.g. [a, b]` })
  }
  if (["gt", "gte", "lt", "lte"].includes(op) && Number.isNaN(Number(c.value))) {
    out.push({ path: [...path, "value"], message: `operator ${op} needs a number, got "${String(c.value)}"` })
  }
  if (op === "matches" && (typeof c.value === "object" || compileRegex(String(c.value)) === null)) {
    out.push({ path: [...path, "value"], message: `"${String(c.value)}" is not a valid regular expression` })
  }
}

const checkCustomRule = (r: CustomRule, path: PolicyPath, seen: Set<string>, out: Out): void => {
  if (!NAME_RE.test(r.name)) out.push({ path: [...path, "name"], message: `custom rule name "${r.name}" must use only a-z, 0-9, _ and - (it becomes the rule id custom.<name>)` })
  if (seen.has(r.name)) out.push({ path: [...path, "name"], message: `custom rule name "${r.name}" is used twice; rule ids must be unique` })
  seen.add(r.name)
  if (r.severity !== undefined && !SEVERITIES.includes(r.severity.toLowerCase())) {
    out.push({ path: [...path, "severity"], message: `unknown severity "${r.severity}": use one of ${SEVERITIES.join(", ")}` })
  }
  r.actions?.forEach((a, i) => {
    if (a !== "*" && !ACTIONS.includes(a)) out.push({ path: [...path, "actions", i], message: `unknown action "${a}": use "*" or one of ${ACTIONS.join(", ")}` })
  })
  const hasCond = r.condition !== undefined
  const hasExpr = r.expression !== undefined
  if (hasCond === hasExpr) {
    out.push({ path, message: `custom rule "${r.name}" needs exactly one of condition or expression (it has ${hasCond ? "both" : "neither"})` })
  }
  if (r.condition !== undefined) checkCondition(r.condition, [...path, "condition"], out)
  if (r.expression !== undefined) {
    const c = compileCel(r.expression)
    if (!c.ok) out.push({ path: [...path, "expression"], message: `CEL expression does not compile: ${c.error}` })
  }
}

const checkRules = (p: Policy, out: Out): void => {
  const r = p.rules
  if (r === undefined) return
  const ras: Array<[PolicyPath, { readonly exceptions?: ReadonlyArray<Exception> | undefined } | undefined]> = [
    [["rules", "privileged"], r.privileged],
    ...Object.entries(r.host_namespaces ?? {}).map(([k, v]): [PolicyPath, typeof v] => [["rules", "host_namespaces", k], v]),
    [["rules", "mounts", "docker_socket"], r.mounts?.docker_socket],
    [["rules", "mounts", "volumes_from"], r.mounts?.volumes_from],
    ...Object.entries(r.api ?? {}).map(([k, v]): [PolicyPath, typeof r.privileged] => [["rules", "api", k], typeof v === "object" ? v : undefined])
  ]
  for (const [path, ra] of ras) ra?.exceptions?.forEach((e, i) => checkException(e, [...path, "exceptions", i], p, out))
  if (r.images?.require_signed === true) {
    out.push({ path: ["rules", "images", "require_signed"], message: "require_signed: true is not supported: Sentinel cannot verify signatures; pin digests with require_digest" })
  }
  for (const key of ["blocked", "warned"] as const) {
    r.mounts?.[key]?.forEach((m, i) => {
      if (!m.path.startsWith("/")) out.push({ path: ["rules", "mounts", key, i, "path"], message: `mount path "${m.path}" must be absolute (start with /); bind sources are compared as cleaned absolute host paths` })
    })
  }
  r.mounts?.allowed?.forEach((m, i) => {
    if (!m.startsWith("/")) out.push({ path: ["rules", "mounts", "allowed", i], message: `mount path "${m}" must be absolute (start with /)` })
  })
  for (const key of ["blocked_images", "protected_images"] as const) {
    r.images?.[key]?.forEach((g, i) => {
      if (!isValidGlob(g)) out.push({ path: ["rules", "images", key, i], message: `"${g}" is not a valid glob pattern (check [ ] and \\)` })
    })
  }
  const c = r.container
  if (c?.max_memory !== undefined && parseMemory(c.max_memory) === undefined) {
    out.push({ path: ["rules", "container", "max_memory"], message: `max_memory "${c.max_memory}" is not a size: write e.g. 512m, 2g or a number of bytes` })
  }
  if (c?.max_cpus !== undefined && parseCpus(c.max_cpus) === undefined) {
    out.push({ path: ["rules", "container", "max_cpus"], message: `max_cpus "${c.max_cpus}" is not a CPU count: write a positive number such as 2 or 1.5` })
  }
}

/** All semantic problems in a decoded policy (empty = valid). */
export const checkPolicy = (policy: Policy): ReadonlyArray<PolicyProblem> => {
  const out: Out = []
  if (!NAME_RE.test(policy.name)) {
    out.push({ path: ["name"], message: `policy name "${policy.name}" must be non-empty and use only a-z, 0-9, _ and -` })
  }
  checkRules(policy, out)
  const seen = new Set<string>()
  policy.custom_rules?.forEach((r, i) => checkCustomRule(r, ["custom_rules", i], seen, out))
  policy.exceptions?.forEach((e, i) => {
    if (e.rules.length === 0) out.push({ path: ["exceptions", i, "rules"], message: "an exception needs at least one rule id or glob in `rules`, e.g. mounts.*" })
    e.rules.forEach((g, j) => {
      const family = g.split(".")[0] ?? ""
      if (!isValidGlob(g) || (!family.includes("*") && !family.includes("?") && !RULE_FAMILIES.includes(family))) {
        out.push({ path: ["exceptions", i, "rules", j], message: `"${g}" matches no rule: rule ids start with ${RULE_FAMILIES.join(", ")} (e.g. mounts.docker-socket, mounts.*)` })
      }
    })
    checkException(e, ["exceptions", i], policy, out)
  })
  const scan = policy.settings?.image_scanning
  for (const key of ["cache_duration", "scan_timeout"] as const) {
    const v = scan?.[key]
    if (v !== undefined && parseDuration(v) === undefined) {
      out.push({ path: ["settings", "image_scanning", key], message: `${key} "${v}" is not a duration: write e.g. 30s, 15m, 24h or 7d` })
    }
  }
  policy.bindings?.forEach((b, i) => {
    if (b.users.length === 0) out.push({ path: ["bindings", i, "users"], message: "a binding needs at least one user (the TLS client certificate CN)" })
    b.users.forEach((u, j) => {
      if (u.trim() === "") out.push({ path: ["bindings", i, "users", j], message: "a binding user must not be empty" })
    })
    if (!NAME_RE.test(b.policy)) out.push({ path: ["bindings", i, "policy"], message: `binding policy "${b.policy}" must be a policy name (a-z, 0-9, _ and -)` })
  })
  return out
}

/** Environment rules: secret-looking variables (seed), required and blocked variables (added). */
import type { Finding } from "../finding.ts"
import type { Policy } from "../policy.ts"
import type { EnvVar } from "../request.ts"
import { isSecretKey } from "../secrets.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, memo, mk, type RuleDef } from "./kit.ts"

export const SECRET_IN_ENV: RuleDef = { rule: "environment.secret", level: "medium", category: "secret_exposure", points: 0 }
export const REQUIRED_MISSING: RuleDef = { rule: "environment.required-missing", level: "low", category: "misconfiguration", points: 5 }
export const BLOCKED_VAR: RuleDef = { rule: "environment.blocked-var", level: "medium", category: "secret_exposure", points: 15 }

const compiled = memo((p: Policy) => {
  const e = p.rules?.environment
  return {
    blockSecrets: e?.block_secrets === true,
    patterns: e?.secret_patterns ?? [],
    required: e?.required ?? [],
    blocked: new Set((e?.blocked ?? []).map((k) => k.toUpperCase()))
  }
})
type Compiled = ReturnType<typeof compiled>

const secrets = (out: Array<Finding>, k: Compiled, env: ReadonlyArray<EnvVar>, field: string): void => {
  if (!k.blockSecrets) return
  for (const v of env) {
    if (!v.hasValue) continue
    if (v.secretLike || isSecretKey(v.key, k.patterns)) {
      out.push(mk(SECRET_IN_ENV, "warning", `Potential secret in environment: ${v.key}`, field,
        "Pass secrets with docker secrets or a mounted file instead of environment variables"))
    }
  }
}

const blockedVars = (out: Array<Finding>, k: Compiled, env: ReadonlyArray<EnvVar>, field: string): void => {
  if (k.blocked.size === 0) return
  for (const v of env) {
    if (k.blocked.has(v.key.toUpperCase())) {
      out.push(mk(BLOCKED_VAR, "violation", `Environment variable ${v.key} is blocked`, field, `Remove -e ${v.key}`))
    }
  }
}

/** Environment rules for containers (all), exec (secrets, blocked) and build args (secrets). */
export const environmentRules: RuleFamily = (request, policy) => {
  const a = request.action
  let env: ReadonlyArray<EnvVar>
  let field: string
  let container = false
  if (a === "container.exec") {
    env = request.exec?.env ?? []
    field = "exec.env"
  } else if (a === "image.build") {
    env = request.build?.buildArgs ?? []
    field = "build.buildArgs"
  } else {
    const spec = containerSpecOf(request)
    if (spec === undefined) return NONE
    env = spec.env
    field = "container.env"
    container = true
  }
  const k = compiled(policy)
  if (!k.blockSecrets && k.blocked.size === 0 && (!container || k.required.length === 0)) return NONE
  const out: Array<Finding> = []
  secrets(out, k, env, field)
  if (container) {
    for (const key of k.required) {
      if (!env.some((v) => v.key === key)) {
        out.push(mk(REQUIRED_MISSING, "violation", `Required environment variable ${key} is not set`, field, `Add -e ${key}=...`))
      }
    }
  }
  if (a !== "image.build") blockedVars(out, k, env, field)
  return out
}

/** `sentinel policy list|show|validate|use|delete|load` as plain functions returning the exit code. */
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join, resolve as resolvePath } from "node:path"
import { Either } from "effect"
import { configPaths, setConfigValue, writeFileAtomic } from "../../adapters/config.ts"
import {
  builtinNames,
  isPolicyPath,
  listPoliciesSync,
  policyFileFor,
  policyNameProblem,
  readPolicyFileSync,
  resolvePolicySync
} from "../../adapters/policy-store/resolve.ts"
import { effectiveMode, maxRiskScore, type LoadedPolicy } from "../../domain/policy.ts"
import { c, envelope, ExitCode } from "./output.ts"
import { activeName, fail, type PolicyCtx } from "./policy-io.ts"

const modeColour = (mode: string, s: string): string =>
  mode === "enforce" ? c.red(s) : mode === "warn" ? c.yellow(s) : mode === "audit" ? c.blue(s) : c.gray(s)

/** policy list / ls */
export const policyList = (ctx: PolicyCtx): number => {
  const active = activeName(ctx.dir)
  if (Either.isLeft(active)) return fail(ctx, "CONFIG_ERROR", active.left)
  const all = listPoliciesSync(ctx.dir, active.right)
  if (ctx.json) {
    ctx.out(envelope(true, { active: active.right, policies: all.map((p) => ({ ...p, builtin: p.source.startsWith("builtin:") })) }))
    return ExitCode.ok
  }
  for (const p of all) {
    const mark = p.active ? c.green("→ ") : "  "
    const tag = p.source.startsWith("builtin:") ? c.gray(" (builtin)") : ""
    if (!p.valid) ctx.out(`${mark}${p.name.padEnd(20)} ${c.red("INVALID ")} ${p.error ?? ""}`)
    else ctx.out(`${mark}${p.name.padEnd(20)} ${modeColour(p.mode, p.mode.padEnd(8))} ${p.description}${tag}`)
  }
  ctx.out("")
  const found = all.find((p) => p.active)
  const state = found === undefined
    ? c.red(" (NOT FOUND: nothing can be enforced; run `sentinel policy use <name>`)")
    : found.valid ? "" : c.red(" (INVALID: a running plugin keeps its last good policy)")
  ctx.out(`Active policy: ${active.right}${state}`)
  return ExitCode.ok
}

const summary = (l: LoadedPolicy) => ({
  name: l.policy.name,
  version: l.policy.version === undefined ? "" : String(l.policy.version),
  mode: effectiveMode(l.policy),
  description: l.policy.description ?? "",
  max_risk_score: maxRiskScore(l.policy),
  source: l.source,
  sha256: l.sha256
})

/** policy validate FILE-or-NAME: strict (unknown keys reported), every problem with its line. */
export const policyValidate = (ctx: PolicyCtx, target: string): number => {
  const r = resolvePolicySync(target, { dir: ctx.dir, checkPermissions: false })
  if (Either.isLeft(r)) {
    const { source, problems } = r.left
    if (ctx.json) {
      ctx.out(envelope(false, { valid: false, source, problems }, { code: "INVALID_POLICY", message: `policy ${source} is invalid` }))
    } else {
      ctx.err(`${c.red("✗", process.stderr)} Policy ${source} is invalid:`)
      for (const p of problems) ctx.err(`  ${p}`)
    }
    return ExitCode.failure
  }
  const s = summary(r.right)
  if (ctx.json) {
    ctx.out(envelope(true, { valid: true, ...s }))
    return ExitCode.ok
  }
  ctx.out(`${c.green("✓")} Policy is valid`)
  ctx.out(`  Name:        ${s.name}`)
  ctx.out(`  Version:     ${s.version}`)
  ctx.out(`  Mode:        ${s.mode}`)
  ctx.out(`  Description: ${s.description}`)
  ctx.out(`  Max Risk:    ${s.max_risk_score}`)
  ctx.out(`  Source:      ${s.source}`)
  ctx.out(`  SHA-256:     ${s.sha256}`)
  return ExitCode.ok
}

/** policy show [NAME]: the active policy (or NAME) in readable form. */
export const policyShow = (ctx: PolicyCtx, name?: string): number => {
  let target = name
  if (target === undefined) {
    const a = activeName(ctx.dir)
    if (Either.isLeft(a)) return fail(ctx, "CONFIG_ERROR", a.left)
    target = a.right
  }
  const r = resolvePolicySync(target, { dir: ctx.dir })
  if (Either.isLeft(r)) return fail(ctx, "NOT_FOUND", `cannot load policy ${target}`, 1, r.left.problems.join("\n"))
  const l = r.right
  if (ctx.json) {
    ctx.out(envelope(true, { ...summary(l), policy: l.policy }))
    return ExitCode.ok
  }
  const p = l.policy
  const ru = p.rules
  const line = (k: string, v: unknown) => {
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) ctx.out(`  ${k.padEnd(22)} ${Array.isArray(v) ? v.join(", ") : String(v)}`)
  }
  ctx.out(c.bold(`Policy: ${p.name}`))
  line("Mode:", effectiveMode(p))
  line("Description:", p.description)
  line("Source:", l.source)
  line("Max risk score:", maxRiskScore(p))
  line("Privileged:", ru?.privileged?.action === undefined || ru.privileged.action === "" ? "block" : ru.privileged.action)
  const ns = ru?.host_namespaces
  line("Host namespaces:", ns === undefined ? undefined : Object.entries(ns).map(([k, v]) => `${k}=${v?.action || "-"}`))
  line("Blocked capabilities:", ru?.capabilities?.blocked?.map((b) => b.name))
  line("Blocked mounts:", ru?.mounts?.blocked?.map((b) => b.path))
  line("Warned mounts:", ru?.mounts?.warned?.map((b) => b.path))
  line("Allowed registries:", ru?.images?.allowed_registries)
  line("Require seccomp:", ru?.security_options?.require_seccomp)
  line("Require AppArmor:", ru?.security_options?.require_apparmor)
  line("Require non-root:", ru?.container?.require_non_root)
  line("Require limits:", ru?.container?.require_resource_limits)
  line("Block latest tag:", ru?.images?.block_latest_tag)
  line("Require digest:", ru?.images?.require_digest)
  for (const cr of p.custom_rules ?? []) ctx.out(`  - ${cr.name} [${cr.severity ?? "medium"}]: ${cr.description ?? cr.message ?? ""}`)
  return ExitCode.ok
}

/** policy use NAME: validate, write config.yaml active_policy, ask a running plugin to reload. */
export const policyUse = (ctx: PolicyCtx, target: string): number => {
  if (!isPolicyPath(target)) {
    const bad = policyNameProblem(target)
    if (bad !== undefined) return fail(ctx, "INVALID_ARGUMENT", bad, ExitCode.usage)
  }
  const selector = isPolicyPath(target) ? resolvePath(target) : target
  const r = resolvePolicySync(selector, { dir: ctx.dir })
  if (Either.isLeft(r)) {
    const code = /not found/.test(r.left.problems[0] ?? "") ? "NOT_FOUND" : "INVALID_POLICY"
    return fail(ctx, code, `policy ${target} cannot be used`, 1, r.left.problems.join("\n"))
  }
  try {
    setConfigValue(["active_policy"], selector, ctx.dir)
  } catch (e) {
    return fail(ctx, "CONFIG_ERROR", `could not write ${configPaths(ctx.dir).configFile}: ${(e as Error).message}`)
  }
  const note = ctx.signalPlugin(ctx.dir)
  if (ctx.json) ctx.out(envelope(true, { active: selector, source: r.right.source, sha256: r.right.sha256, reload: note ?? null }))
  else {
    ctx.out(`${c.green("✓")} Active policy is now ${selector} (${effectiveMode(r.right.policy)} mode, from ${r.right.source})`)
    if (note !== undefined) ctx.out(note)
  }
  return ExitCode.ok
}

/** policy delete NAME [--force]: refuses the active policy and built-in names unless forced. */
export const policyDelete = (ctx: PolicyCtx, name: string, force: boolean): number => {
  const bad = policyNameProblem(name)
  if (bad !== undefined) return fail(ctx, "INVALID_ARGUMENT", bad, ExitCode.usage)
  const file = policyFileFor(name, ctx.dir)
  if (file === undefined) {
    return builtinNames().includes(name)
      ? fail(ctx, "BUILTIN", `"${name}" is a built-in template and has no file to delete`)
      : fail(ctx, "NOT_FOUND", `no policy file for "${name}" in ${configPaths(ctx.dir).policiesDir}`)
  }
  const active = activeName(ctx.dir)
  const isActive = Either.isRight(active) && active.right === name
  if (!force && isActive) return fail(ctx, "POLICY_ACTIVE", `"${name}" is the active policy: run \`sentinel policy use <other>\` first, or pass --force`)
  if (!force && builtinNames().includes(name)) {
    return fail(ctx, "BUILTIN", `"${name}" overrides a built-in template; pass --force to delete it (the built-in then applies)`)
  }
  rmSync(file)
  const notes: Array<string> = []
  if (isActive && !builtinNames().includes(name)) {
    setConfigValue(["active_policy"], "default", ctx.dir)
    notes.push(`active policy reset to "default"`)
    const n = ctx.signalPlugin(ctx.dir)
    if (n !== undefined) notes.push(n)
  }
  if (ctx.json) ctx.out(envelope(true, { deleted: name, file, notes }))
  else for (const l of [`${c.green("✓")} Deleted ${file}`, ...notes]) ctx.out(l)
  return ExitCode.ok
}

/** policy load FILE [--force]: validate a file and install it under its internal name (0600). */
export const policyLoad = (ctx: PolicyCtx, file: string, force: boolean): number => {
  if (!/\.ya?ml$/i.test(file)) return fail(ctx, "INVALID_ARGUMENT", `${file}: policy files must end in .yaml or .yml`, ExitCode.usage)
  if (!existsSync(file)) return fail(ctx, "NOT_FOUND", `${file}: file not found`)
  const r = readPolicyFileSync(file, { checkPermissions: false })
  if (Either.isLeft(r)) return fail(ctx, "INVALID_POLICY", `policy ${r.left.source} is invalid`, 1, r.left.problems.join("\n"))
  const name = r.right.policy.name
  const bad = policyNameProblem(name)
  if (bad !== undefined) return fail(ctx, "INVALID_POLICY", `the policy's name: ${bad}`)
  const existing = policyFileFor(name, ctx.dir)
  if (existing !== undefined && !force) return fail(ctx, "ALREADY_EXISTS", `${existing} exists; pass --force to replace it`)
  const dest = existing ?? join(configPaths(ctx.dir).policiesDir, `${name}.yaml`)
  writeFileAtomic(dest, readFileSync(file, "utf8"))
  if (ctx.json) ctx.out(envelope(true, { name, file: dest, sha256: r.right.sha256 }))
  else {
    ctx.out(`${c.green("✓")} Loaded policy ${name} into ${dest}`)
    ctx.out(`To activate: sentinel policy use ${name}`)
  }
  return ExitCode.ok
}

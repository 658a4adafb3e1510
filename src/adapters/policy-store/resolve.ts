/**
 * Synchronous policy resolution for the lean CLI path (node:fs + yaml + Schema only):
 * a name resolves to `<configDir>/policies/<name>.yaml|.yml`, then to the embedded template;
 * a path (contains `/` or ends in .yaml/.yml) loads that file.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, resolve as resolvePath } from "node:path"
import { Either } from "effect"
import type { LoadedPolicy } from "../../domain/policy.ts"
import { effectiveMode } from "../../domain/policy.ts"
import { PolicyLoadError, type PolicySummary } from "../../services/PolicyStore.ts"
import { configDir, configPaths, loadConfig } from "../config.ts"
import { parsePolicy } from "./load.ts"
import { templates } from "./templates.gen.ts"

/** Largest policy file we read (a policy is a few KiB; anything huge is a mistake or an attack). */
export const MAX_POLICY_BYTES = 1024 * 1024

export interface ResolveOptions {
  /** config dir (default: configDir()) */
  readonly dir?: string | undefined
  /** refuse files any user can write (default true; `policy validate FILE` turns it off) */
  readonly checkPermissions?: boolean | undefined
}

const NAME = /^[a-z0-9_-]+$/

/** True for arguments that name a file rather than a policy. */
export const isPolicyPath = (s: string): boolean => s.includes("/") || /\.ya?ml$/i.test(s)

/** undefined if valid; else what is wrong with the name. */
export const policyNameProblem = (name: string): string | undefined =>
  NAME.test(name) && name.length <= 64
    ? undefined
    : `invalid policy name "${name}": use 1-64 characters from a-z, 0-9, "_" and "-" (no paths, no "..")`

/** The embedded (shipped) templates' names. */
export const builtinNames = (): ReadonlyArray<string> => templates.map((t) => t.name)

/** The embedded template with this name, if any. */
export const builtinTemplate = (name: string): { readonly name: string; readonly text: string } | undefined =>
  templates.find((t) => t.name === name)

/** The existing file for a policy name in the policies dir (.yaml preferred over .yml). */
export const policyFileFor = (name: string, dir: string = configDir()): string | undefined => {
  const base = configPaths(dir).policiesDir
  for (const ext of [".yaml", ".yml"]) {
    const p = join(base, `${name}${ext}`)
    try {
      if (statSync(p).isFile()) return p
    } catch {
      // not there
    }
  }
  return undefined
}

const fail = (source: string, problem: string) => Either.left(new PolicyLoadError({ source, problems: [problem] }))

/** Read and decode one policy file. */
export const readPolicyFileSync = (
  path: string,
  opts: ResolveOptions = {}
): Either.Either<LoadedPolicy, PolicyLoadError> => {
  const abs = resolvePath(path)
  let text: string
  try {
    const st = statSync(abs)
    if (!st.isFile()) return fail(abs, "not a regular file")
    if (st.size > MAX_POLICY_BYTES) return fail(abs, `file is ${st.size} bytes; policies are limited to ${MAX_POLICY_BYTES}`)
    if (opts.checkPermissions !== false && (st.mode & 0o002) !== 0) {
      return fail(abs, `file is writable by every user (mode ${(st.mode & 0o777).toString(8)}), so anyone could change enforcement: run chmod 600 ${abs}`)
    }
    text = readFileSync(abs, "utf8")
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return fail(abs, code === "ENOENT" ? "file not found" : `cannot read: ${(e as Error).message}`)
  }
  return parsePolicy(text, abs)
}

/** Resolve a policy name or path to a LoadedPolicy. */
export const resolvePolicySync = (
  nameOrPath: string,
  opts: ResolveOptions = {}
): Either.Either<LoadedPolicy, PolicyLoadError> => {
  if (isPolicyPath(nameOrPath)) return readPolicyFileSync(nameOrPath, opts)
  const bad = policyNameProblem(nameOrPath)
  if (bad !== undefined) return fail(nameOrPath, bad)
  const dir = opts.dir ?? configDir()
  const file = policyFileFor(nameOrPath, dir)
  if (file !== undefined) {
    const pdir = configPaths(dir).policiesDir
    if (opts.checkPermissions !== false && (statSync(pdir).mode & 0o002) !== 0) {
      return fail(file, `${pdir} is writable by every user, so anyone could add or replace policies: run chmod 700 ${pdir}`)
    }
    return readPolicyFileSync(file, opts)
  }
  const builtin = builtinTemplate(nameOrPath)
  if (builtin !== undefined) return parsePolicy(builtin.text, `builtin:${builtin.name}`)
  const known = [...new Set([...listPolicyFileNames(dir), ...builtinNames()])].sort()
  return fail(
    nameOrPath,
    `policy "${nameOrPath}" not found in ${configPaths(dir).policiesDir} nor among the built-in templates (available: ${known.join(", ") || "none"})`
  )
}

/** The active policy selector: pinned, else config.yaml active_policy, else "default". */
export const activePolicyName = (opts: { readonly pinned?: string | undefined; readonly dir?: string | undefined } = {}): Either.Either<string, PolicyLoadError> => {
  if (opts.pinned !== undefined && opts.pinned !== "") return Either.right(opts.pinned)
  const cfg = loadConfig(opts.dir ?? configDir())
  if (Either.isLeft(cfg)) return Either.left(new PolicyLoadError({ source: cfg.left.path, problems: [...cfg.left.problems] }))
  return Either.right(cfg.right.config.active_policy)
}

/** Load the active policy (see activePolicyName); fails closed on any problem. */
export const loadActivePolicySync = (
  opts: ResolveOptions & { readonly pinned?: string | undefined } = {}
): Either.Either<{ readonly name: string; readonly loaded: LoadedPolicy }, PolicyLoadError> =>
  Either.flatMap(activePolicyName(opts), (name) =>
    Either.map(resolvePolicySync(name, opts), (loaded) => ({ name, loaded }))
  )

/** Names of *.yaml / *.yml files in the policies dir (valid names only). */
export const listPolicyFileNames = (dir: string = configDir()): ReadonlyArray<string> => {
  try {
    return [...new Set(
      readdirSync(configPaths(dir).policiesDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ""))
        .filter((n) => policyNameProblem(n) === undefined)
    )].sort()
  } catch {
    return []
  }
}

/** Every policy: files in the policies dir (invalid ones marked) plus built-ins not shadowed by a file. */
export const listPoliciesSync = (dir: string = configDir(), active?: string): ReadonlyArray<PolicySummary> => {
  const fromFiles = listPolicyFileNames(dir).map((name): PolicySummary => {
    const file = policyFileFor(name, dir) ?? join(configPaths(dir).policiesDir, `${name}.yaml`)
    const r = readPolicyFileSync(file)
    return Either.isRight(r)
      ? { name, mode: effectiveMode(r.right.policy), description: r.right.policy.description ?? "", source: file, active: name === active, valid: true }
      : { name, mode: "", description: "", source: file, active: name === active, valid: false, error: r.left.problems.join("; ") }
  })
  const shadowed = new Set(fromFiles.map((s) => s.name))
  const builtins = templates
    .filter((t) => !shadowed.has(t.name))
    .map((t): PolicySummary => {
      const r = parsePolicy(t.text, `builtin:${t.name}`)
      return Either.isRight(r)
        ? { name: t.name, mode: effectiveMode(r.right.policy), description: r.right.policy.description ?? "", source: `builtin:${t.name}`, active: t.name === active, valid: true }
        : { name: t.name, mode: "", description: "", source: `builtin:${t.name}`, active: t.name === active, valid: false, error: r.left.problems.join("; ") }
    })
  return [...fromFiles, ...builtins].sort((a, b) => a.name.localeCompare(b.name))
}

/** `sentinel policy create|edit`: new policies from templates, and a safe edit cycle. */
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { parseDocument } from "yaml"
import { configPaths, writeFileAtomic } from "../../adapters/config.ts"
import { parsePolicy } from "../../adapters/policy-store/load.ts"
import { builtinTemplate, policyFileFor, policyNameProblem, resolvePolicySync } from "../../adapters/policy-store/resolve.ts"
import { c, envelope, ExitCode } from "./output.ts"
import { fail, type PolicyCtx } from "./policy-io.ts"

/** Run $EDITOR (then $VISUAL, then vi) on a file; the variable may carry arguments (`code -w`). */
export const runEditor = (file: string): number => {
  const editor = process.env["EDITOR"] || process.env["VISUAL"] || "vi"
  const r = spawnSync("/bin/sh", ["-c", `${editor} "$1"`, "sentinel-editor", file], { stdio: "inherit" })
  return r.status ?? 1
}

/** The template's text with `name`/`description` replaced (comments kept); Left = why not. */
export const textFromTemplate = (ctx: PolicyCtx, name: string, template: string): Either.Either<string, string> => {
  const t = resolvePolicySync(template, { dir: ctx.dir })
  if (Either.isLeft(t)) return Either.left(`template "${template}": ${t.left.problems.join("; ")}`)
  const text = t.right.source.startsWith("builtin:")
    ? (builtinTemplate(template)?.text ?? "")
    : readFileSync(t.right.source, "utf8")
  const doc = parseDocument(text)
  doc.set("name", name)
  doc.set("description", `Custom policy based on ${template} template`)
  const out = doc.toString()
  const check = parsePolicy(out, name)
  return Either.isLeft(check) ? Either.left(check.left.problems.join("; ")) : Either.right(out)
}

/** policy create NAME --template T: writes policies/NAME.yaml (0600); refuses to overwrite. */
export const policyCreate = (ctx: PolicyCtx, name: string, template: string): number => {
  const bad = policyNameProblem(name)
  if (bad !== undefined) return fail(ctx, "INVALID_ARGUMENT", bad, ExitCode.usage)
  const existing = policyFileFor(name, ctx.dir)
  if (existing !== undefined) return fail(ctx, "ALREADY_EXISTS", `${existing} already exists; use \`sentinel policy edit ${name}\``)
  const text = textFromTemplate(ctx, name, template)
  if (Either.isLeft(text)) return fail(ctx, "INVALID_TEMPLATE", text.left)
  const file = join(configPaths(ctx.dir).policiesDir, `${name}.yaml`)
  writeFileAtomic(file, text.right)
  if (ctx.json) ctx.out(envelope(true, { name, file, template }))
  else {
    ctx.out(`${c.green("✓")} Created ${file} from template ${template}`)
    ctx.out(`Edit it with: sentinel policy edit ${name}; activate with: sentinel policy use ${name}`)
  }
  return ExitCode.ok
}

/**
 * policy edit NAME [--template T]: the editor works on a copy; a valid result replaces the file
 * atomically (so a running plugin never sees a half-edited policy); an invalid one is saved aside
 * as NAME.yaml.rejected and the previous file is kept.
 */
export const policyEdit = (ctx: PolicyCtx, name: string, template: string): number => {
  const bad = policyNameProblem(name)
  if (bad !== undefined) return fail(ctx, "INVALID_ARGUMENT", bad, ExitCode.usage)
  const existing = policyFileFor(name, ctx.dir)
  const file = existing ?? join(configPaths(ctx.dir).policiesDir, `${name}.yaml`)
  let before: string
  if (existing !== undefined) before = readFileSync(existing, "utf8")
  else {
    const t = textFromTemplate(ctx, name, template)
    if (Either.isLeft(t)) return fail(ctx, "INVALID_TEMPLATE", t.left)
    before = t.right
  }
  const work = join(configPaths(ctx.dir).policiesDir, `.${name}.edit-${process.pid}.yaml.tmp`)
  writeFileAtomic(work, before)
  try {
    const status = ctx.runEditor(work)
    if (status !== 0) return fail(ctx, "EDITOR_FAILED", `the editor exited with status ${status}; ${file} was not changed`)
    const after = readFileSync(work, "utf8")
    if (after === before && existing !== undefined) {
      ctx.out(ctx.json ? envelope(true, { name, file, changed: false }) : `No changes to ${file}`)
      return ExitCode.ok
    }
    const r = parsePolicy(after, file)
    if (Either.isLeft(r)) {
      const rejected = `${file}.rejected`
      renameSync(work, rejected)
      const kept = existing === undefined ? "no policy file was created" : `the previous ${file} is kept unchanged`
      return fail(ctx, "INVALID_POLICY", `your edit is invalid; ${kept}; the edited text is saved in ${rejected}`, 1, r.left.problems.join("\n"))
    }
    writeFileAtomic(file, after)
    if (ctx.json) ctx.out(envelope(true, { name, file, changed: true, sha256: r.right.sha256 }))
    else ctx.out(`${c.green("✓")} Saved ${file} (valid, ${r.right.sha256.slice(0, 12)})`)
    return ExitCode.ok
  } finally {
    if (existsSync(work)) rmSync(work, { force: true })
  }
}

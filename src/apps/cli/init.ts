/** `sentinel init [--policy NAME] [--no-interactive]`: config dir, config.yaml, the chosen policy, audit/ and cache/. */
import { Command, Options } from "@effect/cli"
import { Effect, Either, Option } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline/promises"
import { configPaths, ensureDir, loadConfig, saveConfig, writeFileAtomic } from "../../adapters/config.ts"
import { builtinNames, builtinTemplate } from "../../adapters/policy-store/resolve.ts"
import { parsePolicy } from "../../adapters/policy-store/load.ts"
import { c, printJson, printJsonError } from "./output.ts"

const ask = async (names: ReadonlyArray<string>): Promise<string> => {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    process.stdout.write("Choose the active policy:\n")
    names.forEach((n, i) => process.stdout.write(`  ${i + 1}) ${n}${n === "default" ? " (recommended)" : ""}\n`))
    const answer = (await rl.question(`Policy [1-${names.length}, default 1]: `)).trim()
    if (answer === "") return names[0] ?? "default"
    const idx = Number(answer)
    if (Number.isInteger(idx) && idx >= 1 && idx <= names.length) return names[idx - 1] ?? "default"
    if (names.includes(answer)) return answer
    throw new Error(`"${answer}" is not one of ${names.join(", ")}`)
  } finally {
    rl.close()
  }
}

export interface InitResult {
  readonly config_dir: string
  readonly active_policy: string
  readonly created: ReadonlyArray<string>
}

/** Create the layout; never overwrites an existing policy file or config value other than active_policy. */
export const runInit = (policy: string): InitResult => {
  const paths = configPaths()
  const created: Array<string> = []
  // check the template before anything is created: a typo must not leave a half-made config dir
  const template = builtinTemplate(policy)
  if (template === undefined) throw new Error(`unknown template "${policy}" (choose one of ${builtinNames().join(", ")})`)
  const parsed = parsePolicy(template.text, `builtin:${policy}`)
  if (Either.isLeft(parsed)) throw new Error(parsed.left.message)
  // an unreadable config.yaml is the user's to fix: rewriting it from defaults would drop their settings
  const current = loadConfig(paths.dir)
  if (Either.isLeft(current)) throw new Error(`${current.left.message} (fix or remove ${paths.configFile}, then run init again)`)
  for (const d of [paths.dir, paths.policiesDir, paths.auditDir, paths.cacheDir]) {
    if (!existsSync(d)) created.push(d)
    ensureDir(d)
  }
  const file = join(paths.policiesDir, `${policy}.yaml`)
  if (!existsSync(file)) {
    writeFileAtomic(file, template.text, 0o600)
    created.push(file)
  }
  if (!existsSync(paths.configFile)) created.push(paths.configFile)
  saveConfig({ ...current.right.config, active_policy: policy }, paths.dir)
  return { config_dir: paths.dir, active_policy: policy, created }
}

export const initCommand = Command.make(
  "init",
  {
    policy: Options.text("policy").pipe(Options.optional, Options.withDescription("template to activate (default: default)")),
    noInteractive: Options.boolean("no-interactive"),
    json: Options.boolean("json")
  },
  ({ policy, noInteractive, json }) =>
    Effect.tryPromise({
      try: async () => {
        const names = builtinNames()
        const interactive = !noInteractive && !json && process.stdin.isTTY === true && Option.isNone(policy)
        const chosen = Option.isSome(policy) ? policy.value : interactive ? await ask(["default", ...names.filter((n) => n !== "default")]) : "default"
        return runInit(chosen)
      },
      catch: (e) => (e instanceof Error ? e : new Error(String(e)))
    }).pipe(
      Effect.flatMap((r) =>
        Effect.sync(() => {
          if (json) return printJson(r)
          process.stdout.write(`${c.green("✓")} Sentinel initialised in ${r.config_dir}\n`)
          for (const f of r.created) process.stdout.write(`  created ${f}\n`)
          process.stdout.write(`  active policy: ${r.active_policy}\n\nNext steps:\n  sentinel validate -- docker run --privileged ubuntu   # try the policy\n  sudo sentinel authz install --systemd --restart-docker # enforce it in dockerd\n  sentinel doctor                                      # check the setup\n`)
        })
      ),
      Effect.catchAll((e) =>
        Effect.sync(() => {
          if (json) printJsonError("INIT_FAILED", e.message)
          else process.stderr.write(`Error [INIT_FAILED]: ${e.message}\n`)
          process.exitCode = 1
        })
      )
    )
).pipe(Command.withDescription("create the config dir, config.yaml and the active policy"))

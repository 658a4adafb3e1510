/**
 * `sentinel policy …`: list (ls) | show [NAME] | use NAME | create NAME --template T |
 * edit NAME [--template T] | validate FILE-or-NAME | delete NAME [--force] | load FILE [--force].
 * Exit codes: 0 ok, 1 invalid/failed, 2 usage.
 */
import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { configDir } from "../../adapters/config.ts"
import { policyCreate, policyEdit, runEditor } from "./policy-edit.ts"
import { policyDelete, policyList, policyLoad, policyShow, policyUse, policyValidate } from "./policy-handlers.ts"
import { sighupPlugin, type PolicyCtx } from "./policy-io.ts"

/** The real-world context: config dir from the environment, stdout/stderr, $EDITOR, SIGHUP. */
export const processCtx = (json: boolean): PolicyCtx => ({
  dir: configDir(),
  json,
  out: (l) => void process.stdout.write(`${l}\n`),
  err: (l) => void process.stderr.write(`${l}\n`),
  runEditor,
  signalPlugin: sighupPlugin
})

const run = (f: () => number) =>
  Effect.sync(() => {
    process.exitCode = f()
  })

const json = Options.boolean("json").pipe(Options.withDescription("print the JSON envelope"))
const force = Options.boolean("force").pipe(Options.withDescription("do it even if it is the active or a built-in policy"))
const template = Options.text("template").pipe(
  Options.withDescription("template: a built-in (default, strict, permissive, …) or an existing policy"),
  Options.withDefault("default")
)
const name = Args.text({ name: "name" })

const list = Command.make("list", { json }, ({ json }) => run(() => policyList(processCtx(json)))).pipe(
  Command.withDescription("list policies (files and built-in templates; invalid files are shown with their error)")
)
const ls = Command.make("ls", { json }, ({ json }) => run(() => policyList(processCtx(json)))).pipe(
  Command.withDescription("alias of list")
)
const show = Command.make("show", { json, name: Args.optional(name) }, ({ json, name }) =>
  run(() => policyShow(processCtx(json), Option.getOrUndefined(name)))
).pipe(Command.withDescription("show the active policy (or NAME)"))
const use = Command.make("use", { json, name }, ({ json, name }) => run(() => policyUse(processCtx(json), name))).pipe(
  Command.withDescription("validate NAME, make it the active policy and ask a running plugin to reload")
)
const create = Command.make("create", { json, template, name }, ({ json, template, name }) =>
  run(() => policyCreate(processCtx(json), name, template))
).pipe(Command.withDescription("create policies/NAME.yaml from a template"))
const edit = Command.make("edit", { json, template, name }, ({ json, template, name }) =>
  run(() => policyEdit(processCtx(json), name, template))
).pipe(Command.withDescription("edit NAME in $EDITOR; an invalid edit never replaces the policy"))
const validate = Command.make("validate", { json, target: Args.text({ name: "file-or-name" }) }, ({ json, target }) =>
  run(() => policyValidate(processCtx(json), target))
).pipe(Command.withDescription("validate a policy file or name strictly (unknown keys, types, ranges, semantics)"))
const del = Command.make("delete", { json, force, name }, ({ json, force, name }) =>
  run(() => policyDelete(processCtx(json), name, force))
).pipe(Command.withDescription("delete policies/NAME.yaml (not the active one or a built-in unless --force)"))
const load = Command.make("load", { json, force, file: Args.text({ name: "file" }) }, ({ json, force, file }) =>
  run(() => policyLoad(processCtx(json), file, force))
).pipe(Command.withDescription("validate FILE and install it into policies/ under its internal name"))

/** The `policy` command with its subcommands. */
export const policyCommand = Command.make("policy").pipe(
  Command.withDescription("manage security policies"),
  Command.withSubcommands([list, ls, show, use, create, edit, validate, del, load])
)

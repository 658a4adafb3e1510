/** The full `sentinel` CLI: every command, on @effect/cli. validate/exec share the lean path in fast.ts. */
import { Args, Command, Options, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { authzCommand } from "./authz.ts"
import { auditCommand } from "./audit.ts"
import { doctorCommand } from "./doctor.ts"
import { exec, validate } from "./fast.ts"
import { initCommand } from "./init.ts"
import { installCommand } from "./install-wrapper.ts"
import { policyCommand } from "./policy.ts"
import { scanCommand, scanSecretsCommand } from "./scan.ts"
import { versionCommand, versionInfo } from "./version.ts"

const dockerArgs = Args.text({ name: "docker-command" }).pipe(Args.repeated, Args.withDescription("the docker command line, after --"))
const policyOpt = Options.text("policy").pipe(Options.optional, Options.withDescription("policy name or path (default: the active policy)"))
const passThrough = (flags: ReadonlyArray<string>, policy: Option.Option<string>, rest: ReadonlyArray<string>) => [
  ...flags,
  ...(Option.isSome(policy) ? ["--policy", policy.value] : []),
  "--",
  ...rest
]

const validateCommand = Command.make(
  "validate",
  { json: Options.boolean("json").pipe(Options.withAlias("j")), policy: policyOpt, args: dockerArgs },
  ({ json, policy, args }) =>
    Effect.promise(() => validate(passThrough(json ? ["--json"] : [], policy, args))).pipe(Effect.map((code) => void (process.exitCode = code)))
).pipe(Command.withDescription("check a docker command line against the policy (exit 0 allowed, 1 blocked, 2 usage)"))

const execCommand = Command.make(
  "exec",
  { force: Options.boolean("force").pipe(Options.withAlias("f")), policy: policyOpt, args: dockerArgs },
  ({ force, policy, args }) =>
    Effect.promise(() => exec(passThrough(force ? ["--force"] : [], policy, args))).pipe(Effect.map((code) => void (process.exitCode = code)))
).pipe(Command.withDescription("validate, then run the real docker with the same arguments"))

const root = Command.make("sentinel").pipe(
  Command.withDescription("Pre-runtime security for Docker: an AuthZ plugin and CLI enforcing a YAML policy"),
  Command.withSubcommands([
    validateCommand,
    execCommand,
    policyCommand,
    authzCommand,
    auditCommand,
    scanCommand,
    scanSecretsCommand,
    doctorCommand,
    initCommand,
    installCommand,
    versionCommand
  ])
)

Command.run(root, { name: "Docker Sentinel", version: versionInfo().version })(process.argv).pipe(
  Effect.catchIf(ValidationError.isValidationError, () => Effect.sync(() => void (process.exitCode = 2))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: false })
)

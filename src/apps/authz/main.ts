/**
 * The plugin process: provides the real PolicyStore (hot reload) and the SQLite audit log
 * to `runPlugin`. Also runnable on its own (`tsx src/apps/authz/main.ts start --socket …`)
 * with the same flags as `sentinel authz start`, which tests and the bench use.
 */
import { parseArgs } from "node:util"
import { Effect, Either } from "effect"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { configDir, defaultConfig, loadConfig } from "../../adapters/config.ts"
import { AppLayer } from "../AppLayer.ts"
import { factsFileIn, runPlugin } from "./run.ts"

export interface PluginArgs {
  readonly socket: string
  readonly pidFile: string
  readonly failOpen: boolean
  readonly dockerHost: string
  readonly policy?: string | undefined
  readonly configDir: string
  readonly deadlineMs?: number | undefined
}

/** Run the plugin with the real services until interrupted. */
export const startPlugin = (a: PluginArgs) => {
  // scanners run `docker save`/`docker image inspect`: point them at the daemon this plugin serves
  if (a.dockerHost !== "") process.env["DOCKER_HOST"] = a.dockerHost
  // durability: config.yaml audit.synchronous / SENTINEL_AUDIT_SYNC (default NORMAL); checkpoints off the request path
  const services = AppLayer({ configDir: a.configDir, policy: a.policy, plugin: true })
  return runPlugin({
    socket: a.socket,
    pidFile: a.pidFile,
    failOpen: a.failOpen,
    dockerHost: a.dockerHost,
    deadlineMs: a.deadlineMs,
    factsFile: factsFileIn(a.configDir)
  }).pipe(Effect.provide(services))
}

const main = () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      socket: { type: "string" },
      "pid-file": { type: "string" },
      policy: { type: "string" },
      "fail-open": { type: "boolean", default: false },
      "docker-host": { type: "string" },
      "deadline-ms": { type: "string" }
    }
  })
  if (positionals[0] !== "start") {
    process.stderr.write("usage: main.ts start [--socket PATH] [--pid-file PATH] [--policy NAME|PATH] [--fail-open] [--docker-host URI]\n")
    process.exit(2)
  }
  const dir = configDir()
  const c = loadConfig(dir)
  const cfg = Either.isRight(c) ? c.right.config : defaultConfig
  const program = startPlugin({
    socket: values.socket ?? cfg.authz.socket,
    pidFile: values["pid-file"] ?? cfg.authz.pid_file,
    failOpen: values["fail-open"] === true || cfg.authz.fail_open,
    dockerHost: values["docker-host"] ?? cfg.authz.docker_host,
    policy: values.policy,
    configDir: dir,
    deadlineMs: values["deadline-ms"] === undefined ? undefined : Number(values["deadline-ms"])
  }).pipe(
    Effect.catchAll((e) =>
      Effect.sync(() => {
        process.stderr.write(`Error [AUTHZ_START]: ${e instanceof Error ? e.message : String(e)}\n`)
        process.exitCode = 1
      })
    )
  )
  NodeRuntime.runMain(program, { disableErrorReporting: false })
}

if (process.argv[1] !== undefined && /apps[/\\]authz[/\\]main\.m?[tj]s$/.test(process.argv[1])) main()

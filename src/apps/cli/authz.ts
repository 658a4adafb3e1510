/**
 * `sentinel authz start|status|stop|reload|install|uninstall`. Defaults come from
 * config.yaml `authz:`; flags override them. `status` asks the running plugin over its
 * control endpoint; `stop` signals the PID in the PID file and verifies the exit.
 */
import { Command, Options } from "@effect/cli"
import { Cause, Effect, Either, Option } from "effect"
import { configDir, defaultConfig, loadConfig, type Config } from "../../adapters/config.ts"
import { callPlugin, stopPlugin } from "../authz/control.ts"
import { defaultPaths, install, uninstall, type InstallOptions } from "../authz/install.ts"
import { readPid } from "../authz/pidfile.ts"
import { socketAnswers } from "../authz/server.ts"
import { printJson, printJsonError } from "./output.ts"

const config = (): Config => {
  const c = loadConfig()
  return Either.isRight(c) ? c.right.config : defaultConfig
}
const pick = (o: Option.Option<string>, fallback: string): string => Option.getOrElse(o, () => fallback)

const socket = Options.text("socket").pipe(Options.withDescription("plugin socket path (default: config authz.socket)"), Options.optional)
const pidFile = Options.text("pid-file").pipe(Options.withDescription("PID file (default: config authz.pid_file)"), Options.optional)
const json = Options.boolean("json").pipe(Options.withDescription("print the JSON envelope"))

const fail = (asJson: boolean, code: string, e: unknown) =>
  Effect.sync(() => {
    const cause = e instanceof Cause.UnknownException ? e.error : e
    const msg = cause instanceof Error ? cause.message : String(cause)
    if (asJson) printJsonError(code, msg)
    else process.stderr.write(`Error [${code}]: ${msg}\n`)
    process.exitCode = 1
  })

const start = Command.make(
  "start",
  {
    socket,
    pidFile,
    policy: Options.text("policy").pipe(Options.withDescription("policy name or file (default: config active_policy)"), Options.optional),
    failOpen: Options.boolean("fail-open").pipe(Options.withDescription("allow requests Sentinel cannot decide (NOT recommended)")),
    dockerHost: Options.text("docker-host").pipe(Options.withDescription("daemon socket for container look-ups"), Options.optional)
  },
  (a) =>
    Effect.gen(function* () {
      const cfg = config()
      const { startPlugin } = yield* Effect.promise(() => import("../authz/main.ts"))
      yield* startPlugin({
        socket: pick(a.socket, cfg.authz.socket),
        pidFile: pick(a.pidFile, cfg.authz.pid_file),
        failOpen: a.failOpen || cfg.authz.fail_open,
        dockerHost: pick(a.dockerHost, cfg.authz.docker_host),
        policy: Option.getOrUndefined(a.policy),
        configDir: configDir()
      })
    }).pipe(Effect.catchAll((e) => fail(false, "AUTHZ_START", e)))
).pipe(Command.withDescription("run the AuthZ plugin in the foreground"))

const status = Command.make("status", { socket, json }, (a) =>
  Effect.tryPromise(() => callPlugin(pick(a.socket, config().authz.socket), "GET", "/Sentinel.Status")).pipe(
    Effect.flatMap((s) =>
      Effect.sync(() => {
        if (a.json) return printJson(s)
        const st = s as { pid: number; uptimeSeconds: number; failOpen: boolean; policy: { name: string; sha256: string; source: string; lastError?: string }; counters: Record<string, unknown> & { lastError?: string; lastErrorAt?: string } }
        const lines = [
          `running: pid ${st.pid}, up ${st.uptimeSeconds}s, ${st.failOpen ? "FAIL-OPEN" : "fail closed"}`,
          `policy: ${st.policy.name} (${st.policy.sha256.slice(0, 12)}) from ${st.policy.source}`,
          `last reload error: ${st.policy.lastError ?? "none"}`,
          `last decision error: ${st.counters.lastError === undefined ? "none" : `${st.counters.lastError} (${st.counters.lastErrorAt ?? "?"})`}`,
          `counters: ${Object.entries(st.counters).filter(([k]) => !k.startsWith("last")).map(([k, v]) => `${k}=${String(v)}`).join(" ")}`
        ]
        process.stdout.write(`${lines.join("\n")}\n`)
      })
    ),
    Effect.catchAll((e) => fail(a.json, "AUTHZ_NOT_RUNNING", e))
  )
).pipe(Command.withDescription("ask the running plugin for its policy, errors and counters"))

const stop = Command.make("stop", { pidFile }, (a) =>
  Effect.tryPromise(() => stopPlugin(pick(a.pidFile, config().authz.pid_file))).pipe(
    Effect.flatMap((m) => Effect.sync(() => process.stdout.write(`${m}\n`))),
    Effect.catchAll((e) => fail(false, "AUTHZ_STOP", e))
  )
).pipe(Command.withDescription("stop the running plugin (SIGTERM, wait, verify)"))

const reload = Command.make("reload", { socket, pidFile }, (a) => {
  const cfg = config()
  const sock = pick(a.socket, cfg.authz.socket)
  return Effect.tryPromise(() => callPlugin(sock, "POST", "/Sentinel.Reload")).pipe(
    Effect.orElse(() =>
      Effect.try(() => {
        const pid = readPid(pick(a.pidFile, cfg.authz.pid_file))
        if (pid === undefined) throw new Error(`no plugin answers on ${sock} and there is no PID file`)
        process.kill(pid, "SIGHUP")
        return { signalled: pid }
      })
    ),
    Effect.flatMap((s) => Effect.sync(() => process.stdout.write(`${JSON.stringify(s)}\n`))),
    Effect.catchAll((e) => fail(false, "AUTHZ_RELOAD", e))
  )
}).pipe(Command.withDescription("reload the active policy in the running plugin"))

const installFlags = {
  socket,
  pidFile,
  systemd: Options.boolean("systemd").pipe(Options.withDescription("also write socket-activated systemd units")),
  restartDocker: Options.boolean("restart-docker").pipe(Options.withDescription("restart docker.service afterwards")),
  dockerConfig: Options.text("docker-config").pipe(Options.withDefault(defaultPaths.dockerConfig)),
  pluginsDir: Options.text("plugins-dir").pipe(Options.withDefault(defaultPaths.pluginsDir)),
  systemdDir: Options.text("systemd-dir").pipe(Options.withDefault(defaultPaths.systemdDir)),
  name: Options.text("name").pipe(Options.withDefault("sentinel"))
}
type InstallArgs = Command.Command.ParseConfig<typeof installFlags>

const installOptions = (a: InstallArgs): InstallOptions => {
  const cfg = config()
  return {
    pluginName: a.name,
    socket: pick(a.socket, cfg.authz.socket),
    pidFile: pick(a.pidFile, cfg.authz.pid_file),
    pluginsDir: a.pluginsDir,
    dockerConfig: a.dockerConfig,
    systemdDir: a.systemd ? a.systemdDir : undefined,
    execStart: [process.argv[1] ?? "sentinel"],
    configDir: configDir()
  }
}

const restartDocker = (o: InstallOptions, steps: Array<string>) =>
  Effect.tryPromise(async () => {
    if (o.systemdDir === undefined && !(await socketAnswers(o.socket))) {
      throw new Error(`not restarting docker: no plugin answers on ${o.socket} and dockerd would refuse to start; start the plugin (or use --systemd) first`)
    }
    const { spawnSync } = await import("node:child_process")
    if (o.systemdDir !== undefined) {
      for (const args of [["daemon-reload"], ["enable", "--now", "sentinel-authz.socket"]]) spawnSync("systemctl", args, { stdio: "inherit" })
    }
    const r = spawnSync("systemctl", ["restart", "docker"], { stdio: "inherit" })
    steps.push(r.status === 0 ? "restarted docker" : "systemctl restart docker failed; restart dockerd yourself")
  })

const installCmd = Command.make("install", installFlags, (a) => {
  const o = installOptions(a)
  return Effect.try(() => install(o)).pipe(
    Effect.tap((steps) => (a.restartDocker ? restartDocker(o, steps) : Effect.void)),
    Effect.flatMap((steps) => Effect.sync(() => process.stdout.write(`${steps.join("\n")}\n${a.restartDocker ? "" : "restart dockerd (or send it SIGHUP once the plugin runs) to activate\n"}`))),
    Effect.catchAll((e) => fail(false, "AUTHZ_INSTALL", e))
  )
}).pipe(Command.withDescription("register the plugin with dockerd (spec file, daemon.json, optional systemd units)"))

const uninstallCmd = Command.make("uninstall", installFlags, (a) =>
  Effect.try(() => uninstall(installOptions(a))).pipe(
    Effect.flatMap((steps) => Effect.sync(() => process.stdout.write(`${steps.join("\n")}\nsend dockerd SIGHUP (or restart it) so it stops calling the plugin\n`))),
    Effect.catchAll((e) => fail(false, "AUTHZ_UNINSTALL", e))
  )
).pipe(Command.withDescription("unregister the plugin from dockerd"))

/** The `authz` command tree, mounted by the root CLI. */
export const authzCommand = Command.make("authz").pipe(
  Command.withDescription("the Docker AuthZ plugin"),
  Command.withSubcommands([start, status, stop, reload, installCmd, uninstallCmd])
)

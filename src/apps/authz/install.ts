/**
 * `authz install` / `uninstall`: the plugin spec file, `authorization-plugins` in
 * daemon.json (other keys preserved, JSON validated before and after, backup, atomic
 * write) and, with --systemd, a socket-activated service so dockerd never finds the
 * plugin missing. Every path is a parameter so tests run on temp dirs.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"

export interface InstallOptions {
  readonly pluginName: string
  readonly socket: string
  readonly pluginsDir: string
  readonly dockerConfig: string
  /** write systemd units into this dir (undefined = no units) */
  readonly systemdDir?: string | undefined
  /** the command line systemd runs, e.g. ["/usr/local/bin/sentinel"] */
  readonly execStart: ReadonlyArray<string>
  readonly configDir: string
  readonly pidFile: string
}

export const defaultPaths = {
  pluginsDir: "/etc/docker/plugins",
  dockerConfig: "/etc/docker/daemon.json",
  systemdDir: "/etc/systemd/system"
} as const

/** What install/uninstall did, line by line, for the user. */
export type Steps = Array<string>

const writeAtomic = (file: string, text: string, mode: number): void => {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 })
  const tmp = `${file}.sentinel-tmp-${process.pid}`
  writeFileSync(tmp, text, { mode })
  renameSync(tmp, file)
}

/** Read daemon.json as an object; a missing file is `{}`; invalid JSON is an error that changes nothing. */
export const readDaemonJson = (file: string): Record<string, unknown> => {
  if (!existsSync(file)) return {}
  const text = readFileSync(file, "utf8")
  if (text.trim() === "") return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix it first — nothing was changed`)
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`${file} must hold a JSON object; nothing was changed`)
  const plugins = (parsed as Record<string, unknown>)["authorization-plugins"]
  if (plugins !== undefined && (!Array.isArray(plugins) || plugins.some((p) => typeof p !== "string"))) {
    throw new Error(`${file}: "authorization-plugins" must be a list of plugin names; nothing was changed`)
  }
  return parsed as Record<string, unknown>
}

/** Update daemon.json with a backup and an atomic write, then re-read and validate it. */
const editDaemonJson = (file: string, edit: (j: Record<string, unknown>) => boolean, check: (j: Record<string, unknown>) => boolean, steps: Steps): void => {
  const json = readDaemonJson(file)
  if (!edit(json)) {
    steps.push(`${file}: already up to date`)
    return
  }
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o644
  if (existsSync(file)) {
    const backup = `${file}.sentinel-backup-${new Date().toISOString().replace(/[:.]/g, "-")}`
    copyFileSync(file, backup)
    steps.push(`backed up ${file} to ${backup}`)
  }
  writeAtomic(file, `${JSON.stringify(json, null, 2)}\n`, mode)
  if (!check(readDaemonJson(file))) throw new Error(`${file} did not read back as expected after writing; restore the backup`)
  steps.push(`updated ${file}`)
}

const pluginList = (j: Record<string, unknown>): Array<string> => [...((j["authorization-plugins"] as Array<string> | undefined) ?? [])]

/** The systemd socket unit: the socket exists before docker.service starts. */
export const socketUnit = (o: InstallOptions): string => `[Unit]
Description=Sentinel Docker AuthZ plugin socket
Before=docker.service
PartOf=sentinel-authz.service

[Socket]
ListenStream=${o.socket}
SocketMode=0600
SocketUser=root
SocketGroup=root
DirectoryMode=0700

[Install]
WantedBy=sockets.target
`

/** The systemd service unit: socket-activated, restarted always, audit dir writable. */
export const serviceUnit = (o: InstallOptions): string => `[Unit]
Description=Sentinel Docker AuthZ plugin
Requires=sentinel-authz.socket
After=sentinel-authz.socket
Before=docker.service

[Service]
Type=simple
ExecStart=${[...o.execStart, "authz", "start", "--socket", o.socket, "--pid-file", o.pidFile].join(" ")}
ExecReload=/bin/kill -HUP $MAINPID
Restart=always
RestartSec=1
Environment=SENTINEL_CONFIG_DIR=${o.configDir}
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
RuntimeDirectory=sentinel
RuntimeDirectoryMode=0700
# the audit log and policies live here: it must stay writable or decisions cannot be recorded
ReadWritePaths=${o.configDir} ${dirname(o.pidFile)}

[Install]
WantedBy=multi-user.target
`

/** Install: spec file and units first, daemon.json last (dockerd must never reference a missing plugin). */
export const install = (o: InstallOptions): Steps => {
  const steps: Steps = []
  readDaemonJson(o.dockerConfig) // validate before touching anything
  const spec = join(o.pluginsDir, `${o.pluginName}.spec`)
  writeAtomic(spec, `unix://${o.socket}\n`, 0o644)
  steps.push(`wrote ${spec}`)
  if (o.systemdDir !== undefined) {
    writeAtomic(join(o.systemdDir, "sentinel-authz.socket"), socketUnit(o), 0o644)
    writeAtomic(join(o.systemdDir, "sentinel-authz.service"), serviceUnit(o), 0o644)
    steps.push(`wrote ${join(o.systemdDir, "sentinel-authz.socket")} and sentinel-authz.service`)
  }
  editDaemonJson(
    o.dockerConfig,
    (j) => {
      const list = pluginList(j)
      if (list.includes(o.pluginName)) return false
      j["authorization-plugins"] = [...list, o.pluginName]
      return true
    },
    (j) => pluginList(j).includes(o.pluginName),
    steps
  )
  return steps
}

/** Uninstall: daemon.json first, then the spec file and units. */
export const uninstall = (o: InstallOptions): Steps => {
  const steps: Steps = []
  editDaemonJson(
    o.dockerConfig,
    (j) => {
      const list = pluginList(j)
      if (!list.includes(o.pluginName)) return false
      const rest = list.filter((p) => p !== o.pluginName)
      if (rest.length === 0) delete j["authorization-plugins"]
      else j["authorization-plugins"] = rest
      return true
    },
    (j) => !pluginList(j).includes(o.pluginName),
    steps
  )
  for (const f of [join(o.pluginsDir, `${o.pluginName}.spec`), ...(o.systemdDir === undefined ? [] : [join(o.systemdDir, "sentinel-authz.socket"), join(o.systemdDir, "sentinel-authz.service")])]) {
    if (existsSync(f)) {
      rmSync(f)
      steps.push(`removed ${f}`)
    }
  }
  return steps
}

/**
 * The config directory and config.yaml: resolution, strict schema with defaults, and atomic
 * writes with tight modes (0600 files, 0700 dirs). Reading never creates files.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { Either, Schema } from "effect"
import { Document, parseDocument, stringify } from "yaml"
import { decodeYaml } from "./policy-store/yaml-decode.ts"

/** Where Sentinel keeps config.yaml, policies/, audit/, cache/. */
export const configDir = (
  env: NodeJS.ProcessEnv = process.env,
  euid: number | undefined = process.geteuid?.()
): string => {
  const explicit = env["SENTINEL_CONFIG_DIR"]
  if (explicit !== undefined && explicit !== "") return explicit
  if (euid === 0) return "/etc/sentinel"
  const xdg = env["XDG_CONFIG_HOME"]
  if (xdg !== undefined && xdg !== "") return join(xdg, "sentinel")
  return join(env["HOME"] ?? homedir(), ".config", "sentinel")
}

export interface ConfigPaths {
  readonly dir: string
  readonly configFile: string
  readonly policiesDir: string
  readonly auditDir: string
  readonly cacheDir: string
}

/** The standard layout under a config dir. */
export const configPaths = (dir: string = configDir()): ConfigPaths => ({
  dir,
  configFile: join(dir, "config.yaml"),
  policiesDir: join(dir, "policies"),
  auditDir: join(dir, "audit"),
  cacheDir: join(dir, "cache")
})

const NonNegInt = Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(0))

/** Keys from the original's config.yaml that are accepted but have no effect here (they belong in the policy). */
export const SEED_ONLY_KEYS = ["mode", "global_settings", "image_scanning", "notifications"] as const

/** config.yaml as written by users: everything optional, unknown keys rejected. */
export const ConfigFile = Schema.Struct({
  version: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  active_policy: Schema.optional(Schema.String),
  audit: Schema.optional(
    Schema.Struct({
      jsonl: Schema.optional(
        Schema.Struct({
          enabled: Schema.optional(Schema.Boolean),
          max_bytes: Schema.optional(NonNegInt),
          keep: Schema.optional(NonNegInt)
        })
      ),
      /** audit durability: normal (survives a plugin crash) or full (also survives power loss) */
      synchronous: Schema.optional(Schema.Literal("normal", "full", "NORMAL", "FULL"))
    })
  ),
  authz: Schema.optional(
    Schema.Struct({
      socket: Schema.optional(Schema.String),
      pid_file: Schema.optional(Schema.String),
      fail_open: Schema.optional(Schema.Boolean),
      docker_host: Schema.optional(Schema.String)
    })
  ),
  scanners: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  mode: Schema.optional(Schema.Unknown),
  global_settings: Schema.optional(Schema.Unknown),
  image_scanning: Schema.optional(Schema.Unknown),
  notifications: Schema.optional(Schema.Unknown)
})
export type ConfigFile = typeof ConfigFile.Type

/** Audit durability: `normal` survives a crash or kill -9 of the plugin, `full` also an OS crash or power loss. */
export type AuditSynchronous = "normal" | "full"

/** The effective configuration (defaults filled in). */
export interface Config {
  readonly version: string
  readonly active_policy: string
  readonly audit: {
    readonly jsonl: { readonly enabled: boolean; readonly max_bytes: number; readonly keep: number }
    /** SQLite synchronous mode for the audit store (WAL): "normal" (default) or "full" */
    readonly synchronous: AuditSynchronous
  }
  readonly authz: {
    readonly socket: string
    readonly pid_file: string
    readonly fail_open: boolean
    readonly docker_host: string
  }
  readonly scanners: Readonly<Record<string, unknown>>
}

export const defaultConfig: Config = {
  version: "1",
  active_policy: "default",
  audit: { jsonl: { enabled: false, max_bytes: 10 * 1024 * 1024, keep: 5 }, synchronous: "normal" },
  authz: {
    socket: "/run/docker/plugins/sentinel.sock",
    pid_file: "/run/sentinel/authz.pid",
    fail_open: false,
    docker_host: "unix:///var/run/docker.sock"
  },
  scanners: {}
}

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  path: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `config file ${this.path} is invalid (fix it or remove the offending keys):\n  ${this.problems.join("\n  ")}`
  }
}

export interface LoadedConfig {
  readonly config: Config
  readonly path: string
  /** false when config.yaml does not exist (defaults used) */
  readonly exists: boolean
  /** seed-only keys present in the file; they do nothing here and belong in the policy */
  readonly ignoredKeys: ReadonlyArray<string>
}

/** Fill defaults into a decoded config.yaml. */
export const withDefaults = (f: ConfigFile): Config => {
  const d = defaultConfig
  const j = f.audit?.jsonl
  const a = f.authz
  return {
    version: f.version === undefined ? d.version : String(f.version),
    active_policy: f.active_policy === undefined || f.active_policy === "" ? d.active_policy : f.active_policy,
    audit: {
      jsonl: {
        enabled: j?.enabled ?? d.audit.jsonl.enabled,
        max_bytes: j?.max_bytes ?? d.audit.jsonl.max_bytes,
        keep: j?.keep ?? d.audit.jsonl.keep
      },
      synchronous: f.audit?.synchronous === undefined ? d.audit.synchronous : f.audit.synchronous === "full" || f.audit.synchronous === "FULL" ? "full" : "normal"
    },
    authz: {
      socket: a?.socket ?? d.authz.socket,
      pid_file: a?.pid_file ?? d.authz.pid_file,
      fail_open: a?.fail_open ?? d.authz.fail_open,
      docker_host: a?.docker_host ?? d.authz.docker_host
    },
    scanners: f.scanners ?? {}
  }
}

/** Decode config.yaml text (strict; line-numbered problems). */
export const parseConfig = (text: string, path: string): Either.Either<LoadedConfig, ConfigError> => {
  if (text.trim() === "") return Either.right({ config: defaultConfig, path, exists: true, ignoredKeys: [] })
  const r = decodeYaml(text, ConfigFile)
  if (Either.isLeft(r)) return Either.left(new ConfigError({ path, problems: [...r.left] }))
  const file = r.right.value
  const ignoredKeys = SEED_ONLY_KEYS.filter((k) => file[k] !== undefined)
  return Either.right({ config: withDefaults(file), path, exists: true, ignoredKeys })
}

/** Read config.yaml from the config dir; a missing file gives the defaults (nothing is written). */
export const loadConfig = (dir: string = configDir()): Either.Either<LoadedConfig, ConfigError> => {
  const path = configPaths(dir).configFile
  let text: string
  try {
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o002) !== 0) {
      return Either.left(new ConfigError({ path, problems: [`the file is writable by every user (mode ${mode.toString(8)}), so anyone could switch the active policy: run chmod 600 ${path}`] }))
    }
    text = readFileSync(path, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      return Either.right({ config: defaultConfig, path, exists: false, ignoredKeys: [] })
    }
    return Either.left(new ConfigError({ path, problems: [`cannot read: ${(e as Error).message}`] }))
  }
  return parseConfig(text, path)
}

/** mkdir -p with mode 0700 for every directory created. */
export const ensureDir = (dir: string, mode = 0o700): void => {
  if (existsSync(dir)) return
  mkdirSync(dir, { recursive: true, mode })
  chmodSync(dir, mode)
}

/** Write via a temp file in the same directory and rename over the target (0600 by default). */
export const writeFileAtomic = (path: string, text: string, mode = 0o600): void => {
  ensureDir(dirname(path))
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`)
  try {
    writeFileSync(tmp, text, { mode, flag: "wx" })
    chmodSync(tmp, mode)
    renameSync(tmp, path)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  }
}

/** Write a full config.yaml (atomic, 0600). */
export const saveConfig = (config: Config, dir: string = configDir()): void => {
  writeFileAtomic(configPaths(dir).configFile, `# Sentinel configuration\n${stringify(config)}`)
}

/**
 * Set one key in config.yaml, keeping the rest of the file (comments, other keys) as it is.
 * Creates the file if missing. Atomic, 0600.
 */
export const setConfigValue = (path: ReadonlyArray<string>, value: unknown, dir: string = configDir()): void => {
  const file = configPaths(dir).configFile
  const text = existsSync(file) ? readFileSync(file, "utf8") : ""
  const doc = text.trim() === "" ? new Document({}) : parseDocument(text)
  if (doc.errors.length > 0) throw new ConfigError({ path: file, problems: doc.errors.map((e) => e.message) })
  doc.setIn(path, value)
  writeFileAtomic(file, doc.toString())
}

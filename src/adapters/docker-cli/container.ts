/**
 * `docker run` / `docker create` flags → ContainerSpec, following docker/cli
 * cli/command/container/opts.go `parse` (what the CLI would send to dockerd).
 */
import type { ContainerSpec, EnvVar, Mount, Resources, SecurityOpt } from "../../domain/request.ts"
import { emptyContainer } from "../../domain/request.ts"
import { normalizeCaps } from "../../domain/caps.ts"
import { parseSecurityOpt } from "../../domain/secopt.ts"
import { envVar } from "../../domain/secrets.ts"
import type { FlagValues } from "./flags.ts"
import {
  nanoCpus, parseDevice, parseEnvFile, parseGpus, parseMountSpec, parsePort, parseTmpfs, parseVolumeSpec, ramInBytes
} from "./specs.ts"
import type { Result } from "./specs.ts"

/** File access for --env-file, --label-file and seccomp profiles; cwd for relative bind sources. */
export interface ParseIO {
  readFile(path: string): string
  cwd?: string
}

export interface Problem { readonly code: string; readonly message: string }

/** Shared state while building one request: the first error wins, problems accumulate. */
export class Ctx {
  error: { message: string; flag: string } | undefined = undefined
  readonly problems: Array<Problem> = []
  constructor(readonly io: ParseIO | undefined) {}
  fail(message: string, flag: string): void {
    if (this.error === undefined) this.error = { message, flag }
  }
  take<A>(r: Result<A>, flag: string): A | undefined {
    if (r.ok) return r.value
    this.fail(r.error, flag)
    return undefined
  }
  read(path: string, flag: string): string | undefined {
    if (this.io === undefined) {
      this.fail(`${flag} ${path}: cannot read files here; pass file access to the parser or inline the values`, flag)
      return undefined
    }
    try {
      return this.io.readFile(path)
    } catch (e) {
      this.fail(`${flag}: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`, flag)
      return undefined
    }
  }
  mount(r: Result<{ mount: Mount; unresolved: boolean }>, flag: string): Mount | undefined {
    const v = this.take(r, flag)
    if (v?.unresolved === true) {
      this.problems.push({
        code: "relative-bind-source",
        message: `${flag}: relative bind source '${v.mount.source}' cannot be resolved without a working directory; use an absolute path`
      })
    }
    return v?.mount
  }
}

/** `-e` values plus `--env-file` contents, values dropped. */
export const collectEnv = (f: FlagValues, ctx: Ctx, envFlag = "env", fileFlag = "env-file"): Array<EnvVar> => {
  const env: Array<EnvVar> = []
  for (const file of f.all(fileFlag)) {
    const content = ctx.read(file, `--${fileFlag}`)
    if (content === undefined) continue
    const lines = ctx.take(parseEnvFile(content, file), `--${fileFlag}`) ?? []
    env.push(...lines.map(envVar))
  }
  env.push(...f.all(envFlag).map(envVar))
  return env
}

const keyValues = (vals: ReadonlyArray<string>, into: Record<string, string>): void => {
  for (const v of vals) {
    const i = v.indexOf("=")
    into[i < 0 ? v : v.slice(0, i)] = i < 0 ? "" : v.slice(i + 1)
  }
}

/** parseSecurityOpts + parseSystemPaths of the CLI: seccomp files are inlined, systempaths=unconfined removed. */
export const securityOpts = (
  f: FlagValues, ctx: Ctx
): { opts: Array<SecurityOpt>; unconfinedPaths: boolean } => {
  const opts: Array<SecurityOpt> = []
  let unconfinedPaths = false
  for (const raw of f.all("security-opt")) {
    if (raw === "systempaths=unconfined") {
      unconfinedPaths = true
      continue
    }
    let sep = raw.indexOf("=")
    if (sep < 0 && raw !== "no-new-privileges") sep = raw.indexOf(":")
    const k = sep < 0 ? raw : raw.slice(0, sep)
    const v = sep < 0 ? "" : raw.slice(sep + 1)
    if ((sep < 0 || v === "") && k !== "no-new-privileges") {
      ctx.fail(`invalid --security-opt: "${raw}" (use key=value, e.g. seccomp=profile.json)`, "--security-opt")
      continue
    }
    if (k === "seccomp" && v !== "builtin" && v !== "unconfined") {
      const content = ctx.read(v, "--security-opt seccomp")
      if (content === undefined) continue
      let compact: string
      try {
        compact = JSON.stringify(JSON.parse(content))
      } catch {
        ctx.fail(`--security-opt: seccomp profile ${v} is not valid JSON`, "--security-opt")
        continue
      }
      opts.push(parseSecurityOpt(`seccomp=${compact}`))
      continue
    }
    opts.push(parseSecurityOpt(raw))
  }
  return { opts, unconfinedPaths }
}

/** Resource flags shared by run/create/update (memory units, cpus, shares, quota, pids). */
export const resources = (f: FlagValues, ctx: Ctx, forUpdate = false): Resources => {
  // the CLI always sends these fields (0 = unset), as the Engine API decoder then reports them;
  // `docker update` sends PidsLimit only when --pids-limit is given
  const r: { -readonly [K in keyof Resources]: Resources[K] } = {
    memory: 0, memorySwap: 0, nanoCpus: 0, cpuShares: 0, cpuQuota: 0, cpuPeriod: 0, ...(forUpdate ? {} : { pidsLimit: 0 })
  }
  const mem = f.last("memory")
  if (mem !== undefined) {
    const b = ramInBytes(mem)
    if (b === undefined) ctx.fail(`invalid argument "${mem}" for "-m, --memory": use a size like 512m or 1g`, "--memory")
    else r.memory = b
  }
  const swap = f.last("memory-swap")
  if (swap !== undefined) {
    const b = swap === "-1" ? -1 : ramInBytes(swap)
    if (b === undefined) ctx.fail(`invalid argument "${swap}" for "--memory-swap": use a size or -1`, "--memory-swap")
    else r.memorySwap = b
  }
  const cpus = f.last("cpus")
  if (cpus !== undefined) {
    const n = nanoCpus(cpus)
    if (n === undefined) ctx.fail(`invalid argument "${cpus}" for "--cpus": use a number like 1.5`, "--cpus")
    else r.nanoCpus = n
  }
  const shares = f.int("cpu-shares")
  if (shares !== undefined) r.cpuShares = shares
  const quota = f.int("cpu-quota")
  if (quota !== undefined) r.cpuQuota = quota
  const period = f.int("cpu-period")
  if (period !== undefined) r.cpuPeriod = period
  const pids = f.int("pids-limit")
  if (pids !== undefined) r.pidsLimit = pids
  return r
}

/** `on-failure:3` → name + max retries (the CLI sends RestartPolicy{Name, MaximumRetryCount}). */
export const restartPolicy = (v: string): { name: string; retries?: string } => {
  const i = v.indexOf(":")
  return i < 0 ? { name: v } : { name: v.slice(0, i), retries: v.slice(i + 1) }
}

/** First `--network` target (advanced `name=x,alias=y` syntax understood). */
const networkName = (v: string): string => {
  if (!v.includes("=")) return v
  const field = v.split(",").find((p) => p.startsWith("name="))
  return field === undefined ? v : field.slice(5)
}

/** Build the ContainerSpec for run/create from scanned flags and positionals. */
export const buildContainer = (
  f: FlagValues, positionals: ReadonlyArray<string>, ctx: Ctx
): { spec: ContainerSpec; details: Record<string, string> } => {
  const details: Record<string, string> = {}
  const cwd = ctx.io?.cwd
  const mounts: Array<Mount> = []
  const volumeDriver = f.last("volume-driver")
  const anonymous: Array<string> = []
  for (const v of f.all("volume")) {
    const m = ctx.mount(parseVolumeSpec(v, cwd), "--volume")
    if (m === undefined) continue
    // like the CLI: anonymous volumes go to Config.Volumes (not Binds); named ones use --volume-driver
    if (m.type === "volume" && m.source === "") anonymous.push(m.target)
    else mounts.push(m.type === "volume" && volumeDriver !== undefined && volumeDriver !== "" ? { ...m, volumeDriver } : m)
  }
  if (anonymous.length > 0) details["anonymousVolumes"] = anonymous.join(",")
  for (const v of f.all("mount")) {
    const m = ctx.mount(parseMountSpec(v, cwd), "--mount")
    if (m !== undefined) mounts.push(m)
  }
  mounts.push(...f.all("tmpfs").map(parseTmpfs))
  if (f.bool("use-api-socket")) {
    mounts.push({
      type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false, origin: "mount"
    })
  }
  const sec = securityOpts(f, ctx)
  const labels: Record<string, string> = {}
  for (const file of f.all("label-file")) {
    const content = ctx.read(file, "--label-file")
    if (content !== undefined) {
      keyValues(content.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")), labels)
    }
  }
  keyValues(f.all("label"), labels)
  const sysctls: Record<string, string> = {}
  keyValues(f.all("sysctl"), sysctls)
  const networks = f.all("network").concat(f.all("net")).map(networkName)
  if (networks.length > 1) details["networks"] = networks.join(",")
  const entry = f.last("entrypoint")
  const restart = restartPolicy(f.last("restart") ?? "no")
  if (restart.retries !== undefined) details["restartRetries"] = restart.retries
  const base = emptyContainer()
  const opt = <K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } =>
    (v === undefined ? {} : { [k]: v }) as { [P in K]?: V }
  const oomScoreAdj = f.int("oom-score-adj")
  for (const k of ["platform", "pull", "hostname"]) {
    const v = f.last(k)
    if (v !== undefined) details[k] = v
  }
  const spec: ContainerSpec = {
    ...base,
    ...opt("name", f.last("name")),
    privileged: f.bool("privileged"),
    user: f.last("user") ?? "",
    groupAdd: f.all("group-add"),
    mounts,
    volumesFrom: f.all("volumes-from"),
    ...opt("volumeDriver", volumeDriver),
    capAdd: normalizeCaps(f.all("cap-add")),
    capDrop: normalizeCaps(f.all("cap-drop")),
    networkMode: networks[0] ?? "default",
    ...opt("pidMode", f.last("pid")),
    ...opt("ipcMode", f.last("ipc")),
    ...opt("utsMode", f.last("uts")),
    ...opt("usernsMode", f.last("userns")),
    ...opt("cgroupnsMode", f.last("cgroupns")),
    ...opt("cgroupParent", f.last("cgroup-parent")),
    devices: f.all("device").flatMap((d) => {
      const v = ctx.take(parseDevice(d), "--device")
      return v === undefined ? [] : [v]
    }),
    deviceCgroupRules: f.all("device-cgroup-rule"),
    deviceRequests: f.all("gpus").flatMap((g) => {
      const v = ctx.take(parseGpus(g), "--gpus")
      return v === undefined ? [] : [v]
    }),
    securityOpts: sec.opts,
    ...(sec.unconfinedPaths ? { maskedPaths: [], readonlyPaths: [] } : {}),
    sysctls,
    ...opt("runtime", f.last("runtime")),
    readOnlyRootfs: f.bool("read-only"),
    resources: resources(f, ctx),
    ports: f.all("publish").flatMap((p) => {
      const v = ctx.take(parsePort(p), "--publish")
      if (v === undefined) return []
      const { mode: _mode, ...port } = v
      return [port]
    }),
    publishAll: f.bool("publish-all"),
    env: collectEnv(f, ctx),
    labels,
    ...opt("workingDir", f.last("workdir")),
    ...opt("entrypoint", entry === undefined ? undefined : [entry]),
    cmd: positionals.slice(1),
    tty: f.bool("tty"),
    interactive: f.bool("interactive"),
    autoRemove: f.bool("rm"),
    restartPolicy: restart.name,
    oomKillDisable: f.bool("oom-kill-disable"),
    ...opt("oomScoreAdj", oomScoreAdj),
    ...opt("logDriver", f.last("log-driver")),
    dns: f.all("dns")
  }
  return { spec, details }
}

/**
 * The one normalized model of a Docker request. Both front ends decode into it:
 * the docker CLI argv parser (src/adapters/docker-cli) and the Engine API decoder
 * (src/adapters/engine-api). Rules only ever read this model.
 *
 * Normalization contract (front ends MUST apply it; rules rely on it):
 * - capabilities: upper-case, `CAP_` prefix stripped, `ALL` kept (see caps.ts)
 * - bind sources: Go `path.Clean`ed absolute paths (see paths.ts); `~` left as is
 * - security options: key lower-cased, `=` and `:` forms both split (see secopt.ts)
 * - env values and build-arg values are NEVER stored: only key, whether a value was
 *   given, and whether the key looks secret
 * - image references parsed with the distribution grammar (see image-ref.ts)
 */
import { Schema } from "effect"

export const Action = Schema.Literal(
  "container.create", // docker run / create, POST /containers/create
  "container.exec", // docker exec, POST /containers/{id}/exec
  "container.update", // POST /containers/{id}/update
  "container.start", // POST /containers/{id}/start (legacy body carries HostConfig)
  "container.attach", // attach / exec start / resize into a target
  "container.archive", // PUT /containers/{id}/archive (docker cp into)
  "container.commit", // POST /commit
  "container.lifecycle", // stop/kill/rm/rename/pause/... (target only)
  "image.build", // POST /build, docker build
  "image.pull", // POST /images/create?fromImage
  "image.import", // POST /images/create?fromSrc
  "image.load", // POST /images/load
  "image.tag", // POST /images/{name}/tag
  "image.push", // POST /images/{name}/push
  "volume.create",
  "network.create",
  "network.connect",
  "plugin.install", // pull / create / upgrade
  "plugin.configure", // enable / set / disable / remove
  "service.create",
  "service.update",
  "swarm.init",
  "swarm.join",
  "swarm.manage", // update / leave / unlock / node update
  "secret.create", // secrets and configs create/update
  "buildkit", // POST /grpc, POST /session
  "auth", // POST /auth
  "read", // GET/HEAD read-only endpoints
  "other", // known endpoint, no specific rule family
  "unknown", // unrecognised endpoint or docker subcommand
  "compose" // docker compose: cannot be evaluated from the command line
)
export type Action = typeof Action.Type

export const ImageRef = Schema.Struct({
  /** the reference as given */
  raw: Schema.String,
  /** registry host (with port), `docker.io` for Docker Hub */
  registry: Schema.String,
  /** repository path without registry, e.g. `library/ubuntu` */
  path: Schema.String,
  tag: Schema.optional(Schema.String),
  digest: Schema.optional(Schema.String),
  /** fully qualified name without tag/digest, e.g. `docker.io/library/ubuntu` */
  name: Schema.String
})
export type ImageRef = typeof ImageRef.Type

export const MountType = Schema.Literal("bind", "volume", "tmpfs", "image", "npipe", "cluster")
export const Mount = Schema.Struct({
  type: MountType,
  /** cleaned host path for binds; volume name for volumes; "" for anonymous */
  source: Schema.String,
  target: Schema.String,
  readOnly: Schema.Boolean,
  propagation: Schema.optional(Schema.String),
  /** volume driver (for type volume, from --mount volume-driver or VolumeOptions.DriverConfig.Name) */
  volumeDriver: Schema.optional(Schema.String),
  /** volume driver options (volume-opt / VolumeOptions.DriverConfig.Options), keys lower-cased */
  volumeOptions: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** where it came from: -v/Binds, --mount/Mounts, --tmpfs/Tmpfs */
  origin: Schema.Literal("bind-spec", "mount", "tmpfs")
})
export type Mount = typeof Mount.Type

export const Device = Schema.Struct({
  host: Schema.String,
  container: Schema.String,
  permissions: Schema.String
})
export type Device = typeof Device.Type

export const DeviceRequest = Schema.Struct({
  driver: Schema.String,
  count: Schema.Number,
  deviceIds: Schema.Array(Schema.String),
  capabilities: Schema.Array(Schema.Array(Schema.String))
})
export type DeviceRequest = typeof DeviceRequest.Type

export const SecurityOpt = Schema.Struct({
  /** lower-cased key: seccomp, apparmor, label, no-new-privileges, systempaths, writable-cgroups, ... */
  key: Schema.String,
  /** value; for an inline seccomp profile (JSON) this is "<inline>" */
  value: Schema.String,
  /** for inline seccomp profiles: the profile's defaultAction, e.g. SCMP_ACT_ALLOW */
  seccompDefaultAction: Schema.optional(Schema.String)
})
export type SecurityOpt = typeof SecurityOpt.Type

export const EnvVar = Schema.Struct({
  key: Schema.String,
  /** a value was given (KEY=... rather than KEY) */
  hasValue: Schema.Boolean,
  /** key matches a secret-looking pattern */
  secretLike: Schema.Boolean
})
export type EnvVar = typeof EnvVar.Type

export const Port = Schema.Struct({
  hostIp: Schema.optional(Schema.String),
  hostPort: Schema.optional(Schema.String),
  containerPort: Schema.String,
  protocol: Schema.String
})
export type Port = typeof Port.Type

export const Resources = Schema.Struct({
  /** bytes; 0/undefined = unlimited */
  memory: Schema.optional(Schema.Number),
  memorySwap: Schema.optional(Schema.Number),
  /** CPUs in units of 1e-9 CPUs (NanoCpus) */
  nanoCpus: Schema.optional(Schema.Number),
  cpuShares: Schema.optional(Schema.Number),
  cpuQuota: Schema.optional(Schema.Number),
  cpuPeriod: Schema.optional(Schema.Number),
  pidsLimit: Schema.optional(Schema.Number)
})
export type Resources = typeof Resources.Type

/** Everything security-relevant about a container to be created (also used for service tasks). */
export const ContainerSpec = Schema.Struct({
  name: Schema.optional(Schema.String),
  image: Schema.optional(ImageRef),
  privileged: Schema.Boolean,
  /** raw user string as given ("" or undefined = image default) */
  user: Schema.optional(Schema.String),
  groupAdd: Schema.Array(Schema.String),
  mounts: Schema.Array(Mount),
  volumesFrom: Schema.Array(Schema.String),
  volumeDriver: Schema.optional(Schema.String),
  capAdd: Schema.Array(Schema.String),
  capDrop: Schema.Array(Schema.String),
  networkMode: Schema.optional(Schema.String),
  pidMode: Schema.optional(Schema.String),
  ipcMode: Schema.optional(Schema.String),
  utsMode: Schema.optional(Schema.String),
  usernsMode: Schema.optional(Schema.String),
  cgroupnsMode: Schema.optional(Schema.String),
  cgroupParent: Schema.optional(Schema.String),
  devices: Schema.Array(Device),
  deviceCgroupRules: Schema.Array(Schema.String),
  deviceRequests: Schema.Array(DeviceRequest),
  securityOpts: Schema.Array(SecurityOpt),
  /** undefined = daemon default; [] = all masks removed (systempaths=unconfined) */
  maskedPaths: Schema.optional(Schema.Array(Schema.String)),
  readonlyPaths: Schema.optional(Schema.Array(Schema.String)),
  sysctls: Schema.Record({ key: Schema.String, value: Schema.String }),
  runtime: Schema.optional(Schema.String),
  readOnlyRootfs: Schema.Boolean,
  resources: Resources,
  ports: Schema.Array(Port),
  publishAll: Schema.Boolean,
  env: Schema.Array(EnvVar),
  labels: Schema.Record({ key: Schema.String, value: Schema.String }),
  workingDir: Schema.optional(Schema.String),
  entrypoint: Schema.optional(Schema.Array(Schema.String)),
  cmd: Schema.Array(Schema.String),
  tty: Schema.Boolean,
  interactive: Schema.Boolean,
  autoRemove: Schema.Boolean,
  restartPolicy: Schema.optional(Schema.String),
  oomKillDisable: Schema.Boolean,
  oomScoreAdj: Schema.optional(Schema.Number),
  logDriver: Schema.optional(Schema.String),
  /** --dns servers */
  dns: Schema.Array(Schema.String),
  /** service networks given as IDs/names (service create/update) */
  networks: Schema.Array(Schema.String)
})
export type ContainerSpec = typeof ContainerSpec.Type

export const ExecSpec = Schema.Struct({
  target: Schema.String,
  privileged: Schema.Boolean,
  user: Schema.optional(Schema.String),
  env: Schema.Array(EnvVar),
  workingDir: Schema.optional(Schema.String),
  cmd: Schema.Array(Schema.String),
  tty: Schema.Boolean,
  interactive: Schema.Boolean
})
export type ExecSpec = typeof ExecSpec.Type

export const BuildArg = Schema.Struct({ key: Schema.String, hasValue: Schema.Boolean, secretLike: Schema.Boolean })
export const BuildSpec = Schema.Struct({
  tags: Schema.Array(ImageRef),
  dockerfile: Schema.optional(Schema.String),
  context: Schema.optional(Schema.String),
  remote: Schema.optional(Schema.String),
  networkMode: Schema.optional(Schema.String),
  buildArgs: Schema.Array(BuildArg),
  cgroupParent: Schema.optional(Schema.String),
  securityOpts: Schema.Array(Schema.String),
  platform: Schema.optional(Schema.String),
  extraHosts: Schema.Array(Schema.String)
})
export type BuildSpec = typeof BuildSpec.Type

export const VolumeSpec = Schema.Struct({
  name: Schema.optional(Schema.String),
  driver: Schema.String,
  /** driver options, keys lower-cased */
  options: Schema.Record({ key: Schema.String, value: Schema.String })
})
export type VolumeSpec = typeof VolumeSpec.Type

export const NetworkSpec = Schema.Struct({
  name: Schema.optional(Schema.String),
  driver: Schema.optional(Schema.String),
  options: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** network connect: the network and container */
  network: Schema.optional(Schema.String),
  container: Schema.optional(Schema.String)
})
export type NetworkSpec = typeof NetworkSpec.Type

export const PluginPrivilege = Schema.Struct({ name: Schema.String, value: Schema.Array(Schema.String) })
export const PluginSpec = Schema.Struct({
  /** pull / create / upgrade / enable / set / disable / remove */
  op: Schema.String,
  remote: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  privileges: Schema.Array(PluginPrivilege)
})
export type PluginSpec = typeof PluginSpec.Type

export const ServiceSpec = Schema.Struct({
  name: Schema.optional(Schema.String),
  container: ContainerSpec,
  /** endpoint ports published in host mode */
  hostModePorts: Schema.Array(Port),
  /** TaskTemplate.Runtime, e.g. "plugin" */
  taskRuntime: Schema.optional(Schema.String),
  pluginPrivileges: Schema.Array(PluginPrivilege)
})
export type ServiceSpec = typeof ServiceSpec.Type

/** Facts learned about an existing container (from AuthZRes of its create, or by inspecting it). */
export const TargetFacts = Schema.Struct({
  id: Schema.String,
  privileged: Schema.Boolean,
  hostMounts: Schema.Array(Schema.String),
  capAdd: Schema.Array(Schema.String),
  pidHost: Schema.Boolean,
  networkHost: Schema.Boolean
})
export type TargetFacts = typeof TargetFacts.Type

export const DockerRequest = Schema.Struct({
  action: Action,
  /** docker CLI subcommand path or API route id (e.g. `run`, `POST /containers/create`) */
  operation: Schema.String,
  /** image the action is about (container image, pulled/pushed/tagged image) */
  image: Schema.optional(ImageRef),
  container: Schema.optional(ContainerSpec),
  exec: Schema.optional(ExecSpec),
  build: Schema.optional(BuildSpec),
  volume: Schema.optional(VolumeSpec),
  network: Schema.optional(NetworkSpec),
  plugin: Schema.optional(PluginSpec),
  service: Schema.optional(ServiceSpec),
  /** target container/exec id or name for exec/attach/archive/update/start/lifecycle */
  target: Schema.optional(Schema.String),
  /** facts about the target container, when known */
  targetFacts: Schema.optional(TargetFacts),
  /** container update: new resources */
  update: Schema.optional(Schema.Struct({ resources: Resources, restartPolicy: Schema.optional(Schema.String) })),
  /** commit: Dockerfile instructions from `changes`; import/tag/commit/load: destination names */
  changes: Schema.Array(Schema.String),
  destinations: Schema.Array(ImageRef),
  /**
   * Problems found while decoding that must deny in enforce mode: missing body on a
   * body-bearing endpoint, JSON the daemon would read differently, unknown endpoint...
   * Each names the field/endpoint and what to do.
   */
  problems: Schema.Array(Schema.Struct({ code: Schema.String, message: Schema.String })),
  /** anything else worth recording (query flags etc.), never secrets */
  details: Schema.Record({ key: Schema.String, value: Schema.String })
})
export type DockerRequest = typeof DockerRequest.Type

export const emptyResources: Resources = {}

export const emptyContainer = (): ContainerSpec => ({
  privileged: false,
  groupAdd: [],
  mounts: [],
  volumesFrom: [],
  capAdd: [],
  capDrop: [],
  devices: [],
  deviceCgroupRules: [],
  deviceRequests: [],
  securityOpts: [],
  sysctls: {},
  readOnlyRootfs: false,
  resources: {},
  ports: [],
  publishAll: false,
  env: [],
  labels: {},
  cmd: [],
  tty: false,
  interactive: false,
  autoRemove: false,
  oomKillDisable: false,
  dns: [],
  networks: []
})

export const baseRequest = (action: Action, operation: string): DockerRequest => ({
  action,
  operation,
  changes: [],
  destinations: [],
  problems: [],
  details: {}
})

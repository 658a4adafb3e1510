/**
 * Shape descriptions of the Go types dockerd decodes request bodies into (moby api/types,
 * field names as the JSON tags spell them). Fields Sentinel reads are typed exactly so a
 * type mismatch is detected as dockerd would; fields it never reads are `any`.
 */
import { S, strMap, strs, type Shape } from "./goshape.ts"

/** mount.Mount (HostConfig.Mounts and swarm ContainerSpec.Mounts). */
export const mount = S.struct({
  Type: S.str,
  Source: S.str,
  Target: S.str,
  ReadOnly: S.bool,
  Consistency: S.str,
  BindOptions: S.ptr(S.struct({ Propagation: S.str, NonRecursive: S.bool, CreateMountpoint: S.bool })),
  VolumeOptions: S.ptr(
    S.struct({
      NoCopy: S.bool,
      Labels: strMap,
      Subpath: S.str,
      DriverConfig: S.ptr(S.struct({ Name: S.str, Options: strMap }))
    })
  ),
  TmpfsOptions: S.ptr(S.struct({ SizeBytes: S.int, Mode: S.uint32, Options: S.any })),
  ImageOptions: S.any,
  ClusterOptions: S.any
})

const resourcesFields: Record<string, Shape> = {
  CpuShares: S.int,
  Memory: S.int,
  NanoCpus: S.int,
  CgroupParent: S.str,
  BlkioWeight: S.uint16,
  BlkioWeightDevice: S.any,
  BlkioDeviceReadBps: S.any,
  BlkioDeviceWriteBps: S.any,
  BlkioDeviceReadIOps: S.any,
  BlkioDeviceWriteIOps: S.any,
  CpuPeriod: S.int,
  CpuQuota: S.int,
  CpuRealtimePeriod: S.int,
  CpuRealtimeRuntime: S.int,
  CpusetCpus: S.str,
  CpusetMems: S.str,
  Devices: S.slice(S.struct({ PathOnHost: S.str, PathInContainer: S.str, CgroupPermissions: S.str })),
  DeviceCgroupRules: strs,
  DeviceRequests: S.slice(
    S.struct({ Driver: S.str, Count: S.int, DeviceIDs: strs, Capabilities: S.slice(strs), Options: strMap })
  ),
  KernelMemory: S.int,
  KernelMemoryTCP: S.int,
  MemoryReservation: S.int,
  MemorySwap: S.int,
  MemorySwappiness: S.ptr(S.int),
  OomKillDisable: S.ptr(S.bool),
  PidsLimit: S.ptr(S.int),
  Ulimits: S.any,
  CpuCount: S.int,
  CpuPercent: S.int,
  IOMaximumIOps: S.uint,
  IOMaximumBandwidth: S.uint
}

/** container.HostConfig (with the embedded Resources flattened, as Go promotes them). */
export const hostConfigFields: Record<string, Shape> = {
  Binds: strs,
  ContainerIDFile: S.str,
  LogConfig: S.struct({ Type: S.str, Config: strMap }),
  NetworkMode: S.str,
  PortBindings: S.map(S.slice(S.struct({ HostIp: S.str, HostPort: S.str }))),
  RestartPolicy: S.struct({ Name: S.str, MaximumRetryCount: S.int }),
  AutoRemove: S.bool,
  VolumeDriver: S.str,
  VolumesFrom: strs,
  ConsoleSize: S.any,
  Annotations: strMap,
  CapAdd: S.strslice,
  CapDrop: S.strslice,
  Capabilities: strs,
  CgroupnsMode: S.str,
  Dns: strs,
  DnsOptions: strs,
  DnsSearch: strs,
  ExtraHosts: strs,
  GroupAdd: strs,
  IpcMode: S.str,
  Cgroup: S.str,
  Links: strs,
  OomScoreAdj: S.int,
  PidMode: S.str,
  Privileged: S.bool,
  PublishAllPorts: S.bool,
  ReadonlyRootfs: S.bool,
  SecurityOpt: strs,
  StorageOpt: strMap,
  Tmpfs: strMap,
  UTSMode: S.str,
  UsernsMode: S.str,
  ShmSize: S.int,
  Sysctls: strMap,
  Runtime: S.str,
  Isolation: S.str,
  ...resourcesFields,
  Mounts: S.slice(mount),
  MaskedPaths: strs,
  ReadonlyPaths: strs,
  Init: S.ptr(S.bool)
}
export const hostConfig = S.struct(hostConfigFields)

/** container.Config */
export const configFields: Record<string, Shape> = {
  Hostname: S.str,
  Domainname: S.str,
  User: S.str,
  AttachStdin: S.bool,
  AttachStdout: S.bool,
  AttachStderr: S.bool,
  ExposedPorts: S.any,
  Tty: S.bool,
  OpenStdin: S.bool,
  StdinOnce: S.bool,
  Env: strs,
  Cmd: S.strslice,
  Healthcheck: S.any,
  ArgsEscaped: S.bool,
  Image: S.str,
  Volumes: S.any,
  WorkingDir: S.str,
  Entrypoint: S.strslice,
  NetworkDisabled: S.bool,
  MacAddress: S.str,
  OnBuild: strs,
  Labels: strMap,
  StopSignal: S.str,
  StopTimeout: S.ptr(S.int),
  Shell: S.strslice
}
export const containerConfig = S.struct(configFields)

/**
 * The create wrapper of dockerd 20.10–26 (runconfig.ContainerConfigWrapper): embedded *Config,
 * `HostConfig` and `NetworkingConfig`, and an embedded *HostConfig whose fields sit at the top level.
 */
export const containerCreate = S.struct({
  ...configFields,
  HostConfig: S.ptr(hostConfig),
  Cpuset: S.str,
  NetworkingConfig: S.ptr(S.struct({ EndpointsConfig: S.map(S.any) })),
  ...hostConfigFields
})
/** Names of HostConfig fields promoted to the top level of the create body. */
export const topLevelHostConfigNames: ReadonlySet<string> = new Set(Object.keys(hostConfigFields))

export const execCreate = S.struct({
  User: S.str,
  Privileged: S.bool,
  Tty: S.bool,
  ConsoleSize: S.any,
  AttachStdin: S.bool,
  AttachStderr: S.bool,
  AttachStdout: S.bool,
  Detach: S.bool,
  DetachKeys: S.str,
  Env: strs,
  WorkingDir: S.str,
  Cmd: strs
})

export const containerUpdate = S.struct({ ...resourcesFields, RestartPolicy: S.struct({ Name: S.str, MaximumRetryCount: S.int }) })

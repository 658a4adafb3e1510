/**
 * Shape descriptions for the non-container bodies: swarm services, volumes, networks,
 * plugins, swarm init/join/update, secrets and configs, node update (moby api/types).
 */
import { S, strMap, strs } from "./goshape.ts"
import { mount } from "./shapes.ts"

const pluginPrivileges = S.slice(S.struct({ Name: S.str, Description: S.str, Value: strs }))

const swarmContainerSpec = S.struct({
  Image: S.str,
  Labels: strMap,
  Command: strs,
  Args: strs,
  Hostname: S.str,
  Env: strs,
  Dir: S.str,
  User: S.str,
  Groups: strs,
  Privileges: S.ptr(
    S.struct({
      CredentialSpec: S.any,
      SELinuxContext: S.ptr(S.struct({ Disable: S.bool, User: S.str, Role: S.str, Type: S.str, Level: S.str })),
      Seccomp: S.ptr(S.struct({ Mode: S.str, Profile: S.bytes })),
      AppArmor: S.ptr(S.struct({ Mode: S.str })),
      NoNewPrivileges: S.bool
    })
  ),
  Init: S.ptr(S.bool),
  TTY: S.bool,
  OpenStdin: S.bool,
  ReadOnly: S.bool,
  Mounts: S.slice(mount),
  StopSignal: S.str,
  StopGracePeriod: S.any,
  Healthcheck: S.any,
  Hosts: strs,
  DNSConfig: S.ptr(S.struct({ Nameservers: strs, Search: strs, Options: strs })),
  Secrets: S.any,
  Configs: S.any,
  Isolation: S.str,
  Sysctls: strMap,
  CapabilityAdd: strs,
  CapabilityDrop: strs,
  Ulimits: S.any,
  OomScoreAdj: S.int
})

const networkAttachments = S.slice(S.struct({ Target: S.str, Aliases: strs, DriverOpts: strMap }))

/** swarm.ServiceSpec (services create and update). */
export const serviceSpec = S.struct({
  Name: S.str,
  Labels: strMap,
  TaskTemplate: S.struct({
    ContainerSpec: S.ptr(swarmContainerSpec),
    PluginSpec: S.ptr(
      S.struct({ Name: S.str, Remote: S.str, Privileges: pluginPrivileges, Disabled: S.bool, Env: strs })
    ),
    NetworkAttachmentSpec: S.any,
    Resources: S.ptr(
      S.struct({ Limits: S.ptr(S.struct({ NanoCPUs: S.int, MemoryBytes: S.int, Pids: S.int })), Reservations: S.any })
    ),
    RestartPolicy: S.ptr(S.struct({ Condition: S.str, Delay: S.any, MaxAttempts: S.any, Window: S.any })),
    Placement: S.any,
    Networks: networkAttachments,
    LogDriver: S.ptr(S.struct({ Name: S.str, Options: strMap })),
    ForceUpdate: S.uint,
    Runtime: S.str
  }),
  Mode: S.any,
  UpdateConfig: S.any,
  RollbackConfig: S.any,
  Networks: networkAttachments,
  EndpointSpec: S.ptr(
    S.struct({
      Mode: S.str,
      Ports: S.slice(
        S.struct({ Name: S.str, Protocol: S.str, TargetPort: S.uint32, PublishedPort: S.uint32, PublishMode: S.str })
      )
    })
  )
})

export const volumeCreate = S.struct({
  Name: S.str,
  Driver: S.str,
  DriverOpts: strMap,
  Labels: strMap,
  ClusterVolumeSpec: S.any
})

export const networkCreate = S.struct({
  Name: S.str,
  CheckDuplicate: S.bool,
  Driver: S.str,
  Scope: S.str,
  EnableIPv6: S.any,
  EnableIPv4: S.any,
  IPAM: S.any,
  Internal: S.bool,
  Attachable: S.bool,
  Ingress: S.bool,
  ConfigOnly: S.bool,
  ConfigFrom: S.ptr(S.struct({ Network: S.str })),
  Options: strMap,
  Labels: strMap
})

export const networkConnect = S.struct({ Container: S.str, EndpointConfig: S.any, Force: S.bool })

export const pluginPrivilegeList = pluginPrivileges
export const pluginSet = strs

export const swarmInit = S.struct({
  ListenAddr: S.str,
  AdvertiseAddr: S.str,
  DataPathAddr: S.str,
  DataPathPort: S.uint32,
  ForceNewCluster: S.bool,
  Spec: S.any,
  AutoLockManagers: S.bool,
  Availability: S.str,
  DefaultAddrPool: strs,
  SubnetSize: S.uint32
})

/** swarm.JoinRequest: JoinToken is decoded for type checking only and never copied out. */
export const swarmJoin = S.struct({
  ListenAddr: S.str,
  AdvertiseAddr: S.str,
  DataPathAddr: S.str,
  RemoteAddrs: strs,
  JoinToken: S.str,
  Availability: S.str
})

export const swarmUpdate = S.struct({
  Name: S.str,
  Labels: strMap,
  Orchestration: S.any,
  Raft: S.any,
  Dispatcher: S.any,
  CAConfig: S.any,
  TaskDefaults: S.any,
  EncryptionConfig: S.ptr(S.struct({ AutoLockManagers: S.bool }))
})

export const swarmUnlock = S.struct({ UnlockKey: S.str })

/** swarm.SecretSpec / ConfigSpec: Data is never copied out of the decoder. */
export const secretCreate = S.struct({
  Name: S.str,
  Labels: strMap,
  Data: S.bytes,
  Driver: S.ptr(S.struct({ Name: S.str, Options: strMap })),
  Templating: S.ptr(S.struct({ Name: S.str, Options: strMap }))
})

export const nodeUpdate = S.struct({ Name: S.str, Labels: strMap, Role: S.str, Availability: S.str })

/**
 * The policy format: the original Docker Sentinel YAML (seed-behaviour.md §4), loaded
 * unchanged, with every field enforced, plus Sentinel's additions (marked "added").
 * Decoding is strict: unknown keys are errors (onExcessProperty: "error").
 */
import { Schema } from "effect"

const Str = Schema.String
const Bool = Schema.Boolean
const StrList = Schema.Array(Schema.String)
const opt = Schema.optional

export const Mode = Schema.Literal("enforce", "warn", "audit")
export type Mode = typeof Mode.Type
export const ActionKind = Schema.Literal("allow", "warn", "block")
export type ActionKind = typeof ActionKind.Type
export const Severity = Schema.Literal("critical", "high", "medium", "low", "info")
export type Severity = typeof Severity.Type

const Percent = Schema.Number.pipe(Schema.int(), Schema.between(0, 100))
const NonNegInt = Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(0))

/**
 * An exception to a rule. It must name a fact the requester cannot forge: `digests`
 * (image digests), `users` (identity from the daemon's TLS authentication), or `images`
 * when `settings.trust_image_tags` is true. `names` and `labels` narrow an exception
 * further but never suffice alone (validated in policy-check.ts).
 */
export const Exception = Schema.Struct({
  images: opt(StrList),
  names: opt(StrList),
  labels: opt(Schema.Record({ key: Str, value: Str })),
  /** added: image digests (`sha256:...`) */
  digests: opt(StrList),
  /** added: authenticated users (TLS client certificate CN) */
  users: opt(StrList),
  reason: opt(Str)
})
export type Exception = typeof Exception.Type

export const RuleAction = Schema.Struct({
  action: opt(Schema.Union(ActionKind, Schema.Literal(""))),
  message: opt(Str),
  exceptions: opt(Schema.Array(Exception))
})
export type RuleAction = typeof RuleAction.Type

export const BlockedCapability = Schema.Struct({ name: Str, action: opt(ActionKind), message: opt(Str) })
export const BlockedMount = Schema.Struct({
  path: Str,
  action: opt(ActionKind),
  message: opt(Str),
  allow_read_only: opt(Bool)
})
export const WarnedMount = Schema.Struct({ path: Str, message: opt(Str) })
export const BlockedPort = Schema.Struct({
  port: Schema.Union(Schema.Number, Str),
  protocol: opt(Str),
  message: opt(Str)
})

export const ImageScanning = Schema.Struct({
  enabled: opt(Bool),
  scanners: opt(StrList),
  max_critical: opt(NonNegInt),
  max_high: opt(Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(-1))),
  max_medium: opt(Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(-1))),
  cache_duration: opt(Str),
  /** added: how long container create may wait for a scan, e.g. "20s" */
  scan_timeout: opt(Str)
})
export const SecretScanning = Schema.Struct({
  enabled: opt(Bool),
  scanner: opt(Str),
  block_on_verified: opt(Bool),
  max_critical: opt(NonNegInt),
  max_high: opt(NonNegInt),
  max_medium: opt(Schema.Number.pipe(Schema.int(), Schema.greaterThanOrEqualTo(-1))),
  verified_secret_score: opt(Percent),
  critical_secret_score: opt(Percent),
  high_secret_score: opt(Percent),
  ignore_detectors: opt(StrList),
  exclude_paths: opt(StrList)
})

export const Settings = Schema.Struct({
  max_risk_score: opt(Percent),
  require_image_scan: opt(Bool),
  image_scanning: opt(ImageScanning),
  secret_scanning: opt(SecretScanning),
  /** added: image tags are trusted facts for exceptions (only if nobody untrusted can `docker tag`) */
  trust_image_tags: opt(Bool)
})

export const Rules = Schema.Struct({
  privileged: opt(RuleAction),
  host_namespaces: opt(
    Schema.Struct({
      network: opt(RuleAction),
      pid: opt(RuleAction),
      ipc: opt(RuleAction),
      uts: opt(RuleAction),
      /** added */
      userns: opt(RuleAction),
      /** added */
      cgroupns: opt(RuleAction),
      /** added: joining another container's namespaces (`container:<id>`) */
      container_join: opt(RuleAction)
    })
  ),
  capabilities: opt(
    Schema.Struct({
      default_action: opt(ActionKind),
      blocked: opt(Schema.Array(BlockedCapability)),
      allowed: opt(StrList),
      require_drop_all: opt(Bool)
    })
  ),
  mounts: opt(
    Schema.Struct({
      blocked: opt(Schema.Array(BlockedMount)),
      warned: opt(Schema.Array(WarnedMount)),
      allowed: opt(StrList),
      block_bind_mounts: opt(Bool),
      require_read_only: opt(Bool),
      /** added: Docker/containerd API sockets and plugin dirs, in any mount form (default block) */
      docker_socket: opt(RuleAction),
      /** added: volumes-from another container */
      volumes_from: opt(RuleAction),
      /** added: allowed volume drivers (empty = any); local-driver bind options are always checked */
      allowed_volume_drivers: opt(StrList)
    })
  ),
  security_options: opt(
    Schema.Struct({
      require_seccomp: opt(Bool),
      allowed_seccomp_profiles: opt(StrList),
      require_apparmor: opt(Bool),
      allowed_apparmor_profiles: opt(StrList),
      require_no_new_privileges: opt(Bool)
    })
  ),
  container: opt(
    Schema.Struct({
      require_non_root: opt(Bool),
      allowed_users: opt(StrList),
      blocked_users: opt(StrList),
      require_read_only_rootfs: opt(Bool),
      require_resource_limits: opt(Bool),
      /** e.g. "2g", "512m" */
      max_memory: opt(Schema.Union(Str, Schema.Number)),
      /** e.g. 2, "1.5" */
      max_cpus: opt(Schema.Union(Str, Schema.Number)),
      /** added: allowed OCI runtimes (empty = any) */
      allowed_runtimes: opt(StrList),
      /** added: allowed sysctls (exact keys or `prefix.*`); others are violations */
      allowed_sysctls: opt(StrList),
      /** added: require a positive pids limit */
      require_pids_limit: opt(Bool)
    })
  ),
  /** added: host devices, device cgroup rules, GPU/device requests */
  devices: opt(
    Schema.Struct({
      action: opt(ActionKind),
      allowed: opt(StrList),
      cgroup_rules: opt(ActionKind),
      gpus: opt(ActionKind)
    })
  ),
  images: opt(
    Schema.Struct({
      allowed_registries: opt(StrList),
      blocked_registries: opt(StrList),
      blocked_images: opt(StrList),
      require_digest: opt(Bool),
      block_latest_tag: opt(Bool),
      require_signed: opt(Bool),
      /** added: image names only admins may overwrite by tag/load/import/commit/build */
      protected_images: opt(StrList)
    })
  ),
  network: opt(
    Schema.Struct({
      allowed_modes: opt(StrList),
      blocked_ports: opt(Schema.Array(BlockedPort)),
      require_dns: opt(StrList),
      /** added: allowed network drivers for `network create` (empty = any but macvlan/ipvlan warn) */
      allowed_drivers: opt(StrList)
    })
  ),
  environment: opt(
    Schema.Struct({
      block_secrets: opt(Bool),
      secret_patterns: opt(StrList),
      required: opt(StrList),
      blocked: opt(StrList)
    })
  ),
  /** added: Engine API surfaces beyond containers (AuthZ plugin) */
  api: opt(
    Schema.Struct({
      /** endpoints Sentinel does not know: block (default in enforce) or allow */
      unknown_endpoints: opt(ActionKind),
      plugins: opt(RuleAction),
      swarm: opt(RuleAction),
      secrets: opt(RuleAction),
      buildkit: opt(RuleAction),
      build_host_network: opt(RuleAction),
      image_import: opt(RuleAction),
      commit: opt(RuleAction),
      /** exec/attach/cp into a container that is privileged or host-mounted */
      exec_into_privileged: opt(RuleAction),
      archive_upload: opt(RuleAction),
      network_create: opt(RuleAction)
    })
  )
})
export type Rules = typeof Rules.Type

export const Condition: Schema.Schema<Condition> = Schema.suspend(() =>
  Schema.Struct({
    field: opt(Str),
    operator: opt(Str),
    value: opt(Schema.Unknown),
    and: opt(Schema.Array(Condition)),
    or: opt(Schema.Array(Condition))
  })
)
export interface Condition {
  readonly field?: string | undefined
  readonly operator?: string | undefined
  readonly value?: unknown
  readonly and?: ReadonlyArray<Condition> | undefined
  readonly or?: ReadonlyArray<Condition> | undefined
}

export const CustomRule = Schema.Struct({
  name: Str,
  description: opt(Str),
  severity: opt(Str),
  category: opt(Str),
  condition: opt(Condition),
  /** added: a CEL expression over the request model (`request`), e.g. `request.container.privileged` */
  expression: opt(Str),
  message: opt(Str),
  /** added: block (violation, default) or warn */
  action: opt(ActionKind),
  /** added: actions the rule applies to (default: container.create) */
  actions: opt(StrList)
})
export type CustomRule = typeof CustomRule.Type

/** added: an exception that targets rule ids (globs like `mounts.*`), so every rule family can be excepted */
export const GlobalException = Schema.Struct({
  rules: StrList,
  ...Exception.fields
})
export type GlobalException = typeof GlobalException.Type

/** added: per-identity policy bindings for the AuthZ plugin */
export const Binding = Schema.Struct({
  users: StrList,
  policy: Str
})

export const Policy = Schema.Struct({
  version: opt(Schema.Union(Str, Schema.Number)),
  name: Str,
  description: opt(Str),
  author: opt(Str),
  tags: opt(StrList),
  mode: opt(Schema.Union(Mode, Schema.Literal(""))),
  settings: opt(Settings),
  rules: opt(Rules),
  custom_rules: opt(Schema.Array(CustomRule)),
  /** added: exceptions by rule id */
  exceptions: opt(Schema.Array(GlobalException)),
  /** added: identity → policy bindings (AuthZ over TLS) */
  bindings: opt(Schema.Array(Binding))
})
export type Policy = typeof Policy.Type

/** A loaded policy with its identity. */
export interface LoadedPolicy {
  readonly policy: Policy
  /** sha256 hex of the source text (or canonical JSON for built-ins) */
  readonly sha256: string
  /** where it came from: file path or `builtin:<name>` */
  readonly source: string
}

export const effectiveMode = (p: Policy): Mode => (p.mode === undefined || p.mode === "" ? "enforce" : p.mode)
export const maxRiskScore = (p: Policy): number => p.settings?.max_risk_score ?? 0

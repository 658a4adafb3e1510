/**
 * Flag tables copied from the docker CLI (docker/cli cli/command/..., cli/flags/options.go)
 * and buildx. `"name|s"` = value flag with shorthand, `"!name"` = bool flag.
 */
import { table } from "./flags.ts"

/** cli/flags/options.go + cmd/docker (root): global options before the subcommand. */
export const GLOBAL_FLAGS = table(
  "config", "!debug|D", "log-level|l", "!tls", "!tlsverify", "tlscacert", "tlscert", "tlskey",
  "host|H", "context|c", "!version|v"
)

/** cli/command/container/opts.go addFlags (shared by run and create). */
const CONTAINER_FLAGS = [
  "attach|a", "device-cgroup-rule", "device", "gpus", "env|e", "env-file", "entrypoint", "group-add",
  "hostname|h", "domainname", "!interactive|i", "label|l", "label-file", "!read-only", "restart",
  "stop-signal", "stop-timeout", "sysctl", "!tty|t", "ulimit", "user|u", "workdir|w", "!rm",
  "cap-add", "cap-drop", "!privileged", "security-opt", "userns", "cgroupns",
  "add-host", "dns", "dns-opt", "dns-option", "dns-search", "expose", "ip", "ip6", "link",
  "link-local-ip", "mac-address", "publish|p", "!publish-all|P", "net", "network", "net-alias",
  "network-alias", "log-driver", "volume-driver", "log-opt", "storage-opt", "tmpfs", "volumes-from",
  "volume|v", "mount", "health-cmd", "health-interval", "health-retries", "health-timeout",
  "health-start-period", "health-start-interval", "!no-healthcheck", "blkio-weight",
  "blkio-weight-device", "cidfile", "cpuset-cpus", "cpuset-mems", "cpu-count", "cpu-percent",
  "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpu-shares|c", "cpus",
  "device-read-bps", "device-read-iops", "device-write-bps", "device-write-iops", "io-maxbandwidth",
  "io-maxiops", "memory|m", "memory-reservation", "memory-swap", "memory-swappiness",
  "!oom-kill-disable", "oom-score-adj", "pids-limit", "cgroup-parent", "ipc", "isolation", "pid",
  "shm-size", "uts", "runtime", "!init", "annotation", "kernel-memory",
  // create.go / run.go
  "name", "pull", "!quiet|q", "!use-api-socket", "platform", "!disable-content-trust"
]
export const CREATE_FLAGS = table(...CONTAINER_FLAGS)
export const RUN_FLAGS = table(...CONTAINER_FLAGS, "!detach|d", "!sig-proxy", "detach-keys")

/** cli/command/container/exec.go */
export const EXEC_FLAGS = table(
  "detach-keys", "!interactive|i", "!tty|t", "!detach|d", "user|u", "!privileged", "env|e", "env-file", "workdir|w"
)

/** cli/command/image/build.go (classic) merged with buildx build (the default `docker build` since 23). */
export const BUILD_FLAGS = table(
  "tag|t", "build-arg", "ulimit", "file|f", "memory|m", "memory-swap", "shm-size", "cpu-shares|c",
  "cpu-period", "cpu-quota", "cpuset-cpus", "cpuset-mems", "cgroup-parent", "isolation", "label",
  "!no-cache", "!rm", "!force-rm", "!quiet|q", "!pull", "cache-from", "!compress", "security-opt",
  "network", "add-host", "target", "iidfile", "!disable-content-trust", "platform", "!squash",
  // buildx build
  "allow", "annotation", "attest", "build-context", "builder", "cache-to", "call", "!check",
  "!load", "!push", "metadata-file", "no-cache-filter", "output|o", "progress", "provenance", "sbom",
  "secret", "ssh", "!debug|D", "policy", "resource", "print"
)

export const PULL_FLAGS = table("!all-tags|a", "!quiet|q", "!disable-content-trust", "platform")
export const PUSH_FLAGS = table("!all-tags|a", "!quiet|q", "!disable-content-trust", "platform")

/** cli/command/volume/create.go */
export const VOLUME_CREATE_FLAGS = table(
  "driver|d", "name", "opt|o", "label", "group", "scope", "sharing", "availability", "type", "secret",
  "limit-bytes", "required-bytes", "topology-required", "topology-preferred"
)

export const NETWORK_CREATE_FLAGS = table(
  "driver|d", "opt|o", "label", "!internal", "!ipv4", "!ipv6", "!attachable", "!ingress", "scope",
  "!config-only", "config-from", "ipam-driver", "subnet", "ip-range", "gateway", "aux-address", "ipam-opt"
)
export const NETWORK_CONNECT_FLAGS = table("ip", "ip6", "link", "alias", "link-local-ip", "driver-opt", "gw-priority")

export const PLUGIN_FLAGS: Record<string, ReturnType<typeof table>> = {
  install: table("!grant-all-permissions", "!disable", "alias", "!disable-content-trust"),
  upgrade: table("!grant-all-permissions", "!disable-content-trust", "!skip-remote-check"),
  enable: table("timeout"),
  disable: table("!force|f"),
  rm: table("!force|f"),
  remove: table("!force|f"),
  set: table(),
  create: table("!compress")
}

/** cli/command/service/opts.go addServiceFlags + create.go */
const SERVICE_COMMON = [
  "!detach|d", "!quiet|q", "workdir|w", "user|u", "credential-spec", "hostname", "entrypoint",
  "cap-add", "cap-drop", "limit-cpu", "limit-memory", "reserve-cpu", "reserve-memory", "limit-pids",
  "memory-swap", "memory-swappiness", "stop-grace-period", "replicas", "max-concurrent",
  "replicas-max-per-node", "restart-condition", "restart-delay", "restart-max-attempts",
  "restart-window", "update-parallelism", "update-delay", "update-monitor", "update-failure-action",
  "update-max-failure-ratio", "update-order", "rollback-parallelism", "rollback-delay",
  "rollback-monitor", "rollback-failure-action", "rollback-max-failure-ratio", "rollback-order",
  "endpoint-mode", "!with-registry-auth", "!no-resolve-image", "log-driver", "log-opt", "health-cmd",
  "health-interval", "health-timeout", "health-retries", "health-start-period",
  "health-start-interval", "!no-healthcheck", "!tty|t", "!read-only", "stop-signal", "isolation",
  "!init", "oom-score-adj"
]
export const SERVICE_CREATE_FLAGS = table(
  ...SERVICE_COMMON, "mode", "name", "label|l", "container-label", "env|e", "env-file", "mount",
  "constraint", "placement-pref", "network", "secret", "config", "publish|p", "group", "dns",
  "dns-option", "dns-search", "host", "sysctl", "ulimit", "generic-resource"
)
export const SERVICE_UPDATE_FLAGS = table(
  ...SERVICE_COMMON, "image", "args", "!rollback", "!force", "env-rm", "group-rm", "label-rm",
  "container-label-rm", "mount-rm", "publish-rm", "constraint-rm", "dns-rm", "dns-option-rm",
  "dns-search-rm", "host-rm", "label-add", "container-label-add", "env-add", "secret-rm", "secret-add",
  "config-rm", "config-add", "mount-add", "constraint-add", "placement-pref-add", "placement-pref-rm",
  "network-add", "network-rm", "publish-add", "group-add", "dns-add", "dns-option-add",
  "dns-search-add", "host-add", "sysctl-add", "sysctl-rm", "ulimit-add", "ulimit-rm",
  "generic-resource-rm", "generic-resource-add"
)

/** cli/command/container/update.go */
export const UPDATE_FLAGS = table(
  "blkio-weight", "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpuset-cpus",
  "cpuset-mems", "cpu-shares|c", "memory|m", "memory-reservation", "memory-swap", "restart",
  "pids-limit", "cpus", "kernel-memory"
)

export const MISC_FLAGS: Record<string, ReturnType<typeof table>> = {
  cp: table("!follow-link|L", "!archive|a", "!quiet|q"),
  commit: table("!pause|p", "!no-pause", "message|m", "author|a", "change|c"),
  load: table("input|i", "!quiet|q", "platform"),
  import: table("change|c", "message|m", "platform"),
  login: table("username|u", "password|p", "!password-stdin"),
  tag: table(),
  attach: table("!no-stdin", "!sig-proxy", "detach-keys"),
  start: table("!attach|a", "!interactive|i", "detach-keys", "checkpoint", "checkpoint-dir"),
  stop: table("signal|s", "timeout|t", "time"),
  restart: table("signal|s", "timeout|t", "time"),
  kill: table("signal|s"),
  rm: table("!force|f", "!link|l", "!volumes|v"),
  pause: table(),
  unpause: table(),
  rename: table(),
  secret: table("driver|d", "label|l", "template-driver"),
  config: table("label|l", "template-driver")
}

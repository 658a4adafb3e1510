import { describe, expect, it } from "vitest"
import { securityRules, REQUIRED_MASKED, REQUIRED_READONLY } from "../../src/domain/rules/security.ts"
import { containerRules } from "../../src/domain/rules/container.ts"
import { parseSecurityOpt } from "../../src/domain/secopt.ts"
import { apply, pol, req, run, type Row } from "./rules-fixtures.ts"

const opts = (...o: Array<string>) => ({ securityOpts: o.map(parseSecurityOpt) })

describe("security options", () => {
  const rows: ReadonlyArray<Row> = [
    ["nothing", pol(), run(), []],
    ["seccomp=unconfined", pol(), run(opts("seccomp=unconfined")), ["security.seccomp-unconfined:V"]],
    ["seccomp:unconfined (legacy colon form)", pol(), run(opts("seccomp:unconfined")), ["security.seccomp-unconfined:V"]],
    ["apparmor=unconfined", pol(), run(opts("apparmor=unconfined")), ["security.apparmor-unconfined:V"]],
    ["require seccomp missing", pol({ security_options: { require_seccomp: true, require_apparmor: true } }), run(),
      ["security.seccomp-required:V", "security.apparmor-required:V"]],
    ["require seccomp given", pol({ security_options: { require_seccomp: true } }), run(opts("seccomp=/p.json")), []],
    ["systempaths=unconfined", pol(), run(opts("systempaths=unconfined")), ["security.systempaths-unconfined:V"]],
    ["MaskedPaths []", pol(), run({ maskedPaths: [] }), ["security.systempaths-unconfined:V"]],
    ["MaskedPaths without /proc/kcore", pol(), run({ maskedPaths: REQUIRED_MASKED.filter((p) => p !== "/proc/kcore") }), ["security.systempaths-unconfined:V"]],
    ["MaskedPaths superset of defaults", pol(), run({ maskedPaths: [...REQUIRED_MASKED, "/proc/extra"], readonlyPaths: [...REQUIRED_READONLY] }), []],
    ["ReadonlyPaths []", pol(), run({ readonlyPaths: [] }), ["security.systempaths-unconfined:V"]],
    ["inline permissive seccomp", pol(), run(opts('seccomp={"defaultAction":"SCMP_ACT_ALLOW"}')), ["security.seccomp-permissive:V"]],
    ["inline log seccomp", pol(), run(opts('seccomp={"defaultAction":"SCMP_ACT_LOG"}')), ["security.seccomp-permissive:V"]],
    ["inline unparsable seccomp", pol(), run(opts("seccomp={not json")), ["security.seccomp-permissive:V"]],
    ["inline strict seccomp", pol(), run(opts('seccomp={"defaultAction":"SCMP_ACT_ERRNO"}')), []],
    ["label=disable", pol(), run(opts("label=disable")), ["security.label-disabled:V"]],
    ["label:disable", pol(), run(opts("label:disable")), ["security.label-disabled:V"]],
    ["bare disable", pol(), run(opts("disable")), ["security.label-disabled:V"]],
    ["label type spc_t", pol(), run(opts("label=type:spc_t")), ["security.label-disabled:V"]],
    ["label level is fine", pol(), run(opts("label=level:s0:c100,c200")), []],
    ["writable-cgroups=true", pol(), run(opts("writable-cgroups=true")), ["security.writable-cgroups:V"]],
    ["writable-cgroups=false", pol(), run(opts("writable-cgroups=false")), []],
    ["no-new-privileges required, missing", pol({ security_options: { require_no_new_privileges: true } }), run(), ["security.no-new-privileges-required:V"]],
    ["no-new-privileges bare", pol({ security_options: { require_no_new_privileges: true } }), run(opts("no-new-privileges")), []],
    ["no-new-privileges:true", pol({ security_options: { require_no_new_privileges: true } }), run(opts("no-new-privileges:true")), []],
    ["no-new-privileges=false", pol({ security_options: { require_no_new_privileges: true } }), run(opts("no-new-privileges=false")),
      ["security.no-new-privileges-required:V"]],
    ["seccomp profile allow-list", pol({ security_options: { allowed_seccomp_profiles: ["/etc/docker/seccomp.json"] } }), run(opts("seccomp=/tmp/x.json")),
      ["security.seccomp-profile-not-allowed:V"]],
    ["seccomp profile allowed", pol({ security_options: { allowed_seccomp_profiles: ["/etc/docker/seccomp.json"] } }), run(opts("seccomp=/etc/docker/seccomp.json")), []],
    ["apparmor profile allow-list", pol({ security_options: { allowed_apparmor_profiles: ["docker-default"] } }), run(opts("apparmor=custom")),
      ["security.apparmor-profile-not-allowed:V"]]
  ]
  it.each(rows)("%s", (...row) => expect(apply(securityRules, row)).toEqual(row[3]))

  it("seed messages", () => {
    const fs = securityRules(run(opts("seccomp=unconfined", "apparmor=unconfined")), pol({ security_options: { require_apparmor: true } }), {})
    expect(fs.map((f) => [f.message, f.points, f.level])).toEqual([
      ["Seccomp is disabled", 25, "high"], ["AppArmor is disabled", 25, "high"]
    ])
  })
})

const execAs = (user: string | undefined, workingDir?: string) =>
  req("container.exec", {
    exec: { target: "web", privileged: false, env: [], cmd: ["sh"], tty: false, interactive: false,
      ...(user !== undefined ? { user } : {}), ...(workingDir !== undefined ? { workingDir } : {}) }
  })
const update = (resources: Record<string, number>) => req("container.update", { target: "web", update: { resources } })
const nonRoot = pol({ container: { require_non_root: true } })
const limits = pol({ container: { max_memory: "1g", max_cpus: 2, require_pids_limit: true } })
const GiB = 1024 ** 3

describe("container", () => {
  const rows: ReadonlyArray<Row> = [
    ["defaults: nothing", pol(), run(), []],
    ["image default user counts as root", nonRoot, run(), ["container.root-user:V"]],
    ["root spellings", nonRoot, run({ user: "0:0" }), ["container.root-user:V"]],
    ["+0", nonRoot, run({ user: "+0" }), ["container.root-user:V"]],
    ["root:root", nonRoot, run({ user: "root:root" }), ["container.root-user:V"]],
    ["non-root", nonRoot, run({ user: "1000:1000" }), []],
    ["read-only rootfs", pol({ container: { require_read_only_rootfs: true } }), run(), ["container.read-only-rootfs:V"]],
    ["read-only rootfs given", pol({ container: { require_read_only_rootfs: true } }), run({ readOnlyRootfs: true }), []],
    ["resource limits", pol({ container: { require_resource_limits: true } }), run(), ["container.resource-limits:V"]],
    ["cpu limit alone satisfies", pol({ container: { require_resource_limits: true } }), run({ resources: { nanoCpus: 5e8 } }), []],
    ["blocked users: root spellings are one user", pol({ container: { blocked_users: ["root"] } }), run({ user: "00" }), ["container.user-blocked:V"]],
    ["blocked users by name", pol({ container: { blocked_users: ["admin"] } }), run({ user: "admin:staff" }), ["container.user-blocked:V"]],
    ["blocked users other", pol({ container: { blocked_users: ["root"] } }), run({ user: "1000" }), []],
    ["allowed users", pol({ container: { allowed_users: ["1000", "app"] } }), run({ user: "1001" }), ["container.user-not-allowed:V"]],
    ["allowed users ok", pol({ container: { allowed_users: ["1000", "app"] } }), run({ user: "1000:1000" }), []],
    ["allowed users: image default is not allowed", pol({ container: { allowed_users: ["1000"] } }), run(), ["container.user-not-allowed:V"]],
    ["limits missing", limits, run(), ["container.memory-limit:V", "container.cpu-limit:V", "container.pids-limit:V"]],
    ["limits within", limits, run({ resources: { memory: GiB, nanoCpus: 2e9, pidsLimit: 100 } }), []],
    ["limits above", limits, run({ resources: { memory: 2 * GiB, cpuQuota: 300_000, cpuPeriod: 100_000, pidsLimit: -1 } }),
      ["container.memory-limit:V", "container.cpu-limit:V", "container.pids-limit:V"]],
    ["runtime allow-list", pol({ container: { allowed_runtimes: ["runc"] } }), run({ runtime: "kata" }), ["container.runtime:V"]],
    ["runtime unset is the default", pol({ container: { allowed_runtimes: ["runc"] } }), run(), []],
    ["sysctls default PSS safe set", pol(), run({ sysctls: { "net.ipv4.tcp_syncookies": "1", "kernel.core_pattern": "|/x" } }), ["container.sysctls:V"]],
    ["sysctls prefix allow", pol({ container: { allowed_sysctls: ["net.*"] } }), run({ sysctls: { "net.core.somaxconn": "1024" } }), []],
    ["privileged group warns", pol(), run({ groupAdd: ["docker", "0", "audio"] }), ["container.privileged-group:W", "container.privileged-group:W"]],
    ["privileged group blocks with require_non_root", pol({ container: { require_non_root: true } }), run({ user: "1000", groupAdd: ["disk"] }),
      ["container.privileged-group:V"]],
    ["/proc working dir", pol(), run({ workingDir: "/proc/self/fd/8" }), ["container.proc-workdir:V"]],
    ["/proc working dir, uncleaned", pol(), run({ workingDir: "/tmp/../proc/self/cwd" }), ["container.proc-workdir:V"]],
    ["normal working dir", pol(), run({ workingDir: "/app" }), []],
    ["exec -u 0", nonRoot, execAs("0"), ["container.root-user:V"]],
    ["exec -u root:root", nonRoot, execAs("root:root"), ["container.root-user:V"]],
    ["exec without -u uses the container's user", nonRoot, execAs(undefined), []],
    ["exec /proc workdir", pol(), execAs("1000", "/proc/1/cwd"), ["container.proc-workdir:V"]],
    ["update above max", limits, update({ memory: 4 * GiB, nanoCpus: 4e9 }), ["container.memory-limit:V", "container.cpu-limit:V"]],
    ["update within max", limits, update({ memory: GiB / 2 }), []],
    ["update removes pids limit", limits, update({ pidsLimit: -1 }), ["container.pids-limit:V"]],
    ["update removes cpu quota", pol({ container: { require_resource_limits: true } }), update({ cpuQuota: -1 }), ["container.resource-limits:V"]]
  ]
  it.each(rows)("%s", (...row) => expect(apply(containerRules, row)).toEqual(row[3]))

  it("seed messages and mitigations", () => {
    const fs = containerRules(run(), pol({ container: { require_non_root: true, require_read_only_rootfs: true, require_resource_limits: true } }), {})
    expect(fs.map((f) => [f.message, f.mitigation, f.points])).toEqual([
      ["Container must run as non-root user", "Add --user flag with non-root UID", 15],
      ["Read-only root filesystem is required", "Add --read-only flag", 5],
      ["Resource limits are required", "Add --memory and --cpus flags", 5]
    ])
  })
})

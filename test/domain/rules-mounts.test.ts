import { describe, expect, it } from "vitest"
import { mountRules } from "../../src/domain/rules/mounts.ts"
import type { Mount } from "../../src/domain/request.ts"
import { apply, bind, pol, req, run, type Row } from "./rules-fixtures.ts"

const seedLike = pol({
  mounts: {
    blocked: [{ path: "/" }, { path: "/var/run/docker.sock" }, { path: "/proc", message: "no proc" }, { path: "/data", allow_read_only: true },
      { path: "/srv/*/secrets" }, { path: "/opt/tools", action: "warn" }],
    warned: [{ path: "/etc" }, { path: "/home", message: "home!" }],
    docker_socket: { action: "allow" }
  }
})
const volume = (options: Record<string, string>, driver?: string): Mount => ({
  type: "volume", source: "v", target: "/v", readOnly: false, origin: "mount", volumeOptions: options,
  ...(driver !== undefined ? { volumeDriver: driver } : {})
})
const volCreate = (options: Record<string, string>, driver = "local") =>
  req("volume.create", { volume: { name: "x", driver, options } })

describe("mounts (seed rules, with cleaned paths)", () => {
  const rows: ReadonlyArray<Row> = [
    ["plain bind", seedLike, run({ mounts: [bind("/srv/app")] }), []],
    ["root", seedLike, run({ mounts: [bind("/")] }), ["mounts.blocked:V"]],
    ["'/' entry matches only '/', not everything", seedLike, run({ mounts: [bind("/tmp")] }), []],
    ["inside a blocked dir", seedLike, run({ mounts: [bind("/proc/1/root")] }), ["mounts.blocked:V"]],
    ["prefix is not inside (component-wise)", seedLike, run({ mounts: [bind("/procfs")] }), []],
    ["uncleaned source is cleaned", seedLike, run({ mounts: [bind("/var/run/../run/./docker.sock")] }), ["mounts.blocked:V"]],
    ["/. is /", seedLike, run({ mounts: [bind("/.")] }), ["mounts.blocked:V"]],
    ["allow_read_only skips read-only", seedLike, run({ mounts: [bind("/data/x", true)] }), []],
    ["allow_read_only still blocks rw", seedLike, run({ mounts: [bind("/data/x")] }), ["mounts.blocked:V"]],
    ["glob entry", seedLike, run({ mounts: [bind("/srv/app/secrets")] }), ["mounts.blocked:V"]],
    ["entry action warn", seedLike, run({ mounts: [bind("/opt/tools")] }), ["mounts.blocked:W"]],
    ["warned", seedLike, run({ mounts: [bind("/etc/nginx"), bind("/home/me")] }), ["mounts.warned:W", "mounts.warned:W"]],
    ["named volumes are not binds", seedLike, run({ mounts: [{ type: "volume", source: "/", target: "/x", readOnly: false, origin: "mount" }] }), []],
    ["block_bind_mounts", pol({ mounts: { block_bind_mounts: true } }), run({ mounts: [bind("/srv/a"), bind("/srv/b")] }),
      ["mounts.bind-blocked:V", "mounts.bind-blocked:V"]],
    ["tmpfs is not a bind", pol({ mounts: { block_bind_mounts: true } }), run({ mounts: [{ type: "tmpfs", source: "", target: "/t", readOnly: false, origin: "tmpfs" }] }), []]
  ]
  it.each(rows)("%s", (...row) => expect(apply(mountRules, row)).toEqual(row[3]))

  it("seed messages and points", () => {
    const fs = mountRules(run({ mounts: [bind("/proc"), bind("/"), bind("/etc")] }), seedLike, {})
    expect(fs.map((f) => [f.message, f.points, f.mitigation])).toEqual([
      ["no proc", 35, "Remove volume mount: /proc"],
      ["Mounting / is blocked", 35, "Remove volume mount: /"],
      ["Mounting /etc may expose sensitive data", 10, undefined]
    ])
  })
})

describe("mounts (added rules)", () => {
  const rows: ReadonlyArray<Row> = [
    ["docker socket blocked by default", pol(), run({ mounts: [bind("/var/run/docker.sock")] }), ["mounts.docker-socket:V"]],
    ["ancestor of the socket", pol(), run({ mounts: [bind("/run")] }), ["mounts.docker-socket:V"]],
    ["inside docker state dir", pol(), run({ mounts: [bind("/var/lib/docker/volumes")] }), ["mounts.docker-socket:V"]],
    ["containerd socket", pol(), run({ mounts: [bind("/run/containerd/containerd.sock")] }), ["mounts.docker-socket:V"]],
    ["'/' is left to mounts.blocked", pol(), run({ mounts: [bind("/")] }), []],
    ["unrelated path", pol(), run({ mounts: [bind("/srv/data")] }), []],
    ["docker_socket warn", pol({ mounts: { docker_socket: { action: "warn" } } }), run({ mounts: [bind("/run/docker.sock")] }), ["mounts.docker-socket:W"]],
    ["allow-list", pol({ mounts: { allowed: ["/srv", "/data/ro"] } }), run({ mounts: [bind("/srv/app"), bind("/data/rw"), bind("/srvx")] }),
      ["mounts.not-allowed:V", "mounts.not-allowed:V"]],
    ["read-only required", pol({ mounts: { require_read_only: true } }), run({ mounts: [bind("/srv/a", true), bind("/srv/b")] }),
      ["mounts.read-only-required:V"]],
    ["local volume o=bind device=/", pol(), run({ mounts: [volume({ type: "none", o: "bind", device: "/" })] }), ["mounts.volume-host-bind:V"]],
    ["device path also runs the blocked list", seedLike, run({ mounts: [volume({ type: "none", o: "rbind", device: "/var/run/docker.sock" })] }),
      ["mounts.blocked:V", "mounts.volume-host-bind:V"]],
    ["device path exposes the socket", pol(), run({ mounts: [volume({ o: "bind", device: "/var/run" })] }),
      ["mounts.docker-socket:V", "mounts.volume-host-bind:V"]],
    ["nfs type counts", pol(), run({ mounts: [volume({ type: "nfs", o: "addr=10.0.0.1", device: ":/export" })] }), ["mounts.volume-host-bind:V"]],
    ["tmpfs volume is fine", pol(), run({ mounts: [volume({ type: "tmpfs", device: "tmpfs" })] }), []],
    ["third-party driver options are not local binds", pol(), run({ mounts: [volume({ o: "bind", device: "/" }, "rexray")] }), []],
    ["volume driver allow-list", pol({ mounts: { allowed_volume_drivers: ["local"] } }), run({ mounts: [volume({}, "rexray"), volume({})] }),
      ["mounts.volume-driver:V"]],
    ["HostConfig.VolumeDriver applies to named volumes", pol({ mounts: { allowed_volume_drivers: ["local"] } }),
      run({ volumeDriver: "evil", mounts: [{ type: "volume", source: "v", target: "/v", readOnly: false, origin: "bind-spec" }] }), ["mounts.volume-driver:V"]],
    ["volumes-from warns by default", pol(), run({ volumesFrom: ["db"] }), ["mounts.volumes-from:W"]],
    ["volumes-from block", pol({ mounts: { volumes_from: { action: "block" } } }), run({ volumesFrom: ["db:ro"] }), ["mounts.volumes-from:V"]],
    ["shared propagation", pol(), run({ mounts: [bind("/srv/a", false, { propagation: "rshared" }), bind("/srv/b", false, { propagation: "rslave" })] }),
      ["mounts.shared-propagation:W"]],
    ["volume create with bind device", seedLike, volCreate({ type: "none", o: "bind", device: "/" }), ["mounts.volume-host-bind:V", "mounts.blocked:V"]],
    ["volume create plain", pol(), volCreate({}), []],
    ["volume create driver allow-list", pol({ mounts: { allowed_volume_drivers: ["local"] } }), volCreate({}, "sshfs"), ["mounts.volume-driver:V"]],
    ["volume create: empty driver is local", pol({ mounts: { allowed_volume_drivers: ["local"] } }), volCreate({}, ""), []]
  ]
  it.each(rows)("%s", (...row) => expect(apply(mountRules, row)).toEqual(row[3]))

  it("levels and points of added rules", () => {
    const fs = mountRules(run({ mounts: [bind("/var/run/docker.sock")], volumesFrom: ["x"] }), pol(), {})
    expect(fs.map((f) => [f.rule, f.level, f.category, f.points])).toEqual([
      ["mounts.docker-socket", "critical", "container_escape", 35],
      ["mounts.volumes-from", "medium", "data_exposure", 15]
    ])
  })
})

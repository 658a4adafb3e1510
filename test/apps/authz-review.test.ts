/** Security review (pre-release): bypasses of the `default` template found by probing the plugin end to end. */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { DaemonClient } from "../../src/apps/authz/deps.ts"
import type { TargetFacts } from "../../src/domain/request.ts"
import { b64, createEnvelope, startPlugin } from "./authz-helpers.ts"

const DEFAULT = readFileSync(join(import.meta.dirname, "..", "..", "policies", "default.yaml"), "utf8")
const json = { "Content-Type": "application/json" }
const req = (method: string, uri: string, body?: unknown) => ({ RequestMethod: method, RequestUri: uri, RequestHeaders: json, ...(body !== undefined ? { RequestBody: b64(body) } : {}) })
const facts = (id: string, privileged: boolean): TargetFacts => ({ id, privileged, hostMounts: [], capAdd: [], pidHost: false, networkHost: false })

const daemon = (over: Partial<DaemonClient>): DaemonClient => ({
  inspect: () => Promise.resolve(undefined),
  execContainer: () => Promise.resolve(undefined),
  networkName: () => Promise.resolve(undefined),
  volume: () => Promise.resolve(undefined),
  ...over
})

describe("exec target facts survive a rename onto a learned name", () => {
  it("denies exec into a privileged container renamed to the name of a gone, benign one", async () => {
    const benign = "b".repeat(64)
    const priv = "c".repeat(64)
    // the daemon's view after the rename: "web" is the privileged admin container
    const d = daemon({ inspect: (t) => Promise.resolve(t === "web" || t === "admin-shell" || t === priv ? facts(priv, true) : undefined) })
    const p = await startPlugin({ default: DEFAULT }, "default", { daemon: d })
    try {
      // 1. `docker run --rm --name web alpine true`: allowed and learned; --rm removes it without an API call
      const create = createEnvelope({ Image: "alpine:3.20", HostConfig: { AutoRemove: true } }, { RequestUri: "/v1.47/containers/create?name=web" })
      expect((await p.post("/AuthZPlugin.AuthZReq", create)).json["Allow"]).toBe(true)
      await p.post("/AuthZPlugin.AuthZRes", { ...create, ResponseStatusCode: 201, ResponseBody: b64({ Id: benign, Warnings: [] }) })
      expect(p.handler.facts.get("web")?.privileged).toBe(false)
      // 2. `docker rename admin-shell web` (lifecycle: allowed)
      expect((await p.post("/AuthZPlugin.AuthZReq", req("POST", "/v1.47/containers/admin-shell/rename?name=web"))).json["Allow"]).toBe(true)
      // 3. `docker exec -it web sh` runs in the privileged container
      const r = await p.post("/AuthZPlugin.AuthZReq", req("POST", "/v1.47/containers/web/exec", { Cmd: ["sh"], AttachStdin: true, Tty: true }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toContain("api.exec-into-privileged")
    } finally {
      await p.close()
    }
  })
})

describe("service specs", () => {
  const svc = (containerSpec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    req("POST", "/v1.47/services/create", { Name: "s", TaskTemplate: { ContainerSpec: { Image: "nginx:1.27", ...containerSpec }, ...extra } })

  it("Privileges.AppArmor.Mode disabled is apparmor=unconfined (swarm's executor), denied like a container", async () => {
    const p = await startPlugin({ default: DEFAULT }, "default")
    try {
      const r = await p.post("/AuthZPlugin.AuthZReq", svc({ Privileges: { AppArmor: { Mode: "disabled" } } }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toContain("security.apparmor-unconfined")
      // the container form is denied too (parity)
      const c = await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "nginx:1.27", HostConfig: { SecurityOpt: ["apparmor=unconfined"] } }))
      expect(c.json["Allow"]).toBe(false)
    } finally {
      await p.close()
    }
  })

  it("a network given by ID that cannot be resolved is denied, not assumed to be a bridge", async () => {
    const hostId = "h0s7".repeat(6) + "0"
    const broken = daemon({ networkName: () => Promise.reject(new Error("connect ECONNREFUSED /var/run/docker.sock")) })
    const p = await startPlugin({ default: DEFAULT }, "default", { daemon: broken })
    try {
      // `docker service create --network host nginx` sends the host network's ID
      const r = await p.post("/AuthZPlugin.AuthZReq", svc({}, { Networks: [{ Target: hostId }] }))
      expect(r.json["Allow"]).toBe(false)
    } finally {
      await p.close()
    }
    // the same request with a working daemon resolves the ID to host and names the rule
    const ok = await startPlugin({ default: DEFAULT }, "default", { daemon: daemon({ networkName: (id) => Promise.resolve(id === hostId ? "host" : undefined) }) })
    try {
      const r = await ok.post("/AuthZPlugin.AuthZReq", svc({}, { Networks: [{ Target: hostId }] }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toContain("namespaces.host-network")
      // an ordinary overlay network still passes
      expect((await ok.post("/AuthZPlugin.AuthZReq", svc({}, { Networks: [{ Target: "n".repeat(25) }] }))).json["Allow"]).toBe(true)
    } finally {
      await ok.close()
    }
  })
})

describe("inline seccomp profiles", () => {
  const withProfile = (profile: unknown) => createEnvelope({ Image: "nginx:1.27", HostConfig: { SecurityOpt: [`seccomp=${JSON.stringify(profile)}`] } })
  const errno = (syscalls: ReadonlyArray<Record<string, unknown>>) => ({ defaultAction: "SCMP_ACT_ERRNO", syscalls })

  it("a profile that allows namespace/mount/kernel syscalls unconditionally is as bad as seccomp=unconfined", async () => {
    const p = await startPlugin({ default: DEFAULT }, "default")
    try {
      for (const profile of [
        errno([{ names: ["read", "write", "unshare", "mount"], action: "SCMP_ACT_ALLOW" }]),
        errno([{ nameſ: ["keyctl"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_CHOWN"] } }]), // a default cap: applies to everyone
        errno([{ name: "bpf", action: "SCMP_ACT_LOG" }])
      ]) {
        const r = await p.post("/AuthZPlugin.AuthZReq", withProfile(profile))
        expect(r.json["Allow"], JSON.stringify(profile)).toBe(false)
        expect(String(r.json["Msg"])).toContain("security.seccomp-permissive")
      }
      // the same syscalls gated on a capability the caps rules judge (as Docker's own default profile does) pass
      const gated = errno([{ names: ["read", "write"], action: "SCMP_ACT_ALLOW" }, { names: ["unshare", "mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } }])
      expect((await p.post("/AuthZPlugin.AuthZReq", withProfile(gated))).json["Allow"]).toBe(true)
    } finally {
      await p.close()
    }
  })
})

describe("writable binds of host system paths", () => {
  it("denies rw binds of /etc files, /usr/bin and the cron spool; the :ro forms still pass", async () => {
    const p = await startPlugin({ default: DEFAULT }, "default")
    const allow = async (binds: ReadonlyArray<string>) => (await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "alpine:3.20", HostConfig: { Binds: binds } }))).json["Allow"]
    try {
      for (const b of ["/etc/passwd:/h", "/etc/cron.d:/h", "/etc/systemd/system:/h", "/usr/bin:/h", "/bin:/h", "/sbin:/h", "/lib64:/h", "/var/spool/cron:/h", "/var/lib/containerd:/h:ro"]) {
        expect(await allow([b]), b).toBe(false)
      }
      for (const b of ["/etc/localtime:/etc/localtime:ro", "/usr/share/zoneinfo:/usr/share/zoneinfo:ro", "/srv/app:/app"]) expect(await allow([b]), b).toBe(true)
    } finally {
      await p.close()
    }
  })
})

describe("--volumes-from copies the source container's host binds", () => {
  it("denies volumes-from a container that binds the host root; a plain source only warns", async () => {
    const rooted = "d".repeat(64)
    const plain = "e".repeat(64)
    const d = daemon({
      inspect: (t) => Promise.resolve(t === "backup" ? { ...facts(rooted, false), hostMounts: ["/"] } : t === "data" ? facts(plain, false) : undefined)
    })
    const p = await startPlugin({ default: DEFAULT }, "default", { daemon: d })
    try {
      const r = await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "alpine:3.20", HostConfig: { VolumesFrom: ["backup:ro"] } }))
      expect(r.json["Allow"]).toBe(false)
      expect(String(r.json["Msg"])).toContain("mounts.blocked")
      expect((await p.post("/AuthZPlugin.AuthZReq", createEnvelope({ Image: "alpine:3.20", HostConfig: { VolumesFrom: ["data"] } }))).json["Allow"]).toBe(true)
    } finally {
      await p.close()
    }
  })
})

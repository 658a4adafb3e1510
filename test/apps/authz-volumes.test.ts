/**
 * A named volume created with local-driver bind options and then mounted by name
 * (`-v rootvol:/host`): the plugin fills the mount with the volume's real driver options,
 * learned from the volume create's AuthZRes or asked of the daemon, and denies it.
 */
import { existsSync, readFileSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inspectVolume } from "../../src/adapters/docker-api.ts"
import { FactsStore } from "../../src/adapters/facts.ts"
import { decodeAuthZResponse } from "../../src/adapters/engine-api/decode.ts"
import type { DaemonClient } from "../../src/apps/authz/deps.ts"
import { b64, createEnvelope, fixture, startPlugin, type Plugin } from "./authz-helpers.ts"
import { ensureBuilt, fakeDocker, recordedCalls, sentinel } from "./cli-helpers.ts"
import { daemonSocketFor } from "../../src/apps/cli/volume-lookup.ts"

const DEFAULT = readFileSync(join(import.meta.dirname, "..", "..", "policies", "default.yaml"), "utf8")
const ROOTVOL_DOC = Buffer.from(String(fixture("287").res?.["ResponseBody"]), "base64").toString("utf8")

const run = (binds: ReadonlyArray<string>, mounts: ReadonlyArray<Record<string, unknown>> = []) =>
  createEnvelope({ Image: "busybox:local", Cmd: ["true"], HostConfig: { Binds: binds, Mounts: mounts } })
const volumeCreated = (name: string, options: Record<string, string> | null) => ({
  RequestMethod: "POST",
  RequestUri: "/v1.41/volumes/create",
  RequestBody: b64({ Name: name, Driver: "local", DriverOpts: options ?? {} }),
  RequestHeaders: { "Content-Type": "application/json" },
  ResponseStatusCode: 201,
  ResponseBody: b64({ Name: name, Driver: "local", Options: options, Scope: "local", Mountpoint: `/var/lib/docker/volumes/${name}/_data` })
})
const answer = (r: { json: Record<string, unknown> }) => ({ allow: r.json["Allow"], msg: String(r.json["Msg"]) })

/** A fake daemon API socket: GET /volumes/{name} answers from `volumes` (404 otherwise); `status` forces an error. */
const fakeDaemon = async (volumes: Record<string, string>, status?: number): Promise<{ socket: string; server: Server; asked: Array<string> }> => {
  const socket = join(tmpdir(), `sentinel-fake-daemon-${process.pid}-${Math.random().toString(16).slice(2)}.sock`)
  const asked: Array<string> = []
  const server = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`)
    const name = decodeURIComponent((req.url ?? "").replace(/^\/volumes\//, ""))
    if (status !== undefined) return void res.writeHead(status).end(`{"message":"boom"}`)
    const doc = volumes[name]
    if (doc === undefined) return void res.writeHead(404).end(`{"message":"get ${name}: no such volume"}`)
    res.writeHead(200, { "Content-Type": "application/json" }).end(doc)
  })
  await new Promise<void>((r) => server.listen(socket, r))
  return { socket, server, asked }
}
const daemonAt = (socket: string, timeoutMs = 300): DaemonClient => ({
  inspect: () => Promise.resolve(undefined),
  execContainer: () => Promise.resolve(undefined),
  networkName: () => Promise.resolve(undefined),
  volume: (name) => inspectVolume(socket, name, timeoutMs)
})

describe("decodeAuthZResponse: volumes", () => {
  it("learns a created volume's driver and options from the 201 body, and forgets removed volumes", () => {
    expect(decodeAuthZResponse(fixture("283").res)).toEqual({ volume: { name: "rootvol", driver: "local", options: { device: "/", o: "bind", type: "none" } } })
    expect(decodeAuthZResponse(volumeCreated("plain", null))).toEqual({ volume: { name: "plain", driver: "local", options: {} } })
    expect(decodeAuthZResponse(fixture("500").res)).toEqual({ volumeRemoved: "rootvol" })
    expect(decodeAuthZResponse({ ...volumeCreated("x", null), ResponseStatusCode: 500, ResponseBody: b64({ message: "nope" }) })).toEqual({})
  })
})

describe("FactsStore: volumes", () => {
  it("is a bounded LRU; removal and prune forget", () => {
    const s = new FactsStore(2)
    const v = (name: string) => ({ volume: { name, driver: "local", options: {} } })
    s.learnVolumes(v("a"))
    s.learnVolumes(v("b"))
    s.learnVolumes(v("c"))
    expect([s.volume("a"), s.volume("b")?.driver, s.volume("c")?.driver]).toEqual([undefined, "local", "local"])
    s.learnVolumes({ volumeRemoved: "b" })
    expect(s.volume("b")).toBeUndefined()
    s.learnVolumes({ volumesPruned: true })
    expect(s.volume("c")).toBeUndefined()
  })
})

describe("named volumes mounted by name (learned from AuthZRes, no daemon)", () => {
  let p: Plugin
  beforeAll(async () => {
    p = await startPlugin({ default: DEFAULT }, "default")
  })
  afterAll(async () => {
    await p.close()
  })

  it("denies -v rootvol:/host and --mount src=rootvol after the bind volume's create was seen (fixtures 283, 288, 292)", async () => {
    const create = answer(await p.post("/AuthZPlugin.AuthZReq", fixture("283").req))
    expect(create.allow).toBe(false) // the create itself is denied by the default policy...
    expect(create.msg).toContain("mounts.volume-host-bind")
    // ...but suppose it ran anyway (another policy, an admin binding): the daemon's answer teaches the plugin
    expect((await p.post("/AuthZPlugin.AuthZRes", fixture("283").res)).json["Allow"]).toBe(true)
    expect(p.handler.facts.volume("rootvol")).toEqual({ driver: "local", options: { device: "/", o: "bind", type: "none" } })
    for (const n of ["288", "292"]) {
      const a = answer(await p.post("/AuthZPlugin.AuthZReq", fixture(n).req))
      expect(a.allow, n).toBe(false)
      expect(a.msg, n).toContain("mounts.volume-host-bind")
      expect(a.msg, n).toContain("mounts.blocked") // device=/ is the host root
    }
    // benign inline options do not apply to an existing volume: its own options still count
    const inline = answer(await p.post("/AuthZPlugin.AuthZReq", run([], [{ Type: "volume", Source: "rootvol", Target: "/h", VolumeOptions: { DriverConfig: { Name: "local", Options: { foo: "bar" } } } }])))
    expect(inline.allow).toBe(false)
    expect(inline.msg).toContain("mounts.volume-host-bind")
  })

  it("allows a plain named volume it saw created, and anonymous volumes, without asking anyone", async () => {
    await p.post("/AuthZPlugin.AuthZRes", volumeCreated("data", null))
    expect(answer(await p.post("/AuthZPlugin.AuthZReq", run(["data:/d"]))).allow).toBe(true)
    expect(answer(await p.post("/AuthZPlugin.AuthZReq", run([], [{ Type: "volume", Source: "", Target: "/anon" }]))).allow).toBe(true)
  })

  it("fails closed for a volume it never saw when it cannot ask the daemon, and after the volume's removal", async () => {
    const a = answer(await p.post("/AuthZPlugin.AuthZReq", run(["never-seen:/d"])))
    expect(a.allow).toBe(false)
    expect(a.msg).toContain("api.volume-unknown")
    expect(a.msg).toContain(`named volume "never-seen"`)
    await p.post("/AuthZPlugin.AuthZRes", fixture("500").res) // docker volume rm rootvol
    expect(p.handler.facts.volume("rootvol")).toBeUndefined()
    expect(answer(await p.post("/AuthZPlugin.AuthZReq", fixture("288").req)).msg).toContain("api.volume-unknown")
  })
})

describe("named volumes looked up through the daemon", () => {
  it("denies a pre-existing bind volume, allows a plain or missing one (GET /volumes/{name})", async () => {
    const fake = await fakeDaemon({ rootvol: ROOTVOL_DOC, data: JSON.stringify({ Name: "data", Driver: "local", Options: null }) })
    const p = await startPlugin({ default: DEFAULT }, "default", { daemon: daemonAt(fake.socket) })
    try {
      const denied = answer(await p.post("/AuthZPlugin.AuthZReq", fixture("288").req))
      expect(denied.allow).toBe(false)
      expect(denied.msg).toContain("mounts.volume-host-bind")
      expect(fake.asked).toContain("GET /volumes/rootvol")
      expect(answer(await p.post("/AuthZPlugin.AuthZReq", run(["data:/d", "data:/e"]))).allow).toBe(true)
      expect(fake.asked.filter((x) => x === "GET /volumes/data")).toHaveLength(1) // one look-up per volume
      expect(answer(await p.post("/AuthZPlugin.AuthZReq", run(["brand-new:/d"]))).allow).toBe(true) // 404: docker creates it empty
      const svc = {
        RequestMethod: "POST",
        RequestUri: "/v1.41/services/create",
        RequestBody: b64({ Name: "s", TaskTemplate: { ContainerSpec: { Image: "busybox:local", Mounts: [{ Type: "volume", Source: "rootvol", Target: "/host" }] } } }),
        RequestHeaders: { "Content-Type": "application/json" }
      }
      const s = answer(await p.post("/AuthZPlugin.AuthZReq", svc))
      expect(s.allow).toBe(false)
      expect(s.msg).toContain("mounts.volume-host-bind")
    } finally {
      await p.close()
      fake.server.close()
      rmSync(fake.socket, { force: true })
    }
  })

  it("denies (volume-unknown) when the look-up fails: an error status, a timeout, an unreachable daemon", async () => {
    const broken = await fakeDaemon({}, 500)
    const silent = join(tmpdir(), `sentinel-silent-${process.pid}.sock`)
    const hang = createServer(() => undefined) // accepts, never answers
    await new Promise<void>((r) => hang.listen(silent, r))
    try {
      for (const [what, daemon] of [["500", daemonAt(broken.socket)], ["timeout", daemonAt(silent, 100)], ["unreachable", daemonAt(join(tmpdir(), "no-such-daemon.sock"))]] as const) {
        const p = await startPlugin({ default: DEFAULT }, "default", { daemon })
        try {
          const a = answer(await p.post("/AuthZPlugin.AuthZReq", fixture("288").req))
          expect(a.allow, what).toBe(false)
          expect(a.msg, what).toContain("api.volume-unknown")
          expect(a.msg, what).toContain(`named volume "rootvol"`)
          expect(p.handler.counters.errors, what).toBe(0) // a decision, not an internal failure
        } finally {
          await p.close()
        }
      }
    } finally {
      broken.server.close()
      hang.closeAllConnections()
      hang.close()
      rmSync(broken.socket, { force: true })
      rmSync(silent, { force: true })
    }
  })
})

describe("sentinel exec: named volumes looked up through the local daemon (validate does not)", () => {
  beforeAll(ensureBuilt, 120_000)
  const RUN = ["docker", "run", "--rm", "-v", "rootvol:/host", "busybox:local", "true"]

  it("only asks a daemon it is sure of: DOCKER_HOST unix://, no global flags, no context", () => {
    expect(daemonSocketFor(RUN, { DOCKER_HOST: "unix:///tmp/d.sock" })).toBe("/tmp/d.sock")
    expect(daemonSocketFor(["docker", "-H", "unix:///tmp/x.sock", "run", "v:/d", "b"], { DOCKER_HOST: "unix:///tmp/d.sock" })).toBeUndefined()
    expect(daemonSocketFor(RUN, { DOCKER_HOST: "tcp://127.0.0.1:2375" })).toBeUndefined()
    expect(daemonSocketFor(RUN, { DOCKER_HOST: "unix:///tmp/d.sock", DOCKER_CONTEXT: "remote" })).toBeUndefined()
  })

  it.each([["bin/sentinel", false], ["node bin/sentinel.js", true]])("%s: exec denies a pre-created bind volume; validate and an unreachable daemon do not", async (_, plain) => {
    const fake = await fakeDaemon({ rootvol: ROOTVOL_DOC })
    const docker = fakeDocker(0)
    const env = { PATH: `${docker.dir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`, DOCKER_HOST: `unix://${fake.socket}` }
    try {
      const ex = await sentinel(["exec", "--", ...RUN], { env, plain })
      expect(ex.code, ex.err).toBe(1)
      expect(ex.out + ex.err).toContain("mounts.volume-host-bind")
      expect(fake.asked).toEqual(["GET /volumes/rootvol"])
      expect(existsSync(docker.argvFile)).toBe(false) // docker never ran
      const va = await sentinel(["validate", "--", ...RUN], { env, plain })
      expect(va.code, va.out).toBe(0) // no daemon look-up in validate
      expect(fake.asked).toHaveLength(1)
      const gone = await sentinel(["exec", "--", ...RUN], { env: { ...env, DOCKER_HOST: `unix://${fake.socket}.gone` }, plain })
      expect(gone.code, gone.err).toBe(0) // best effort: the plugin is the enforcement point
      expect(recordedCalls(readFileSync(docker.argvFile, "utf8"))).toEqual([RUN.slice(1)])
    } finally {
      fake.server.close()
      rmSync(fake.socket, { force: true })
    }
  })
})

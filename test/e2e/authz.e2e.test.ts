/**
 * The real plugin in front of a real private dockerd: through the docker CLI and raw API
 * requests over the daemon's socket. Everything started here is stopped by PID.
 */
import { spawnSync } from "node:child_process"
import { generateKeyPairSync } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { busyboxRootfsTar, e2ePrerequisites, startDaemon, uniqueName, type Daemon, type RawResponse } from "./harness.ts"
import { startPluginProcess, type PluginProcess } from "./authz-process.ts"
import { post } from "../apps/authz-helpers.ts"

const missing = e2ePrerequisites()
if (missing !== undefined && process.env["CI"] !== undefined) throw new Error(`e2e prerequisites missing in CI: ${missing}`)

/** a host dir the "block" policy refuses to mount, so exec into a container that has it is an escalation */
const GUARDED = `/srv/sentinel-e2e-${process.pid}`
const policy = (privileged: "block" | "allow") => `name: e2e
mode: enforce
settings:
  max_risk_score: 100
rules:
  privileged:
    action: ${privileged}
  host_namespaces:
    network: { action: block }
    pid: { action: block }
    ipc: { action: block }
    uts: { action: block }
  capabilities:
    blocked:
      - name: SYS_ADMIN
      - name: SYS_PTRACE
      - name: SYS_MODULE
  mounts:
    blocked:${privileged === "block" ? `\n      - path: /\n      - path: ${GUARDED}` : ""}
      - path: /etc
      - path: /proc
      - path: /root
  api:
    swarm: { action: allow }
`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(missing !== undefined)("AuthZ plugin against a real dockerd", () => {
  let plugin: PluginProcess
  let d: Daemon
  let name: string
  let dockerHost: string
  const deniedBy = (text: string) => expect(text).toContain(`authorization denied by plugin ${name}`)
  const rawDenied = (r: RawResponse) => {
    expect(r.status, r.body).toBe(403)
    deniedBy(r.body)
  }
  const json = (body: string) => ({ "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) })
  const create = (path: string, body: string) => d.raw({ method: "POST", path, body, headers: { "Content-Type": "application/json" } })

  beforeAll(async () => {
    name = uniqueName("sentinel-e2e")
    const link = join(mkdtempSync(join(tmpdir(), "sentinel-dh-")), "docker.sock")
    dockerHost = `unix://${link}`
    plugin = await startPluginProcess({ e2e: policy("block") }, "e2e", ["--docker-host", dockerHost])
    // an image with a planted private key (generated at run time: no secret literal in the repository)
    const pem = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()
    const leaky = busyboxRootfsTar((rootfs) => {
      mkdirSync(join(rootfs, "root", ".ssh"), { recursive: true })
      writeFileSync(join(rootfs, "root", ".ssh", "id_rsa"), pem, { mode: 0o600 })
    })
    d = await startDaemon({ authz: { name, socket: plugin.socket }, preload: { "busybox:local": busyboxRootfsTar(), "localhost:5999/leaky:1": leaky } })
    symlinkSync(d.socket, link)
  })
  afterAll(async () => {
    await d?.stop()
    await plugin?.remove()
    rmSync(GUARDED, { recursive: true, force: true })
  })

  it("allows benign run, exec and build", () => {
    const run = d.docker(["run", "--rm", "busybox:local", "echo", "hello"])
    expect(run.stderr).toBe("")
    expect(run.stdout.trim()).toBe("hello")
    expect(d.docker(["run", "-d", "--name", "web", "busybox:local", "sleep", "300"]).code).toBe(0)
    const ex = d.docker(["exec", "web", "echo", "hi"])
    expect(ex.stdout.trim(), ex.stderr).toBe("hi")
    const build = spawnSync("docker", ["build", "-q", "-t", "e2e/app:1", "-"], {
      input: "FROM busybox:local\nRUN echo built > /built\n",
      env: { ...process.env, DOCKER_HOST: d.host, DOCKER_BUILDKIT: "0" },
      encoding: "utf8"
    })
    expect(build.status, build.stderr).toBe(0)
  })

  it("denies escalations through the docker CLI, and the deny message reaches it", () => {
    const cases: Array<[Array<string>, string]> = [
      [["--privileged"], "runtime.privileged"],
      [["-v", "/:/host"], "mounts."],
      [["-v", "/etc:/x:ro"], "mounts.blocked"],
      [["--mount", "type=bind,src=/etc,dst=/x"], "mounts.blocked"],
      [["-v", "/var/run/docker.sock:/var/run/docker.sock"], "mounts.docker-socket"],
      [["--mount", "type=volume,src=evilvol,dst=/d,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/"], "mounts.volume-host-bind"],
      [["--cap-add", "SYS_ADMIN"], "capabilities.blocked"],
      [["--cap-add", "ALL"], "capabilities.all"],
      [["--pid", "host"], "namespaces.host-pid"],
      [["--network", "host"], "namespaces.host-network"],
      [["--ipc", "host"], "namespaces.host-ipc"],
      [["--uts", "host"], "namespaces.host-uts"],
      [["--userns", "host"], "namespaces.host-userns"],
      [["--device", "/dev/null:/dev/xnull"], "devices.host-device"],
      [["--security-opt", "seccomp=unconfined"], "security.seccomp-unconfined"],
      [["--security-opt", "systempaths=unconfined"], "security.systempaths-unconfined"]
    ]
    for (const [flags, rule] of cases) {
      const r = d.docker(["create", ...flags, "busybox:local", "true"])
      expect(r.code, `${flags.join(" ")}: ${r.stdout}`).not.toBe(0)
      deniedBy(r.stderr)
      expect(r.stderr, flags.join(" ")).toContain(rule)
    }
    const priv = d.docker(["run", "--rm", "--privileged", "busybox:local", "true"])
    expect(priv.stderr).toMatch(/\[CRITICAL\] .*\(runtime\.privileged\)/)
    expect(priv.stderr).toMatch(/risk score \d+\/100/)
  })

  it("scans pushes for secrets inside AuthZReq: a leaky image is blocked, a clean one reaches docker", () => {
    const leaky = d.docker(["push", "localhost:5999/leaky:1"])
    expect(leaky.code).not.toBe(0)
    deniedBy(leaky.stderr)
    expect(leaky.stderr).toMatch(/SECRETS DETECTED|scanning\.secrets/)
    expect(d.docker(["tag", "busybox:local", "localhost:5999/clean:1"]).code).toBe(0)
    const clean = d.docker(["push", "localhost:5999/clean:1"])
    expect(clean.code).not.toBe(0) // there is no registry on localhost:5999
    expect(clean.stderr).not.toContain("authorization denied")
  })

  it("denies volume create with local-driver bind options", () => {
    const r = d.docker(["volume", "create", "-o", "type=none", "-o", "o=bind", "-o", "device=/", "rootvol"])
    expect(r.code).not.toBe(0)
    deniedBy(r.stderr)
    expect(d.docker(["volume", "create", "plainvol"]).code).toBe(0)
  })

  it("denies exec --privileged and exec into a container it learned is privileged", () => {
    const r = d.docker(["exec", "--privileged", "web", "id"])
    expect(r.code).not.toBe(0)
    deniedBy(r.stderr)
  })

  it("denies JSON the daemon reads differently from JSON.parse", async () => {
    const bodies = [
      '{"image":"busybox:local","hostconfig":{"privileged":true}}',
      '{"IMAGE":"busybox:local","HOSTCONFIG":{"PRIVILEGED":true}}',
      '{"Image":"busybox:local","Ho\u017ftConfig":{"Bind\u017f":["/:/host"]}}',
      '{"Image":"busybox:local","HostConfig":{"Privileged":true},"HostConfig":{"Memory":0}}',
      '{"Image":"busybox:local","HostConfig":{"Privileged":false},"hostconfig":{"Privileged":true}}',
      '{"Image":"busybox:local","HostConfig":{"Privileged":false,"Privileged":true}}',
      '{"Image":"busybox:local","HostConfig":{"Privileged":true}}xyz',
      '{"Image":"busybox:local","HostConfig":{"Privil\\u0065ged":true}}',
      '{"Image":"busybox:local","Privileged":true,"Binds":["/:/host"]}',
      '{"Image":"busybox:local","HostConfig":null,"Privileged":true}',
      '{"image":"busybox:local","hostconfig":{"mounts":[{"type":"bind","source":"/etc","target":"/x"}],"capadd":["SYS_ADMIN"],"pidmode":"host"}}'
    ]
    for (const b of bodies) rawDenied(await create("/v1.41/containers/create", b))
  })

  it("denies odd path spellings of containers/create", async () => {
    const body = '{"Image":"busybox:local","HostConfig":{"Privileged":true}}'
    for (const path of ["/containers/create", "/v1.41/containers%2Fcreate", "/v1.41/%63ontainers/create", "/v1.41./containers/create", "/v01.041/containers/create", "/v1.24/containers/create", "/v1.41/containers/create?x=/v1.41/containers/json", "http://localhost/v1.41/containers/create"]) {
      rawDenied(await create(path, body))
    }
  })

  it("denies chunked, oversized and non-JSON bodies on body-bearing endpoints", async () => {
    const priv = '{"Image":"busybox:local","HostConfig":{"Privileged":true,"Binds":["/:/host"]}}'
    rawDenied(await d.raw({ method: "POST", path: "/v1.41/containers/create", body: priv, chunked: true, headers: { "Content-Type": "application/json" } }))
    const Labels: Record<string, string> = {}
    for (let i = 0; i < 12_000; i++) Labels[`l${i}`] = "x".repeat(80)
    const big = JSON.stringify({ Image: "busybox:local", Labels, HostConfig: { Privileged: true, Binds: ["/:/host"] } })
    expect(big.length).toBeGreaterThan(1024 * 1024)
    const r = await create("/v1.41/containers/create", big)
    rawDenied(r)
    expect(r.body).toMatch(/did not forward|missing-body/)
    rawDenied(await d.raw({ method: "POST", path: "/v1.41/services/create", body: '{"Name":"x","TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Mounts":[{"Type":"bind","Source":"/","Target":"/h"}]}}}', headers: { "Content-Type": "text/plain" } }))
  })

  it("denies a legacy start that carries a HostConfig (API < 1.24)", async () => {
    const c = await create("/v1.23/containers/create?name=legacy", '{"Image":"busybox:local","Cmd":["true"]}')
    expect(c.status, c.body).toBe(201)
    const id = (JSON.parse(c.body) as { Id: string }).Id
    const body = '{"Binds":["/:/host"],"CapAdd":["SYS_ADMIN"],"PidMode":"host"}'
    rawDenied(await d.raw({ method: "POST", path: `/v1.23/containers/${id}/start`, body, headers: json(body) }))
  })

  it("denies services with bind mounts (swarm on the private daemon)", () => {
    const init = d.docker(["swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", "127.0.0.1:0"])
    if (init.code !== 0) {
      console.warn(`swarm init failed on the private daemon, service checks skipped: ${init.stderr}`)
      return
    }
    const r = d.docker(["service", "create", "-d", "--name", "svcbind", "--mount", "type=bind,src=/etc,dst=/h", "busybox:local", "sleep", "60"])
    expect(r.code).not.toBe(0)
    deniedBy(r.stderr)
    const caps = d.docker(["service", "create", "-d", "--name", "svccap", "--cap-add", "SYS_ADMIN", "busybox:local", "sleep", "60"])
    expect(caps.code).not.toBe(0)
    deniedBy(caps.stderr)
    d.docker(["swarm", "leave", "--force"])
  })

  it("hot reload flips a decision live; a broken edit keeps the old policy; exec/cp into a host-mounted container is denied", async () => {
    const priv = () => d.docker(["create", "--privileged", "busybox:local", "true"])
    expect(priv().code).not.toBe(0)
    plugin.writePolicy("e2e", policy("allow"))
    let ok = false
    for (let i = 0; i < 50 && !ok; i++) {
      await sleep(200)
      ok = priv().code === 0
    }
    expect(ok, plugin.log()).toBe(true)
    // while binds of GUARDED are allowed, start a container with it mounted; its facts are learned
    // from AuthZRes. Once the policy blocks GUARDED, exec into it is an escalation.
    const hostDir = join(GUARDED, "data")
    mkdirSync(hostDir, { recursive: true })
    const started = d.docker(["run", "-d", "--name", "hostmnt", "-v", `${hostDir}:/h`, "busybox:local", "sleep", "300"])
    expect(started.code, started.stderr).toBe(0)
    plugin.writePolicy("e2e", `${policy("block")}\n  bogus_key: 1\n`)
    await sleep(1500)
    const st = await post(plugin.socket, "/Sentinel.Status", "", "GET")
    expect(String((st.json["policy"] as { lastError?: string }).lastError)).toMatch(/bogus_key/)
    expect(priv().code).toBe(0) // still the last good (allowing) policy
    plugin.writePolicy("e2e", policy("block"))
    let blocked = false
    for (let i = 0; i < 50 && !blocked; i++) {
      await sleep(200)
      blocked = priv().code !== 0
    }
    expect(blocked).toBe(true)
    const ex = d.docker(["exec", "hostmnt", "id"])
    expect(ex.code).not.toBe(0)
    deniedBy(ex.stderr)
    expect(ex.stderr).toContain("api.exec-into-privileged")
    const cp = d.docker(["cp", "/etc/hostname", "hostmnt:/tmp/x"])
    expect(cp.code).not.toBe(0)
    deniedBy(cp.stderr)
    const benign = d.docker(["exec", "web", "true"])
    expect(benign.code, benign.stderr).toBe(0)
  })

  it("after a crash and restart, learns unknown targets by inspecting them through the daemon", async () => {
    await plugin.kill9()
    rmSync(join(plugin.dir, "cache", "authz-facts.json"), { force: true }) // forget what was learned: the plugin must ask the daemon
    plugin = await startPluginProcess({}, "e2e", ["--docker-host", dockerHost], plugin.dir)
    const ex = d.docker(["exec", "hostmnt", "id"])
    expect(ex.code).not.toBe(0)
    deniedBy(ex.stderr)
    expect(ex.stderr).toMatch(/api\.exec-into-privileged.*|mounts host paths/)
    expect(d.docker(["exec", "web", "true"]).code).toBe(0)
  })
})

/**
 * Cross-check against reality: every docker command line in the captured AuthZ fixtures
 * (real docker 28 CLI → real dockerd) must parse, and for run/create/exec the parsed model
 * must match the body the real CLI actually sent.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"
import { normalizeCaps } from "../../src/domain/caps.ts"
import { parseSecurityOpt } from "../../src/domain/secopt.ts"
import { cleanPath } from "../../src/domain/paths.ts"
import type { DockerRequest } from "../../src/domain/request.ts"
import { decodeAuthZRequest } from "../../src/adapters/engine-api/decode.ts"

const DIR = join(import.meta.dirname, "../fixtures/authz")
interface Fixture { command: string; req: { RequestMethod: string; RequestUri: string; RequestBody?: string | null } }
const fixtures: Array<Fixture> = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture)

/** Minimal POSIX-ish tokenizer: quotes; stops at an unquoted | < > ; & or #; drops leading VAR=x. */
const tokenize = (s: string): Array<string> => {
  const out: Array<string> = []
  let cur = "", has = false, i = 0
  while (i < s.length) {
    const c = s[i] ?? ""
    if (c === "'" || c === '"') {
      const j = s.indexOf(c, i + 1)
      cur += s.slice(i + 1, j)
      has = true
      i = j + 1
    } else if (c === " ") {
      if (has) out.push(cur)
      cur = ""
      has = false
      i++
    } else if ("|<>;&#".includes(c) && !has) {
      break
    } else {
      cur += c
      has = true
      i++
    }
  }
  if (has) out.push(cur)
  while (out[0]?.includes("=") === true) out.shift()
  return out
}

const noFiles = { readFile: (p: string): string => { throw new Error(`no file ${p} in tests`) }, cwd: "/srv/cap/work" }
const dockerLines = [...new Set(fixtures.map((f) => f.command))].filter((c) => tokenize(c)[0] === "docker")

type Json = Record<string, unknown>
const body = (f: Fixture): Json => JSON.parse(Buffer.from(f.req.RequestBody ?? "", "base64").toString("utf8")) as Json
const arr = (v: unknown): Array<string> => (Array.isArray(v) ? v.map(String) : [])
const parsedRequest = (cmd: string): DockerRequest => {
  const r = parseDockerCommand(tokenize(cmd), noFiles)
  if (r._tag !== "Parsed") throw new Error(`${cmd}: ${r.message}`)
  return r.request
}

describe("captured docker command lines", () => {
  it("has a corpus", () => expect(dockerLines.length).toBeGreaterThan(200))
  it("every docker command parses (except --env-file, whose file is not in the fixtures)", () => {
    for (const cmd of dockerLines) {
      const r = parseDockerCommand(tokenize(cmd), noFiles)
      if (cmd.includes("--env-file")) expect(r._tag, cmd).toBe("UsageError")
      else expect(r._tag, `${cmd}: ${r._tag === "UsageError" ? r.message : ""}`).toBe("Parsed")
    }
  })
})

const creates = fixtures.filter(
  (f) => /\/containers\/create/.test(f.req.RequestUri) && typeof f.req.RequestBody === "string" &&
    /^docker (.* )?(run|create) /.test(f.command) && !f.command.includes("--env-file")
)
const execs = fixtures.filter(
  (f) => /\/containers\/[^/]+\/exec$/.test(f.req.RequestUri) && typeof f.req.RequestBody === "string" && /^docker (.* )?exec /.test(f.command)
)

describe("run/create agree with what the real CLI sent", () => {
  it("has cases", () => expect(creates.length).toBeGreaterThan(60))
  it.each(creates.map((f) => [f.command, f] as const))("%s", (cmd, f) => {
    const b = body(f)
    const hc = (b["HostConfig"] ?? {}) as Json
    const c = parsedRequest(cmd).container
    if (c === undefined) throw new Error("no container")
    expect(c.image?.raw).toBe(b["Image"])
    expect(c.cmd).toEqual(arr(b["Cmd"]))
    expect(c.privileged).toBe(hc["Privileged"])
    expect(c.readOnlyRootfs).toBe(hc["ReadonlyRootfs"])
    expect(c.user ?? "").toBe(b["User"])
    expect(c.workingDir ?? "").toBe(b["WorkingDir"])
    expect(c.env.map((e) => e.key)).toEqual(arr(b["Env"]).map((e) => e.split("=")[0]))
    expect(c.labels).toEqual(b["Labels"] ?? {})
    const binds = arr(hc["Binds"]).map((s) => {
      const [src = "", dst = "", mode = ""] = s.split(":")
      return `${src.startsWith("/") ? cleanPath(src) : src}>${dst}>${mode.split(",").includes("ro")}`
    })
    expect(c.mounts.filter((m) => m.origin === "bind-spec" && m.source !== "").map((m) => `${m.source}>${m.target}>${m.readOnly}`))
      .toEqual(binds)
    const mounts = ((hc["Mounts"] ?? []) as Array<Json>).map((m) => `${String(m["Type"])}>${String(m["Source"] ?? "")}>${String(m["Target"])}>${m["ReadOnly"] === true}`)
    expect(c.mounts.filter((m) => m.origin === "mount").map((m) => `${m.type}>${m.source}>${m.target}>${m.readOnly}`)).toEqual(mounts)
    expect(c.mounts.filter((m) => m.origin === "tmpfs").map((m) => m.target)).toEqual(Object.keys((hc["Tmpfs"] ?? {}) as Json))
    expect(c.capAdd).toEqual(normalizeCaps(arr(hc["CapAdd"])))
    expect(c.capDrop).toEqual(normalizeCaps(arr(hc["CapDrop"])))
    const ns: Array<[string | undefined, string]> = [
      [c.pidMode, "PidMode"], [c.ipcMode, "IpcMode"], [c.utsMode, "UTSMode"], [c.usernsMode, "UsernsMode"],
      [c.cgroupParent, "CgroupParent"], [c.runtime, "Runtime"], [c.cgroupnsMode, "CgroupnsMode"]
    ]
    for (const [ours, key] of ns) expect(ours ?? "", key).toBe(hc[key] ?? "")
    expect(c.networkMode ?? "default").toBe(hc["NetworkMode"])
    expect(c.securityOpts).toEqual(arr(hc["SecurityOpt"]).map(parseSecurityOpt))
    if (Array.isArray(hc["MaskedPaths"]) && hc["MaskedPaths"].length === 0) expect(c.maskedPaths).toEqual([])
    else expect(c.maskedPaths).toBeUndefined()
    expect(c.devices).toEqual(((hc["Devices"] ?? []) as Array<Json>).map((d) => ({
      host: d["PathOnHost"], container: d["PathInContainer"], permissions: d["CgroupPermissions"]
    })))
    expect(c.deviceCgroupRules).toEqual(arr(hc["DeviceCgroupRules"]))
    expect(c.deviceRequests.map((d) => d.count)).toEqual(((hc["DeviceRequests"] ?? []) as Array<Json>).map((d) => d["Count"]))
    expect(c.sysctls).toEqual(hc["Sysctls"] ?? {})
    expect(c.groupAdd).toEqual(arr(hc["GroupAdd"]))
    expect(c.volumesFrom).toEqual(arr(hc["VolumesFrom"]))
    expect(c.resources.memory ?? 0).toBe(hc["Memory"])
    expect(c.resources.nanoCpus ?? 0).toBe(hc["NanoCpus"])
    expect(c.resources.pidsLimit ?? 0).toBe(hc["PidsLimit"] ?? 0)
    expect(c.resources.cpuShares ?? 0).toBe(hc["CpuShares"])
    expect(c.oomKillDisable).toBe(hc["OomKillDisable"] ?? false)
    expect(c.publishAll).toBe(hc["PublishAllPorts"])
    expect(c.ports.map((p) => `${p.containerPort}/${p.protocol}`).sort()).toEqual(Object.keys((hc["PortBindings"] ?? {}) as Json).sort())
    expect(c.restartPolicy ?? "no").toBe(((hc["RestartPolicy"] ?? {}) as Json)["Name"])
    expect(c.entrypoint ?? []).toEqual(arr(b["Entrypoint"]))
  })
})

describe("exec agrees with what the real CLI sent", () => {
  it("has cases", () => expect(execs.length).toBeGreaterThan(5))
  it.each(execs.map((f) => [f.command, f] as const))("%s", (cmd, f) => {
    const b = body(f)
    const r = parsedRequest(cmd)
    expect(r.target).toBe(decodeURIComponent(f.req.RequestUri.split("/").slice(-2)[0] ?? ""))
    expect(r.exec?.privileged).toBe(b["Privileged"])
    expect(r.exec?.user ?? "").toBe(b["User"])
    expect(r.exec?.cmd).toEqual(arr(b["Cmd"]))
    expect(r.exec?.env.map((e) => e.key)).toEqual(arr(b["Env"]).map((e) => e.split("=")[0]))
  })
})

const updates = fixtures.filter(
  (f) => /\/containers\/[^/]+\/update$/.test(f.req.RequestUri) && typeof f.req.RequestBody === "string" && /^docker update /.test(f.command)
)

describe("the two front ends agree (CLI parser vs Engine API decoder on the captured body)", () => {
  it.each([...creates, ...execs, ...updates].map((f) => [f.command, f] as const))("%s", (cmd, f) => {
    const api = decodeAuthZRequest(f.req).request
    const cli = parsedRequest(cmd)
    expect(cli.action).toBe(api.action)
    expect(cli.target).toBe(api.target)
    expect(cli.exec).toEqual(api.exec)
    expect(cli.update).toEqual(api.update)
    if (api.container !== undefined) {
      // the API knows the name from the query; the CLI from --name: both the same when given
      expect(cli.container).toEqual({ ...api.container })
      expect(cli.image).toEqual(api.container.image)
    }
  })
})

const PRIMARY = new Set([
  "volume.create", "network.create", "network.connect", "plugin.install", "image.pull", "image.push", "image.tag",
  "container.commit", "image.import", "image.load", "container.archive", "swarm.init", "swarm.manage", "secret.create",
  "auth", "image.build", "service.create"
])
const others = fixtures.flatMap((f) => {
  const cmd = f.command.replace(/^DOCKER_BUILDKIT=0 /, "")
  if (tokenize(cmd)[0] !== "docker" || cmd.includes("$(")) return []
  const api = decodeAuthZRequest(f.req).request
  return PRIMARY.has(api.action) ? [[cmd, api] as const] : []
})
const refKey = (r: { name: string; tag?: string | undefined; digest?: string | undefined } | undefined) =>
  r === undefined ? undefined : `${r.name}:${r.tag ?? ""}@${r.digest ?? ""}`

describe("the two front ends agree on other commands", () => {
  it("has cases", () => expect(others.length).toBeGreaterThan(25))
  it.each(others)("%s", (cmd, api) => {
    const cli = parsedRequest(cmd)
    expect(cli.action).toBe(api.action)
    expect(cli.volume).toEqual(api.volume)
    expect(cli.network).toEqual(api.network)
    expect(cli.plugin).toEqual(api.plugin)
    expect(cli.changes).toEqual(api.changes)
    expect(cli.destinations.map(refKey)).toEqual(api.destinations.map(refKey))
    if (api.action !== "image.build") expect(refKey(cli.image)).toEqual(refKey(api.image))
    if (api.target !== undefined) expect(cli.target).toBe(api.target)
    expect(cli.build?.tags.map(refKey)).toEqual(api.build?.tags.map(refKey))
    expect(cli.build?.buildArgs).toEqual(api.build?.buildArgs)
    expect(cli.build?.cgroupParent).toEqual(api.build?.cgroupParent)
    expect(cli.build?.networkMode).toEqual(api.build?.networkMode)
    expect(cli.service?.container).toEqual(api.service?.container)
    expect(cli.service?.hostModePorts).toEqual(api.service?.hostModePorts)
  })
})

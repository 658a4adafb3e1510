import { Either } from "effect"
import { describe, expect, it } from "vitest"
import {
  AuthZEnvelopeError,
  decodeAuthZRequest,
  decodeAuthZRequestEither,
  decodeAuthZResponse
} from "../../src/adapters/engine-api/decode.ts"

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64")
const env = (method: string, uri: string, body?: string, headers: Record<string, string> = {}) => ({
  RequestMethod: method,
  RequestUri: uri,
  ...(body !== undefined ? { RequestBody: b64(body) } : {}),
  RequestHeaders: { "Content-Type": "application/json", ...headers }
})
const codes = (e: unknown) => decodeAuthZRequest(e).request.problems.map((p) => p.code)

describe("envelope", () => {
  it("rejects what is not an AuthZ request with a typed error", () => {
    for (const bad of [null, 42, "x", [], {}, { RequestMethod: "GET" }, { RequestUri: "/x" }, { RequestMethod: 1, RequestUri: "/x" }]) {
      const r = decodeAuthZRequestEither(bad)
      expect(Either.isLeft(r)).toBe(true)
      expect(() => decodeAuthZRequest(bad)).toThrow(AuthZEnvelopeError)
    }
  })
  it("reads user identity and leaves it out when absent", () => {
    const d = decodeAuthZRequest({ ...env("GET", "/v1.41/info"), User: "alice", UserAuthNMethod: "TLS" })
    expect(d.meta).toMatchObject({ user: "alice", authMethod: "TLS", readOnly: true, route: "GET /info" })
    expect("user" in decodeAuthZRequest(env("GET", "/v1.41/info")).meta).toBe(false)
  })
  it("an invalid base64 body is a problem, not a crash", () => {
    expect(codes({ ...env("POST", "/v1.41/containers/create"), RequestBody: "%%%not-base64" })).toEqual(["undecodable-body"])
  })
  it("an unknown endpoint is action unknown (left to the unknown-endpoint rule); a bad URI is a problem", () => {
    const u = decodeAuthZRequest(env("POST", "/v1.41/containers/create/"))
    expect(u.request).toMatchObject({ action: "unknown", operation: "POST /containers/create/", problems: [] })
    expect(u.meta).toMatchObject({ route: "unknown", readOnly: false })
    expect(decodeAuthZRequest(env("GET", "/v1.41/containers/%zz/json")).request.problems[0]?.code).toBe("bad-uri")
  })
})

describe("body presence and decodability", () => {
  it("missing-body on every body-bearing endpoint", () => {
    const cases: Array<[string, string]> = [
      ["POST", "/v1.41/containers/create"],
      ["POST", "/v1.41/containers/web/exec"],
      ["POST", "/v1.41/containers/web/update"],
      ["POST", "/v1.41/services/create"],
      ["POST", "/v1.41/services/abc/update?version=3"],
      ["POST", "/v1.41/volumes/create"],
      ["POST", "/v1.41/networks/create"],
      ["POST", "/v1.41/networks/n/connect"],
      ["POST", "/v1.41/plugins/pull?remote=x"],
      ["POST", "/v1.41/plugins/x/set"],
      ["POST", "/v1.41/plugins/x/upgrade?remote=x"],
      ["POST", "/v1.41/swarm/init"],
      ["POST", "/v1.41/swarm/join"],
      ["POST", "/v1.41/swarm/update?version=1"],
      ["POST", "/v1.41/secrets/create"],
      ["POST", "/v1.41/configs/create"]
    ]
    for (const [m, u] of cases) expect(codes(env(m, u)), u).toEqual(["missing-body"])
  })
  it("no body is fine for start (Content-Length 0, any version), attach, commit, pull", () => {
    for (const u of ["/v1.23/containers/x/start", "/v1.41/containers/x/start", "/v1.41/containers/x/attach?stream=1", "/v1.41/commit?container=x", "/v1.41/images/create?fromImage=busybox"]) {
      expect(codes(env("POST", u, undefined, { "Content-Length": "0" })), u).toEqual([])
    }
  })
  it("a legacy start (API < 1.24) whose body was withheld is missing-body; Content-Length 0 is fine", () => {
    const start = (uri: string, headers: Record<string, string>) => codes({ RequestMethod: "POST", RequestUri: uri, RequestHeaders: headers })
    expect(start("/v1.23/containers/x/start", { "Content-Type": "application/json" })).toEqual(["missing-body"])
    expect(start("/v1.23/containers/x/start", { "Content-Length": "2000000" })).toEqual(["missing-body"])
    expect(start("/v1.23/containers/x/start", { "Content-Length": "0" })).toEqual([])
    expect(start("/v1.41/containers/x/start", {})).toEqual([])
    expect(start("/containers/x/start", {})).toEqual([])
  })
  it("a body dockerd would reject (type mismatch) is undecodable-body naming the field", () => {
    const d = decodeAuthZRequest(env("POST", "/v1.41/containers/create", '{"Image":"x","HostConfig":{"Privileged":"yes"}}'))
    expect(d.request.problems[0]?.code).toBe("undecodable-body")
    expect(d.request.problems[0]?.message).toContain("HostConfig.Privileged")
    expect(codes(env("POST", "/v1.41/containers/create", '{"Image":'))).toEqual(["undecodable-body"])
    // pathological nesting is denied instead of overflowing the stack
    const deep = `{"Image":"x","Healthcheck":${"[".repeat(100000)}${"]".repeat(100000)}}`
    expect(codes(env("POST", "/v1.41/containers/create", deep))).toEqual(["undecodable-body"])
  })
  it("a form Content-Type on a query-driven endpoint is form-body; a JSON body on /build too", () => {
    expect(codes(env("POST", "/v1.41/build?t=x", undefined, { "Content-Type": "application/x-www-form-urlencoded" }))).toEqual(["form-body"])
    expect(codes(env("POST", "/v1.41/build?t=x", '{"networkmode":"host"}'))).toEqual(["form-body"])
    expect(codes(env("POST", "/v1.41/build?t=x", undefined, { "Content-Type": "application/x-tar" }))).toEqual([])
    // curl -d '' sends a form Content-Type with an empty body: nothing can override the query
    expect(codes(env("POST", "/v1.41/containers/x/start", undefined, { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "0" }))).toEqual([])
    expect(codes(env("POST", "/v1.41/images/create?fromImage=x", undefined, { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Content-Length": "20" }))).toEqual(["form-body"])
  })
})

describe("hand-written Go JSON cases through the whole decoder", () => {
  const create = (body: string, uri = "/v1.41/containers/create") => decodeAuthZRequest(env("POST", uri, body)).request
  it("ſ and K folding", () => {
    expect(create('{"Image":"x","HoſtConfig":{"Privileged":true,"Bindſ":["/:/host"]}}').container).toMatchObject({ privileged: true, mounts: [{ source: "/" }] })
    expect(create('{"HostConfig":{"NetworKMode":"host"}}').container?.networkMode).toBe("host")
  })
  it("duplicate HostConfig objects merge; HostConfig null uses top-level fields", () => {
    expect(create('{"HostConfig":{"Privileged":true,"Binds":["/:/host"]},"HostConfig":{"Memory":1}}').container).toMatchObject({
      privileged: true,
      resources: { memory: 1 },
      mounts: [{ source: "/" }]
    })
    expect(create('{"Image":"x","Privileged":true,"HostConfig":null}').container?.privileged).toBe(true)
  })
  it("binds use moby's linux parser: path.Clean, ro, propagation, named volumes", () => {
    const c = create('{"HostConfig":{"Binds":["/etc/../:/h:ro,rshared","/var//run/docker.sock:/s","data:/d","/anon"]}}').container
    expect(c?.mounts).toEqual([
      { type: "bind", source: "/", target: "/h", readOnly: true, propagation: "rshared", origin: "bind-spec" },
      { type: "bind", source: "/var/run/docker.sock", target: "/s", readOnly: false, origin: "bind-spec" },
      { type: "volume", source: "data", target: "/d", readOnly: false, origin: "bind-spec" },
      { type: "volume", source: "", target: "/anon", readOnly: false, origin: "bind-spec" }
    ])
  })
  it("volume mounts keep DriverConfig (volume-opt device)", () => {
    const c = create('{"HostConfig":{"Mounts":[{"Type":"volume","Source":"v","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"Device":"/","o":"bind"}}}}]}}').container
    expect(c?.mounts[0]).toMatchObject({ type: "volume", volumeDriver: "local", volumeOptions: { device: "/", o: "bind" } })
  })
  it("inline seccomp profiles, cap_ spellings, Capabilities list", () => {
    const c = create('{"HostConfig":{"SecurityOpt":["seccomp={\\"defaultAction\\":\\"SCMP_ACT_ALLOW\\"}","label:disable"],"CapAdd":["cap_sys_module","all"],"Capabilities":["CAP_SYS_ADMIN"]}}')
    expect(c.container?.securityOpts).toEqual([
      { key: "seccomp", value: "<inline>", seccompDefaultAction: "SCMP_ACT_ALLOW" },
      { key: "label", value: "disable" }
    ])
    expect(c.container?.capAdd).toEqual(["SYS_MODULE", "ALL", "SYS_ADMIN"]) // the legacy Capabilities list is judged as added capabilities
    expect(c.details["capabilities"]).toBe("SYS_ADMIN")
  })
  it("a legacy start body on API < 1.24 is decoded as HostConfig (also /v1.12)", () => {
    const d = decodeAuthZRequest(env("POST", "/v1.12/containers/abc/start", '{"Privileged":true}'))
    expect(d.request).toMatchObject({ action: "container.start", target: "abc", container: { privileged: true } })
  })
  it("image references: tag query replaces a tag, digests use @", () => {
    const pull = (q: string) => decodeAuthZRequest(env("POST", `/v1.41/images/create?${q}`)).request
    expect(pull("fromImage=evil.io%2Fx%3A1&tag=2").image).toMatchObject({ registry: "evil.io", path: "x", tag: "2" })
    expect(pull("fromImage=busybox&tag=sha256%3Aabc").image).toMatchObject({ path: "library/busybox", digest: "sha256:abc" })
    expect(pull("fromImage=localhost%3A5000%2Fa").image).toMatchObject({ registry: "localhost:5000", path: "a" })
    expect(pull("fromSrc=-&repo=busybox&tag=latest").destinations[0]).toMatchObject({ path: "library/busybox", tag: "latest" })
  })
  it("query first-value semantics reach the model", () => {
    const b = decodeAuthZRequest(env("POST", "/v1.41/build?networkmode=host&networkmode=bridge&t=a&t=b", undefined, { "Content-Type": "application/x-tar" }))
    expect(b.request.build?.networkMode).toBe("host")
    expect(b.request.build?.tags.map((t) => t.raw)).toEqual(["a", "b"])
  })
  it("%2F and %63 paths route to the real endpoint", () => {
    expect(create('{"HostConfig":{"Privileged":true}}', "/v1.41/%63ontainers/create").container?.privileged).toBe(true)
    const e = decodeAuthZRequest(env("POST", "/v1.41/containers/web%2Fexec", '{"Privileged":true}'))
    expect(e.request).toMatchObject({ action: "container.exec", exec: { target: "web", privileged: true } })
  })
  it("swarm join never keeps the join token", () => {
    const d = decodeAuthZRequest(env("POST", "/v1.41/swarm/join", '{"RemoteAddrs":["10.0.0.1:2377"],"JoinToken":"SWMTKN-1-secret"}'))
    expect(d.request.details["swarm.RemoteAddrs"]).toBe("10.0.0.1:2377")
    expect(JSON.stringify(d)).not.toContain("SWMTKN")
  })
  it("service Privileges map onto security options", () => {
    const spec = {
      Name: "s",
      TaskTemplate: {
        ContainerSpec: { Image: "x", Privileges: { Seccomp: { Mode: "unconfined" }, AppArmor: { Mode: "unconfined" }, SELinuxContext: { Disable: true }, NoNewPrivileges: true } },
        Runtime: "plugin",
        PluginSpec: { Remote: "evil/p", Privileges: [{ Name: "mount", Value: ["/"] }] },
        Networks: [{ Target: "hostnetid" }]
      }
    }
    const s = decodeAuthZRequest(env("POST", "/v1.41/services/create", JSON.stringify(spec))).request.service
    expect(s?.container.securityOpts.map((o) => `${o.key}=${o.value}`)).toEqual(["seccomp=unconfined", "apparmor=unconfined", "label=disable", "no-new-privileges=true"])
    expect(s).toMatchObject({ taskRuntime: "plugin", pluginPrivileges: [{ name: "mount", value: ["/"] }] })
    expect(s?.container.networks).toEqual(["hostnetid"])
  })
})

describe("robustness", () => {
  it("never throws on mutated bodies and URIs (deterministic fuzz)", () => {
    let seed = 42
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const base = '{"Image":"x","HostConfig":{"Privileged":true,"Binds":["/:/h"],"Mounts":[{"Type":"bind","Source":"/"}],"CapAdd":["ALL"],"PidsLimit":5}}'
    const alphabet = '{}[]":,\\u0000aZſK 0-9.eE+-nulltruefalse\n'
    const uris = ["/v1.41/containers/create", "/containers/x/start", "/v1.23/containers/x/start", "/v1.41/services/create", "/v1.41/volumes/create", "/v1.41/exec/a%2Fb/start", "/v1.41/build?buildargs=%7B", "http://h/v1/images/a/b/push"]
    for (let i = 0; i < 3000; i++) {
      const chars = [...base]
      for (let m = 0; m < 1 + rnd(4); m++) {
        const pos = rnd(chars.length + 1)
        const op = rnd(3)
        const c = alphabet[rnd(alphabet.length)] ?? "x"
        if (op === 0) chars.splice(pos, 1)
        else if (op === 1) chars.splice(pos, 0, c)
        else chars[pos] = c
      }
      const d = decodeAuthZRequest(env("POST", uris[rnd(uris.length)] ?? "/", chars.join("")))
      expect(Array.isArray(d.request.problems)).toBe(true)
    }
  })
})

describe("decodeAuthZResponse", () => {
  it("learns facts of a created container, an exec's container, a removal", () => {
    const id = "a".repeat(64)
    const created = decodeAuthZResponse({
      ...env("POST", "/v1.41/containers/create?name=n", '{"HostConfig":{"Privileged":true,"Binds":["/:/h"],"CapAdd":["NET_ADMIN"]}}'),
      ResponseStatusCode: 201,
      ResponseBody: b64(`{"Id":"${id}","Warnings":[]}`)
    })
    expect(created.container).toEqual({ name: "n", facts: { id, privileged: true, hostMounts: ["/"], capAdd: ["NET_ADMIN"], pidHost: false, networkHost: false } })
    const exec = decodeAuthZResponse({ ...env("POST", "/v1.41/containers/web/exec", '{"Cmd":["id"]}'), ResponseStatusCode: 201, ResponseBody: b64(`{"Id":"${id}"}`) })
    expect(exec.exec).toEqual({ execId: id, containerId: "web" })
    expect(decodeAuthZResponse({ ...env("DELETE", "/v1.41/containers/web"), ResponseStatusCode: 204 })).toEqual({ removed: "web" })
    expect(decodeAuthZResponse({ ...env("POST", "/v1.41/containers/create", "{}"), ResponseBody: b64(`{"Id":"${id}"}`) })).toEqual({})
    expect(decodeAuthZResponse("nope")).toEqual({})
  })
})

import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { decodeAuthZRequest, decodeAuthZResponse, type DecodedAuthZ } from "../../src/adapters/engine-api/decode.ts"

const DIR = join(import.meta.dirname, "..", "fixtures", "authz")
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()

interface Fixture {
  readonly command: string
  readonly req: Record<string, unknown>
  readonly res: Record<string, unknown>
}
const load = (prefix: string): Fixture => {
  const f = FILES.find((x) => x.startsWith(`${prefix}-`))
  if (f === undefined) throw new Error(`no fixture ${prefix}`)
  return JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture
}
const dec = (prefix: string): DecodedAuthZ => decodeAuthZRequest(load(prefix).req)
const codes = (d: DecodedAuthZ) => d.request.problems.map((p) => p.code)

describe("all captured fixtures", () => {
  it("has the 484 fixtures", () => {
    expect(FILES.length).toBe(484)
  })
  it("every request and response decodes and classifies to a known action", () => {
    const unknown: Array<string> = []
    for (const f of FILES) {
      const j = JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture
      const d = decodeAuthZRequest(j.req)
      expect(d.request.operation).not.toBe("")
      if (d.request.action === "unknown") unknown.push(f)
      // an AuthZRes repeats the request fields: it decodes to the same action
      expect(decodeAuthZRequest(j.res).request.action, f).toBe(d.request.action)
      decodeAuthZResponse(j.res)
    }
    expect(unknown).toEqual([])
  })
  it("only the probes with a withheld body carry problems", () => {
    const withProblems = FILES.filter((f) => {
      const j = JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture
      return decodeAuthZRequest(j.req).request.problems.length > 0
    }).map((f) => f.slice(0, 3))
    expect(withProblems).toEqual(["438", "439", "445", "446", "457"])
  })
  it("never copies secret values (env values, build args, passwords, secret data) into the model", () => {
    const known = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", "fake-abc123", "s3cr3t-build-arg-value", "fake-password-123", "fake-db-password", "ZmFrZS1kYi1wYXNzd29yZA"]
    let envValuesChecked = 0
    for (const f of FILES) {
      const j = JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture
      const out = JSON.stringify(decodeAuthZRequest(j.req))
      for (const s of known) expect(out, `${f} leaks ${s}`).not.toContain(s)
      const raw = typeof j.req["RequestBody"] === "string" ? Buffer.from(j.req["RequestBody"], "base64").toString("utf8") : ""
      for (const m of raw.matchAll(/"[A-Z_]+=([^"]{6,})"/g)) {
        expect(out, f).not.toContain(m[1])
        envValuesChecked++
      }
    }
    expect(envValuesChecked).toBeGreaterThan(3)
  })
  it("GET requests are read-only, body-bearing writes are not", () => {
    expect(dec("018").meta).toMatchObject({ readOnly: true, route: "GET /containers/json" })
    expect(dec("008").meta.readOnly).toBe(false)
  })
})

describe("container create facts", () => {
  it("privileged", () => {
    const d = dec("030")
    expect(d.request.action).toBe("container.create")
    expect(d.request.container?.privileged).toBe(true)
    expect(d.request.image?.name).toBe("docker.io/library/busybox")
  })
  it("-v /:/host and the docker socket are bind mounts with cleaned sources", () => {
    expect(dec("035").request.container?.mounts).toEqual([{ type: "bind", source: "/", target: "/host", readOnly: false, origin: "bind-spec" }])
    expect(dec("040").request.container?.mounts[0]).toMatchObject({ type: "bind", source: "/var/run/docker.sock" })
    expect(dec("057").request.container?.mounts[0]).toMatchObject({ type: "volume", source: "myvol2" })
    expect(dec("058").request.container?.mounts[0]).toMatchObject({ type: "bind", readOnly: true })
  })
  it("--mount bind, tmpfs and volume", () => {
    expect(dec("045").request.container?.mounts[0]).toMatchObject({ type: "bind", source: "/etc", target: "/x", origin: "mount" })
    expect(dec("046").request.container?.mounts[0]).toMatchObject({ readOnly: true })
    expect(dec("142").request.container?.mounts.map((m) => m.type)).toEqual(["bind", "tmpfs", "volume"])
  })
  it("cap-add in both spellings normalizes (CAP_SYS_ADMIN from the CLI, SYS_ADMIN raw, ALL)", () => {
    expect(dec("060").request.container?.capAdd).toEqual(["SYS_ADMIN"])
    expect(dec("424").request.container?.capAdd).toEqual(["SYS_ADMIN"])
    expect(dec("065").request.container?.capDrop).toEqual(["ALL"])
  })
  it("security options, systempaths, gpus, devices, namespaces", () => {
    expect(dec("067").request.container?.securityOpts).toEqual([{ key: "seccomp", value: "unconfined" }])
    const sp = dec("072").request.container
    expect(sp?.maskedPaths).toEqual([])
    expect(sp?.readonlyPaths).toEqual([])
    expect(dec("030").request.container?.maskedPaths).toBeUndefined()
    expect(dec("086").request.container?.deviceRequests).toEqual([{ driver: "", count: -1, deviceIds: [], capabilities: [["gpu"]] }])
    expect(dec("082").request.container?.devices[0]).toMatchObject({ host: "/dev/sda" })
    expect(dec("127").request.container).toMatchObject({ privileged: true, pidMode: "host", networkMode: "host" })
    expect(dec("077").request.container?.usernsMode).toBe("host")
  })
  it("env keeps keys only", () => {
    const d = dec("093")
    expect(d.request.container?.env.some((e) => e.secretLike && e.hasValue)).toBe(true)
    expect(JSON.stringify(d.request)).not.toMatch(/wJalrXUtnFEMI|AKIAIOSFODNN7/)
  })
})

describe("raw JSON differential probes", () => {
  it("lowercase keys #411 #424, exec #454, volume #456", () => {
    expect(dec("411").request.container?.privileged).toBe(true)
    expect(dec("424").request.container).toMatchObject({ pidMode: "host", mounts: [{ type: "bind", source: "/" }] })
    expect(dec("454").request.exec).toMatchObject({ target: "web", privileged: true, user: "root" })
    expect(dec("456").request.volume).toEqual({ name: "rootvol2", driver: "local", options: { type: "none", o: "bind", device: "/" } })
  })
  it("top-level HostConfig fields #414 honoured, ignored with an empty HostConfig #415", () => {
    expect(dec("414").request.container).toMatchObject({ privileged: true, capAdd: ["ALL"], mounts: [{ source: "/" }] })
    const d415 = dec("415")
    expect(d415.request.container?.privileged).toBe(false)
    expect(d415.request.container?.mounts).toEqual([])
  })
  it("duplicate keys #417 #419, trailing data #420, unicode escape #422", () => {
    for (const n of ["417", "419", "420", "422"]) {
      expect(dec(n).request.container?.privileged, n).toBe(true)
      expect(codes(dec(n)), n).toEqual([])
    }
  })
  it("records what a naive reader would miss, and only for the probes", () => {
    expect(dec("411").request.details["json.foldedKeys"]).toContain('HostConfig.Privileged (as "privileged")')
    expect(dec("417").request.details["json.duplicateKeys"]).toBe("HostConfig.Privileged")
    expect(dec("419").request.details["json.duplicateKeys"]).toBe("HostConfig")
    expect(dec("420").request.details["json.trailingData"]).toBeDefined()
    const noted = FILES.filter((f) => {
      const d = decodeAuthZRequest((JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture).req)
      return Object.keys(d.request.details).some((k) => k.startsWith("json."))
    }).map((f) => f.slice(0, 3))
    expect(noted).toEqual(["411", "417", "419", "420", "424", "454", "456"])
  })
  it("path variants #425-#434 all reach container create", () => {
    for (const n of ["425", "426", "428", "430", "432", "433", "434"]) {
      const d = dec(n)
      expect(d.request.action, n).toBe("container.create")
      expect(d.request.container?.privileged, n).toBe(true)
    }
    expect(dec("433").meta).toMatchObject({ path: "/containers/create", apiVersion: "1.41" })
    expect(dec("432").meta.apiVersion).toBe("99.99")
  })
  it("chunked bodies #435-#437 are forwarded and decoded", () => {
    for (const n of ["435", "436", "437"]) expect(dec(n).request.container?.privileged, n).toBe(true)
  })
  it("a withheld body #439 (>=1 MiB) and text/plain services #457 are missing-body problems", () => {
    expect(codes(dec("439"))).toEqual(["missing-body"])
    expect(dec("439").request.problems[0]?.message).toMatch(/application\/json under 1 MiB/)
    const svc = dec("457")
    expect(svc.request.action).toBe("service.create")
    expect(codes(svc)).toEqual(["missing-body"])
  })
  it("legacy start #449 carries HostConfig on API 1.23; #453 on 1.41 is ignored", () => {
    const d = dec("449")
    expect(d.request).toMatchObject({ action: "container.start", target: "raw-start-a" })
    expect(d.request.container).toMatchObject({ pidMode: "host", capAdd: ["SYS_ADMIN"], mounts: [{ source: "/" }] })
    expect(dec("453").request.container).toBeUndefined()
    expect(dec("011").request).toMatchObject({ action: "container.start", problems: [] })
  })
})

describe("other endpoints", () => {
  it("exec --privileged and -u 0:0", () => {
    expect(dec("199").request.exec).toMatchObject({ privileged: true, target: "web" })
    expect(dec("207").request.exec?.user).toBe("0:0")
    expect(dec("203").request.exec?.user).toBe("root")
  })
  it("services: bind / + SYS_ADMIN, volume-opt device, host-mode ports", () => {
    const s = dec("359").request.service
    expect(s?.container).toMatchObject({ capAdd: ["SYS_ADMIN"], mounts: [{ type: "bind", source: "/" }] })
    const s5 = dec("368").request.service
    expect(s5?.container.mounts[0]).toMatchObject({ type: "volume", volumeOptions: { o: "bind", device: "/etc" } })
    expect(s5?.hostModePorts).toEqual([{ containerPort: "80", protocol: "tcp", hostPort: "8081" }])
    expect(dec("379").request).toMatchObject({ action: "service.update", details: { id: "fkya2ib7urpfnw1wnoeefb50j" } })
  })
  it("volume create o=bind device=/", () => {
    expect(dec("283").request.volume).toEqual({ name: "rootvol", driver: "local", options: { type: "none", o: "bind", device: "/" } })
  })
  it("plugin pull: remote, alias, privileges body", () => {
    expect(dec("318").request.plugin).toEqual({ op: "pull", remote: "docker.io/vieux/sshfs", privileges: [] })
    expect(dec("320").request.plugin).toMatchObject({ name: "evil:latest", remote: "localhost:5000/evil/plugin:latest" })
  })
  it("build: buildargs keys only and masked in the URI; query options", () => {
    const d = dec("255")
    expect(d.request.build?.buildArgs).toEqual([{ key: "SECRET", hasValue: true, secretLike: true }])
    expect(JSON.stringify(d)).not.toContain("s3cr3t-build-arg-value")
    expect(d.meta.maskedUri).not.toContain("s3cr3t")
    expect(dec("258").request.build).toMatchObject({ cgroupParent: "/evil", extraHosts: ["evil.example:10.0.0.1"] })
  })
  it("images: pull, import, push, tag, commit", () => {
    expect(dec("264").request).toMatchObject({ action: "image.pull", image: { name: "docker.io/library/nginx", tag: "latest" } })
    const imp = dec("274").request
    expect(imp).toMatchObject({ action: "image.import", changes: ["USER root", 'ENTRYPOINT ["/bin/sh"]'] })
    expect(imp.destinations[0]?.raw).toBe("imported:1")
    expect(dec("266").request.image).toMatchObject({ registry: "localhost:5000", path: "x", tag: "latest" })
    expect(dec("263").request.destinations[0]).toMatchObject({ registry: "example.com", path: "team/app", tag: "v1" })
    expect(dec("242").request).toMatchObject({ action: "container.commit", target: "web", changes: ["USER root", "ENV X=1"] })
  })
  it("auth keeps nothing of the body; secrets never keep Data", () => {
    const a = dec("267")
    expect(a.request.action).toBe("auth")
    expect(JSON.stringify(a)).not.toContain("fake-password-123")
    const s = dec("347")
    expect(s.request).toMatchObject({ action: "secret.create", details: { kind: "secret", name: "dbpass" } })
    expect(JSON.stringify(s)).not.toMatch(/Data|ZmFrZ/)
  })
  it("archive, swarm, TLS user identity", () => {
    expect(dec("238").request).toMatchObject({ action: "container.archive", target: "web" })
    expect(dec("332").request).toMatchObject({ action: "swarm.init", details: { "swarm.ListenAddr": "127.0.0.1:2377" } })
    const tls = FILES.map((f) => f.slice(0, 3)).find((n) => (load(n).req["User"] ?? "") !== "")
    expect(tls).toBeDefined()
    expect(dec(tls ?? "").meta).toMatchObject({ authMethod: "TLS" })
  })
})

describe("response facts", () => {
  it("learns a created container's security facts", () => {
    const facts = decodeAuthZResponse(load("127").res)
    expect(facts.container?.facts).toMatchObject({ privileged: true, hostMounts: ["/"], pidHost: true, networkHost: true })
    expect(facts.container?.facts.id).toMatch(/^[0-9a-f]{64}$/)
    expect(decodeAuthZResponse(load("411").res).container?.name).toBe("raw-lowercase")
  })
  it("links an exec id to its container", () => {
    expect(decodeAuthZResponse(load("490").res).exec).toMatchObject({ containerId: "web" })
  })
  it("learns nothing from a failed or unrelated response", () => {
    expect(decodeAuthZResponse(load("018").res)).toEqual({})
    expect(decodeAuthZResponse(load("432").res)).toEqual({})
  })
})

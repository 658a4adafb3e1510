import { describe, expect, it } from "vitest"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"
import type { ParseIO } from "../../src/adapters/docker-cli/parse.ts"
import type { DockerRequest, Mount } from "../../src/domain/request.ts"

const io: ParseIO = { readFile: () => { throw new Error("no files") }, cwd: "/home/dev/app" }

const req = (args: ReadonlyArray<string>, withIo: ParseIO | undefined = io): DockerRequest => {
  const r = parseDockerCommand(["run", ...args, "alpine"], withIo)
  if (r._tag !== "Parsed") throw new Error(`expected Parsed for ${args.join(" ")}: ${r.message}`)
  return r.request
}
const mounts = (...args: ReadonlyArray<string>): ReadonlyArray<Mount> => req(args).container?.mounts ?? []
const one = (flag: string, spec: string): Mount | undefined => mounts(flag, spec)[0]
const err = (flag: string, spec: string) => parseDockerCommand(["run", flag, spec, "alpine"], io)

describe("-v spec", () => {
  it("absolute source is a bind, cleaned", () => {
    expect(one("-v", "/var/run/../run/docker.sock:/s")).toEqual({
      type: "bind", source: "/var/run/docker.sock", target: "/s", readOnly: false, origin: "bind-spec"
    })
    expect(one("-v", "/.:/h")?.source).toBe("/")
    expect(one("--volume", "//etc///:/h")?.source).toBe("/etc")
  })
  it("named and anonymous volumes", () => {
    expect(one("-v", "data:/d:ro")).toEqual({ type: "volume", source: "data", target: "/d", readOnly: true, origin: "bind-spec" })
    // anonymous volumes are Config.Volumes in the real request, not mounts
    expect(req(["-v", "/only"])).toMatchObject({ container: { mounts: [] }, details: { anonymousVolumes: "/only" } })
    expect(mounts("--volume-driver", "convoy", "-v", "data:/d", "-v", "/h:/h")).toEqual([
      { type: "volume", source: "data", target: "/d", readOnly: false, origin: "bind-spec", volumeDriver: "convoy" },
      { type: "bind", source: "/h", target: "/h", readOnly: false, origin: "bind-spec" }
    ])
  })
  it("modes: ro/rw and propagation", () => {
    expect(one("-v", "/a:/b:rshared,ro")).toMatchObject({ readOnly: true, propagation: "rshared" })
    expect(one("-v", "/a:/b:rw")?.readOnly).toBe(false)
    expect(one("-v", "/a:/b:z")?.readOnly).toBe(false)
  })
  it("relative ./ sources resolve against cwd as binds; ~ kept", () => {
    expect(one("-v", "./data:/d")).toMatchObject({ type: "bind", source: "/home/dev/app/data" })
    expect(one("-v", "../..:/d")).toMatchObject({ type: "bind", source: "/home" })
    expect(one("-v", ".:/d")).toMatchObject({ type: "bind", source: "/home/dev/app" })
    expect(one("-v", "~/x:/d")).toMatchObject({ type: "bind", source: "~/x" })
  })
  it("relative source without a cwd is recorded as a problem", () => {
    const r = req(["-v", "./x:/d"], { readFile: () => "" })
    expect(r.problems.map((p) => p.code)).toEqual(["relative-bind-source"])
  })
  it("invalid specs are usage errors", () => {
    for (const s of ["/a:/b:/c:/d", "/a:ro", "/a:/b:bogus", "/a:/b:ro,rw", ":/x", ""]) {
      expect(err("-v", s), s).toMatchObject({ _tag: "UsageError", flag: "--volume" })
    }
  })
})

describe("--mount CSV", () => {
  it("bind with aliases, cleaning and readonly forms", () => {
    expect(one("--mount", "type=bind,src=/var/run/../run/docker.sock,dst=/s,readonly")).toEqual({
      type: "bind", source: "/var/run/docker.sock", target: "/s", readOnly: true, origin: "mount"
    })
    expect(one("--mount", "type=bind,source=/,destination=/h,ro=1")?.readOnly).toBe(true)
    expect(one("--mount", "type=bind,source=/,target=/h,ro=true")?.readOnly).toBe(true)
    expect(one("--mount", "type=bind,source=/,target=/h,readonly=false")?.readOnly).toBe(false)
    expect(one("--mount", "TYPE=BIND,Source=/etc,Target=/h")).toMatchObject({ type: "bind", source: "/etc" })
    expect(one("--mount", "type=bind,source=/,target=/h,bind-propagation=rshared")?.propagation).toBe("rshared")
  })
  it("missing type means volume", () => {
    expect(one("--mount", "src=myvol,dst=/d")).toEqual({ type: "volume", source: "myvol", target: "/d", readOnly: false, origin: "mount" })
  })
  it("volume driver options (repeatable, keys lower-cased, quoted fields)", () => {
    expect(one("--mount", "type=volume,volume-driver=local,volume-opt=type=none,volume-opt=O=bind,volume-opt=device=/,dst=/x")).toEqual({
      type: "volume", source: "", target: "/x", readOnly: false, origin: "mount", volumeDriver: "local",
      volumeOptions: { type: "none", o: "bind", device: "/" }
    })
    expect(one("--mount", 'type=volume,"volume-opt=o=bind,ro",target=/x')?.volumeOptions).toEqual({ o: "bind,ro" })
  })
  it("tmpfs and relative bind sources", () => {
    expect(one("--mount", "type=tmpfs,tmpfs-size=64m,tmpfs-mode=1770,dst=/t")).toMatchObject({ type: "tmpfs", target: "/t" })
    expect(one("--mount", "type=bind,src=./conf,dst=/c")?.source).toBe("/home/dev/app/conf")
  })
  it("grammar errors", () => {
    for (const s of [
      "type=bind,src=/,dst=/h,bogus=1", "type=bind, src=/,dst=/h", "type=bind,src= /,dst=/h", "type=bind,src=,dst=/h",
      "type=weird,dst=/x", "type=bind,src=/", "type=bind,dst=/h", "type=volume,bind-propagation=shared,dst=/x",
      "type=bind,src=/,dst=/h,ro=maybe", "type=bind,src=/,dst=/h,norw", 'type=bind,"src=/,dst=/h'
    ]) {
      expect(err("--mount", s), s).toMatchObject({ _tag: "UsageError", flag: "--mount" })
    }
  })
})

describe("--tmpfs", () => {
  it("targets and ro", () => {
    expect(mounts("--tmpfs", "/run:rw,size=64m", "--tmpfs=/ro:ro")).toEqual([
      { type: "tmpfs", source: "", target: "/run", readOnly: false, origin: "tmpfs" },
      { type: "tmpfs", source: "", target: "/ro", readOnly: true, origin: "tmpfs" }
    ])
  })
})

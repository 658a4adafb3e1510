import { describe, expect, it } from "vitest"
import { maskUri } from "../../src/adapters/engine-api/mask.ts"
import { matchRoute, ROUTES } from "../../src/adapters/engine-api/routes.ts"
import { compareVersions, parseQuery, parseUri } from "../../src/adapters/engine-api/uri.ts"

const route = (method: string, uri: string) => {
  const p = parseUri(uri)
  if (p === undefined) return undefined
  const m = matchRoute(method, p.path)
  return m === undefined ? undefined : { id: `${m.route.method} ${m.route.pattern}`, action: m.route.action, params: m.params, readOnly: m.route.readOnly }
}

describe("request-target parsing", () => {
  it("strips /v<digits and dots> prefixes", () => {
    expect(parseUri("/v1.41/containers/create")).toMatchObject({ path: "/containers/create", apiVersion: "1.41" })
    expect(parseUri("/v1.41./containers/create")).toMatchObject({ path: "/containers/create", apiVersion: "1.41." })
    expect(parseUri("/v01.041/containers/create")).toMatchObject({ path: "/containers/create", apiVersion: "01.041" })
    expect(parseUri("/containers/create")?.apiVersion).toBeUndefined()
    expect(parseUri("/version")).toMatchObject({ path: "/version" })
  })
  it("accepts absolute-form targets and anchors on their path", () => {
    expect(parseUri("http://localhost/v1.41/containers/create?name=x")).toMatchObject({ path: "/containers/create", apiVersion: "1.41" })
    expect(parseUri("http://docker:2375/_ping")?.path).toBe("/_ping")
  })
  it("percent-decodes the path once", () => {
    expect(parseUri("/v1.41/containers%2Fcreate")?.path).toBe("/containers/create")
    expect(parseUri("/v1.41/%63ontainers/create")?.path).toBe("/containers/create")
    expect(parseUri("/v1.41/containers/%252Fcreate")?.path).toBe("/containers/%2Fcreate")
    expect(parseUri("/v1.41/containers/%zz/json")).toBeUndefined()
    expect(parseUri("containers/create")).toBeUndefined()
  })
  it("does not take a path from the query string", () => {
    expect(route("POST", "/v1.41/containers/create?name=a&x=/v1.41/containers/json")?.id).toBe("POST /containers/create")
  })
  it("compares API versions like moby", () => {
    expect(compareVersions("1.23", "1.24")).toBe(-1)
    expect(compareVersions("01.041", "1.41")).toBe(0)
    expect(compareVersions("1.41.", "1.41")).toBe(0)
    expect(compareVersions("1.9", "1.24")).toBe(-1)
  })
})

describe("query semantics", () => {
  it("first value wins (Go FormValue)", () => {
    const q = parseQuery("networkmode=host&networkmode=bridge")
    expect(q.get("networkmode")).toBe("host")
    expect(q.all("networkmode")).toEqual(["host", "bridge"])
    expect(q.get("missing")).toBe("")
  })
  it("decodes + and %XX in values", () => {
    expect(parseQuery("changes=USER+root&repo=busybox%3Alocal").get("changes")).toBe("USER root")
    expect(parseQuery("repo=busybox%3Alocal").get("repo")).toBe("busybox:local")
  })
  it("BoolValue: true unless '', 0, no, false, none (trimmed, any case)", () => {
    const q = parseQuery("a=1&b=0&c=No&d=FALSE&e=%20none%20&f=&g=yes&h=2&i=off")
    expect(["a", "b", "c", "d", "e", "f", "g", "h", "i", "absent"].map((k) => q.bool(k))).toEqual([
      true, false, false, false, false, false, true, true, true, false
    ])
  })
})

describe("route table", () => {
  it("matches image names with slashes and ports", () => {
    expect(route("POST", "/v1.41/images/localhost:5000/x/push?tag=latest")).toMatchObject({ action: "image.push", params: { name: "localhost:5000/x" } })
    expect(route("POST", "/v1.41/images/example.com/team/app:v1/tag")).toMatchObject({ action: "image.tag", params: { name: "example.com/team/app:v1" } })
    expect(route("GET", "/v1.41/images/json")?.id).toBe("GET /images/json")
    expect(route("GET", "/v1.41/images/a/b/json")).toMatchObject({ id: "GET /images/{name:.*}/json", params: { name: "a/b" } })
    expect(route("DELETE", "/v1.41/images/example.com/team/app:v1")).toMatchObject({ params: { name: "example.com/team/app:v1" } })
    expect(route("GET", "/v1.41/plugins/vieux/sshfs/json")).toMatchObject({ params: { name: "vieux/sshfs" } })
  })
  it("container names may span segments ({name:.*}, greedy) and registration order decides overlaps", () => {
    expect(route("POST", "/v1.41/containers/a/b/exec")).toMatchObject({ action: "container.exec", params: { name: "a/b" } })
    expect(route("POST", "/v1.41/containers/a/exec/exec")).toMatchObject({ params: { name: "a/exec" } })
    // the container router's DELETE /containers/{name:.*} is registered before the checkpoint router
    expect(route("DELETE", "/v1.41/containers/x/checkpoints/c")).toMatchObject({ action: "container.lifecycle", params: { name: "x/checkpoints/c" } })
    expect(route("GET", "/v1.41/volumes/a/b")).toMatchObject({ params: { name: "a/b" } })
    expect(route("GET", "/v1.41/networks/")?.id).toBe("GET /networks/")
  })
  it("routes %2F inside a name as a path separator", () => {
    expect(route("POST", "/v1.41/containers/abc%2Fexec")).toMatchObject({ action: "container.exec", params: { name: "abc" } })
  })
  it("classifies container endpoints", () => {
    expect(route("POST", "/v1.41/containers/web/exec")?.action).toBe("container.exec")
    expect(route("POST", "/v1.41/exec/abc/start")?.action).toBe("container.attach")
    expect(route("PUT", "/v1.41/containers/web/archive")?.action).toBe("container.archive")
    expect(route("GET", "/v1.41/containers/web/archive")).toMatchObject({ action: "read", readOnly: true })
    expect(route("POST", "/v1.41/containers/web/kill")?.action).toBe("container.lifecycle")
    expect(route("DELETE", "/v1.41/containers/web")?.action).toBe("container.lifecycle")
    expect(route("POST", "/grpc")?.action).toBe("buildkit")
    expect(route("POST", "/session")?.action).toBe("buildkit")
    expect(route("POST", "/v1.41/auth")?.action).toBe("auth")
    expect(route("OPTIONS", "/v1.41/containers/json")).toMatchObject({ action: "read", readOnly: true })
  })
  it("unknown paths and methods do not match", () => {
    expect(route("POST", "/v1.41/containers/create/")).toBeUndefined()
    expect(route("POST", "/v1.41/CONTAINERS/create")).toBeUndefined()
    expect(route("post", "/v1.41/containers/create")).toBeUndefined()
    expect(route("GET", "/v1.41/nope")).toBeUndefined()
    expect(route("POST", "//containers/create")).toBeUndefined()
  })
  it("every body-bearing route is a write", () => {
    for (const r of ROUTES) if (r.body === "required") expect(r.readOnly, r.pattern).toBe(false)
  })
})

describe("masking", () => {
  it("masks build-arg values but keeps keys", () => {
    const masked = maskUri("/v1.41/build?buildargs=%7B%22SECRET%22%3A%22s3cr3t%22%7D&t=x")
    expect(masked).not.toContain("s3cr3t")
    expect(decodeURIComponent(masked)).toContain('{"SECRET":"***"}')
    expect(masked).toContain("t=x")
  })
  it("masks secret-looking parameters whole and leaves others alone", () => {
    expect(maskUri("/x?password=hunter2&author=bob")).toBe("/x?password=***&author=bob")
    expect(maskUri("/v1.41/containers/json")).toBe("/v1.41/containers/json")
    expect(maskUri("/build?buildargs=notjson")).toBe("/build?buildargs=***")
  })
})

import { describe, expect, it } from "vitest"
import { baseRequest, emptyContainer } from "../../src/domain/request.ts"
import type { DockerRequest } from "../../src/domain/request.ts"
import type { Exception, GlobalException, Policy } from "../../src/domain/policy.ts"
import type { Finding } from "../../src/domain/finding.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import { exceptionFor, ruleActionFor } from "../../src/domain/exceptions.ts"
import { globMatch } from "../../src/domain/glob.ts"

const DIGEST = "sha256:" + "a".repeat(64)
const req = (image = `myorg/app:1@${DIGEST}`, patch: Partial<ReturnType<typeof emptyContainer>> = {}): DockerRequest => ({
  ...baseRequest("container.create", "run"),
  container: { ...emptyContainer(), privileged: true, name: "ci-runner", labels: { team: "ci" }, image: parseImageRef(image), ...patch }
})
const finding = (rule: string): Finding => ({ rule, level: "critical", category: "x", message: "m", points: 40, kind: "violation" })
const priv = (e: Exception, trust = false): Policy => ({
  name: "t",
  ...(trust ? { settings: { trust_image_tags: true } } : {}),
  rules: { privileged: { action: "block", exceptions: [e] } }
})
const F = finding("runtime.privileged")

describe("per-RuleAction exceptions (rules.privileged)", () => {
  it.each<[string, Exception, boolean]>([
    ["digest matches", { digests: [DIGEST], reason: "pinned CI image" }, true],
    ["digest case-insensitive", { digests: [DIGEST.toUpperCase().replace("SHA256", "sha256")] }, true],
    ["digest differs", { digests: ["sha256:" + "b".repeat(64)] }, false],
    ["user matches", { users: ["alice"] }, true],
    ["user differs", { users: ["bob"] }, false],
    ["digest + name both match", { digests: [DIGEST], names: ["ci-*"] }, true],
    ["digest matches but name does not", { digests: [DIGEST], names: ["web"] }, false],
    ["digest + labels match", { digests: [DIGEST], labels: { team: "ci" } }, true],
    ["digest matches but label differs", { digests: [DIGEST], labels: { team: "web" } }, false],
    ["user + image glob match", { users: ["alice"], images: ["myorg/*"] }, true],
    ["user matches but image differs", { users: ["alice"], images: ["other/*"] }, false],
    ["names alone are forgeable", { names: ["ci-runner"] }, false],
    ["labels alone are forgeable", { labels: { team: "ci" } }, false],
    ["images alone without trust_image_tags are forgeable", { images: ["myorg/app:1"] }, false],
    ["empty lists name nothing", { digests: [], users: [] }, false]
  ])("%s → %s", (_n, e, applies) => {
    const got = exceptionFor(F, req(), priv(e), { user: "alice" })
    expect(got !== undefined).toBe(applies)
  })

  it("returns the reason, or 'exception' when none is given", () => {
    expect(exceptionFor(F, req(), priv({ digests: [DIGEST], reason: "pinned CI image" }), {})).toBe("pinned CI image")
    expect(exceptionFor(F, req(), priv({ digests: [DIGEST] }), {})).toBe("exception")
  })

  it("images count as unforgeable with settings.trust_image_tags: true (name, name:tag, familiar forms)", () => {
    for (const g of ["myorg/app:1", "myorg/*", "docker.io/myorg/app", "docker.io/myorg/app:*"]) {
      expect(exceptionFor(F, req(), priv({ images: [g] }, true), {})).toBe("exception")
    }
    expect(exceptionFor(F, req(), priv({ images: ["other/*"] }, true), {})).toBeUndefined()
  })

  it("users need an authenticated user", () => {
    expect(exceptionFor(F, req(), priv({ users: ["alice"] }), {})).toBeUndefined()
    expect(exceptionFor(F, req(), priv({ users: [""] }), { user: "" })).toBeUndefined()
  })

  it("a digest exception does not match a request without a digest", () => {
    expect(exceptionFor(F, req("myorg/app:1"), priv({ digests: [DIGEST] }), {})).toBeUndefined()
  })

  it("only applies to the rule its RuleAction controls", () => {
    expect(exceptionFor(finding("namespaces.host-pid"), req(), priv({ digests: [DIGEST] }), {})).toBeUndefined()
  })

  it("maps rule ids to their RuleAction", () => {
    const ra = { action: "block" as const, exceptions: [{ users: ["root-admin"] }] }
    const p: Policy = {
      name: "t",
      rules: {
        host_namespaces: { network: ra, pid: ra, ipc: ra, uts: ra, userns: ra, cgroupns: ra, container_join: ra },
        mounts: { docker_socket: ra, volumes_from: ra },
        api: {
          plugins: ra, swarm: ra, secrets: ra, buildkit: ra, build_host_network: ra, image_import: ra, commit: ra,
          exec_into_privileged: ra, archive_upload: ra, network_create: ra
        }
      }
    }
    const ids = [
      "namespaces.host-network", "namespaces.host-pid", "namespaces.host-ipc", "namespaces.host-uts", "namespaces.host-userns",
      "namespaces.host-cgroupns", "namespaces.container-join", "mounts.docker-socket", "mounts.volumes-from", "api.plugin",
      "api.swarm", "api.secret", "api.buildkit", "api.build-host-network", "api.image-import", "api.commit",
      "api.exec-into-privileged", "api.archive-upload", "api.network-driver"
    ]
    for (const id of ids) {
      expect(ruleActionFor(id, p)).toBe(ra)
      expect(exceptionFor(finding(id), req(), p, { user: "root-admin" })).toBe("exception")
    }
    expect(ruleActionFor("mounts.blocked", p)).toBeUndefined()
  })
})

describe("top-level exceptions[] by rule glob", () => {
  const g = (rules: Array<string>, e: Partial<GlobalException> = {}): Policy => ({ name: "t", exceptions: [{ rules, ...e }] })
  it.each<[string, Array<string>, string, boolean]>([
    ["exact id", ["mounts.docker-socket"], "mounts.docker-socket", true],
    ["family glob", ["mounts.*"], "mounts.blocked", true],
    ["family glob does not cross families", ["mounts.*"], "namespaces.host-pid", false],
    ["star", ["*"], "api.swarm", true],
    ["question mark", ["api.swar?"], "api.swarm", true],
    ["custom rule", ["custom.no-debug-*"], "custom.no-debug-images", true]
  ])("%s", (_n, rules, id, applies) => {
    expect(exceptionFor(finding(id), req(), g(rules, { users: ["ci"], reason: "ci bot" }), { user: "ci" }) !== undefined).toBe(applies)
  })
  it("forgeable-only global exceptions never apply", () => {
    expect(exceptionFor(finding("mounts.blocked"), req(), g(["mounts.*"], { names: ["ci-runner"] }), {})).toBeUndefined()
    expect(exceptionFor(finding("mounts.blocked"), req(), g(["mounts.*"], { labels: { team: "ci" } }), {})).toBeUndefined()
  })
  it("the image considered is request.image for pulls", () => {
    const pull: DockerRequest = { ...baseRequest("image.pull", "pull"), image: parseImageRef(`alpine@${DIGEST}`) }
    expect(exceptionFor(finding("images.untrusted-registry"), pull, g(["images.*"], { digests: [DIGEST] }), {})).toBe("exception")
  })
  it("names match exec targets", () => {
    const exec: DockerRequest = { ...baseRequest("container.exec", "exec"), target: "ci-runner" }
    expect(exceptionFor(finding("runtime.privileged"), exec, g(["runtime.*"], { users: ["ci"], names: ["ci-*"] }), { user: "ci" })).toBe("exception")
    expect(exceptionFor(finding("runtime.privileged"), exec, g(["runtime.*"], { users: ["ci"], names: ["web"] }), { user: "ci" })).toBeUndefined()
  })
})

describe("glob (Go filepath.Match)", () => {
  it.each<[string, string, boolean]>([
    ["myorg/*", "myorg/app", true],
    ["myorg/*", "myorg/a/b", false],
    ["*", "nginx", true],
    ["ngin?", "nginx", true],
    ["[a-c]pp", "bpp", true],
    ["[^a-c]pp", "bpp", false],
    ["a.b", "axb", false],
    ["mounts.*", "mounts.docker-socket", true],
    ["\\*", "*", true],
    ["[abc", "a", false]
  ])("%s vs %s = %s", (p, v, expected) => {
    expect(globMatch(p, v)).toBe(expected)
  })
})

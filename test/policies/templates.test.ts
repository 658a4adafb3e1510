import { describe, expect, it } from "vitest"
import { readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { parse } from "yaml"
import { Policy, type LoadedPolicy } from "../../src/domain/policy.ts"
import { checkPolicy } from "../../src/domain/policy-check.ts"
import { evaluate } from "../../src/domain/decide-impl.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import { parseSecurityOpt } from "../../src/domain/secopt.ts"
import { envVar } from "../../src/domain/secrets.ts"
import type { DockerRequest } from "../../src/domain/request.ts"
import { bind, req, run } from "../domain/rules-fixtures.ts"

const dir = join(import.meta.dirname, "../../policies")
const decode = Schema.decodeUnknownSync(Policy, { onExcessProperty: "error" })
const load = (name: string): LoadedPolicy => ({ policy: decode(parse(readFileSync(join(dir, `${name}.yaml`), "utf8"))), sha256: "0", source: name })
const TEMPLATES = ["default", "strict", "permissive", "production", "ci-cd", "development"]

// representative requests
const nginx = run({ ports: [{ hostPort: "8080", containerPort: "80", protocol: "tcp" }] }, "nginx")
const privileged = run({ privileged: true }, "ubuntu")
const rootMount = run({ mounts: [bind("/")] }, "ubuntu:22.04")
const socket = run({ mounts: [bind("/var/run/docker.sock")] }, "docker:27")
const hostPid = run({ pidMode: "host" }, "ubuntu:22.04")
const sysAdmin = run({ capAdd: ["CAP_SYS_ADMIN"] }, "ubuntu:22.04")
const unconfined = run({ securityOpts: [parseSecurityOpt("seccomp:unconfined"), parseSecurityOpt("apparmor=unconfined")] }, "ubuntu:22.04")
const device = run({ devices: [{ host: "/dev/sda", container: "/dev/sda", permissions: "rwm" }] }, "ubuntu:22.04")
const volBind = req("volume.create", { volume: { name: "x", driver: "local", options: { type: "none", o: "bind", device: "/" } } })
const plugin = req("plugin.install", { plugin: { op: "pull", remote: "evil/plugin", privileges: [{ name: "host-devices", value: ["/dev"] }] } })
const unknown = req("unknown", { operation: "POST /v1.47/brand-new" })
const escalations: ReadonlyArray<readonly [string, DockerRequest]> = [
  ["privileged", privileged], ["root mount", rootMount], ["docker socket", socket], ["host pid", hostPid],
  ["CAP_SYS_ADMIN", sysAdmin], ["unconfined profiles", unconfined], ["host device", device],
  ["local volume bind of /", volBind], ["plugin install", plugin], ["unknown endpoint", unknown]
]
const ghcr = parseImageRef("ghcr.io/acme/app:1.2.3")

describe.each(TEMPLATES)("template %s", (name) => {
  it("decodes strictly and passes the semantic policy check", () => {
    const p = load(name)
    expect(p.policy.name).toBe(name)
    expect(checkPolicy(p.policy)).toEqual([])
  })
})

describe.each(["default", "strict", "production", "ci-cd"])("enforcing template %s", (name) => {
  it.each(escalations)("denies %s", (_, request) => {
    const v = evaluate(request, load(name))
    expect(v.decision).toBe("denied")
    expect(v.violations.length).toBeGreaterThan(0)
  })
})

describe("default", () => {
  const p = load("default")
  it("allows `docker run -d -p 8080:80 nginx`", () => expect(evaluate(nginx, p)).toMatchObject({ allowed: true, decision: "allowed", score: 0 }))
  it("denies `docker run --privileged ubuntu` out of the box", () => {
    expect(evaluate(privileged, p).violations.map((f) => f.rule)).toEqual(["runtime.privileged"])
  })
  it("warns on a secret in env and on a config-file mount, and allows them", () => {
    const v = evaluate(run({ env: [envVar("DB_PASSWORD=x")], mounts: [bind("/etc/nginx/nginx.conf", true)] }, "nginx:1.27"), p)
    expect(v).toMatchObject({ allowed: true, decision: "warned", score: 10 })
  })
  it("mounting all of /etc exposes /etc/docker and is blocked", () => {
    const v = evaluate(run({ mounts: [bind("/etc")] }, "nginx:1.27"), p)
    expect(v.allowed).toBe(false)
    expect(v.violations.map((f) => f.rule)).toContain("mounts.docker-socket")
  })
  it("mounting an ancestor of a blocked path is blocked (/ exposes /etc, /var exposes the socket)", () => {
    const root = evaluate(run({ mounts: [bind("/")] }, "nginx:1.27"), p)
    expect(root.allowed).toBe(false)
    const srv = evaluate(run({ mounts: [bind("/srv/app")] }, "nginx:1.27"), p)
    expect(srv.violations.filter((f) => f.rule.startsWith("mounts."))).toEqual([])
  })
  it("allows pulls and builds", () => {
    expect(evaluate(req("image.pull", { image: ghcr }), p).allowed).toBe(true)
    expect(evaluate(req("image.build", { build: { tags: [ghcr], buildArgs: [], securityOpts: [], extraHosts: [] } }), p).allowed).toBe(true)
  })
})

describe("strict", () => {
  const p = load("strict")
  const compliant = run({
    user: "10001:10001", readOnlyRootfs: true, capDrop: ["ALL"], capAdd: ["NET_BIND_SERVICE"],
    securityOpts: [parseSecurityOpt("seccomp=/etc/docker/seccomp.json"), parseSecurityOpt("no-new-privileges")],
    resources: { memory: 256 * 1024 ** 2, nanoCpus: 5e8, pidsLimit: 100 }
  }, "gcr.io/distroless/static@sha256:0123456789abcdef")
  it("allows a restricted-compliant container", () => expect(evaluate(compliant, p)).toMatchObject({ allowed: true, decision: "allowed" }))
  it("denies plain nginx (root, writable, no limits, untrusted tag)", () => {
    const rules = evaluate(nginx, p).violations.map((f) => f.rule)
    expect(rules).toEqual(expect.arrayContaining(["container.root-user", "container.read-only-rootfs", "capabilities.drop-all-required",
      "security.seccomp-required", "images.digest-required"]))
  })
  it("denies any bind mount, even read-only", () => {
    expect(evaluate(run({ ...compliant.container, mounts: [bind("/srv/data", true)] }, "gcr.io/distroless/static@sha256:0123456789abcdef"), p).allowed).toBe(false)
  })
})

describe("permissive (audit)", () => {
  const p = load("permissive")
  it.each(escalations)("allows but records %s", (_, request) => {
    const v = evaluate(request, p)
    expect(v.allowed).toBe(true)
    expect(v.decision).toBe("warned")
  })
})

describe("production", () => {
  const p = load("production")
  it("allows nginx from Docker Hub", () => expect(evaluate(nginx, p).allowed).toBe(true))
  it("denies untrusted registries, lookalike hosts and debug images", () => {
    expect(evaluate(run({}, "evil.com/app:1"), p).violations.map((f) => f.rule)).toEqual(["images.untrusted-registry"])
    expect(evaluate(run({}, "docker.io.evil.com/app:1"), p).allowed).toBe(false)
    expect(evaluate(run({}, "ghcr.io/acme/app:debug"), p).violations.map((f) => f.rule)).toEqual(["custom.no-debug-images"])
  })
  it("warns (not blocks) on --user root", () => {
    const v = evaluate(run({ user: "root", restartPolicy: "always" }, "nginx:1.27"), p)
    expect(v).toMatchObject({ allowed: true, decision: "warned" })
    expect(v.warnings.map((f) => f.rule)).toEqual(["custom.warn-root-user"])
  })
})

describe("ci-cd", () => {
  const p = load("ci-cd")
  it.each([
    ["build", req("image.build", { build: { tags: [ghcr], buildArgs: [], securityOpts: [], extraHosts: [] } })],
    ["pull", req("image.pull", { image: ghcr })],
    ["push", req("image.push", { image: ghcr })],
    ["buildkit", req("buildkit", { operation: "POST /grpc" })]
  ] as const)("allows %s", (_, request) => expect(evaluate(request, p)).toMatchObject({ allowed: true, decision: "allowed" }))
})

describe("development (warn)", () => {
  const p = load("development")
  it("allows privileged with a warning", () => {
    const v = evaluate(privileged, p)
    expect(v).toMatchObject({ allowed: true, decision: "warned", mode: "warn" })
    expect(v.warnings.map((f) => f.rule)).toContain("runtime.privileged")
  })
})

it("every YAML file in policies/ is covered", () => {
  expect(readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -5)).sort()).toEqual([...TEMPLATES].sort())
})

describe("docs/POLICY.md", () => {
  const doc = readFileSync(join(import.meta.dirname, "../../docs/POLICY.md"), "utf8")
  const families = ["runtime", "namespaces", "capabilities", "mounts", "security", "container", "devices", "images", "network", "environment"]
  it("lists every built-in rule with its level, category and points", async () => {
    let n = 0
    for (const fam of families) {
      const mod: Record<string, unknown> = await import(`../../src/domain/rules/${fam}.ts`)
      for (const v of Object.values(mod)) {
        if (typeof v !== "object" || v === null || !("rule" in v) || !("points" in v) || !("level" in v) || !("category" in v)) continue
        const row = doc.split("\n").find((l) => l.startsWith(`| \`${String(v.rule)}\``))
        expect(row, String(v.rule)).toBeDefined()
        const cells = (row ?? "").split("|").map((c) => c.trim())
        expect(cells.slice(2, 5), String(v.rule)).toEqual([String(v.level), String(v.category), String(v.points)])
        n++
      }
    }
    expect(n).toBe(59)
  })
  it("documents every shipped template", () => {
    for (const t of TEMPLATES) expect(doc).toContain(`| \`${t}\` |`)
  })
})

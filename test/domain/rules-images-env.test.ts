import { describe, expect, it } from "vitest"
import { deviceRules } from "../../src/domain/rules/devices.ts"
import { imageRules } from "../../src/domain/rules/images.ts"
import { networkRules } from "../../src/domain/rules/network.ts"
import { environmentRules } from "../../src/domain/rules/environment.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import { envVar } from "../../src/domain/secrets.ts"
import { emptyContainer } from "../../src/domain/request.ts"
import { apply, pol, req, run, type Row } from "./rules-fixtures.ts"

const dev = (host: string) => ({ host, container: host, permissions: "rwm" })
const gpu = { driver: "nvidia", count: -1, deviceIds: [], capabilities: [["gpu"]] }

describe("devices", () => {
  const rows: ReadonlyArray<Row> = [
    ["none", pol(), run(), []],
    ["host device blocks by default", pol(), run({ devices: [dev("/dev/sda")] }), ["devices.host-device:V"]],
    ["allowed device (cleaned, glob)", pol({ devices: { allowed: ["/dev/fuse", "/dev/snd/*"] } }), run({ devices: [dev("/dev/./fuse"), dev("/dev/snd/pcm0")] }), []],
    ["device action warn", pol({ devices: { action: "warn" } }), run({ devices: [dev("/dev/mem")] }), ["devices.host-device:W"]],
    ["cgroup rules block by default", pol(), run({ deviceCgroupRules: ["b 8:* rwm"] }), ["devices.cgroup-rules:V"]],
    ["cgroup rules allow", pol({ devices: { cgroup_rules: "allow" } }), run({ deviceCgroupRules: ["c 1:3 r"] }), []],
    ["gpu warns by default", pol(), run({ deviceRequests: [gpu] }), ["devices.gpu:W"]],
    ["gpu block", pol({ devices: { gpus: "block" } }), run({ deviceRequests: [gpu] }), ["devices.gpu:V"]]
  ]
  it.each(rows)("%s", (...row) => expect(apply(deviceRules, row)).toEqual(row[3]))
})

const img = (ref: string, action: "image.pull" | "image.push" = "image.pull") => req(action, { image: parseImageRef(ref) })
const registries = pol({ images: { allowed_registries: ["docker.io", "gcr.io/distroless"], blocked_registries: ["evil.com"] } })

describe("images", () => {
  const rows: ReadonlyArray<Row> = [
    ["no images section", pol(), run({}, "evil.com/x:1"), []],
    ["allowed registry", registries, run({}, "nginx:1.25"), []],
    ["component-wise: docker.io.evil.com is not docker.io", registries, run({}, "docker.io.evil.com/x:1"), ["images.untrusted-registry:V"]],
    ["registry path prefix entry", registries, run({}, "gcr.io/distroless/static:nonroot"), []],
    ["other gcr.io path", registries, run({}, "gcr.io/other/app:1"), ["images.untrusted-registry:V"]],
    ["host:port without tag is its own registry", registries, run({}, "host:5000/app"), ["images.untrusted-registry:V"]],
    ["blocked registry (also untrusted)", registries, run({}, "evil.com/miner:1"), ["images.untrusted-registry:V", "images.blocked-registry:V"]],
    ["blocked registry on pull", pol({ images: { blocked_registries: ["evil.com"] } }), img("evil.com/x:1"), ["images.blocked-registry:V"]],
    ["push skips allow-list but not block-list", registries, img("evil.com/x:1", "image.push"), ["images.blocked-registry:V"]],
    ["latest tag warns", pol({ images: { block_latest_tag: true } }), run({}, "nginx:latest"), ["images.latest-tag:W"]],
    ["untagged counts as latest", pol({ images: { block_latest_tag: true } }), run({}, "nginx"), ["images.latest-tag:W"]],
    ["digest-only is not latest", pol({ images: { block_latest_tag: true } }), run({}, "nginx@sha256:abc"), []],
    ["digest required", pol({ images: { require_digest: true } }), run({}, "nginx:1.25"), ["images.digest-required:V"]],
    ["digest given", pol({ images: { require_digest: true } }), run({}, "nginx:1.25@sha256:abc"), []],
    ["blocked image, familiar glob", pol({ images: { blocked_images: ["*miner*"] } }), run({}, "evil.com/org/xmr-miner:1"), ["images.blocked-image:V"]],
    ["blocked image, name:tag", pol({ images: { blocked_images: ["ubuntu:14.04"] } }), run({}, "docker.io/library/ubuntu:14.04"), ["images.blocked-image:V"]],
    ["blocked image, other tag", pol({ images: { blocked_images: ["ubuntu:14.04"] } }), run({}, "ubuntu:22.04"), []],
    ["build tags: blocked registry and image only", pol({ images: { allowed_registries: ["ghcr.io"], blocked_registries: ["evil.com"], blocked_images: ["bad/*"], require_digest: true } }),
      req("image.build", { build: { tags: [parseImageRef("evil.com/a:1"), parseImageRef("bad/thing:2")], buildArgs: [], securityOpts: [], extraHosts: [] } }),
      ["images.blocked-registry:V", "images.blocked-image:V"]]
  ]
  it.each(rows)("%s", (...row) => expect(apply(imageRules, row)).toEqual(row[3]))

  it("seed messages", () => {
    const fs = imageRules(run({}, "quay.io/x/y"), pol({ images: { allowed_registries: ["docker.io"], blocked_registries: ["quay.io"], block_latest_tag: true, require_digest: true } }), {})
    expect(fs.map((f) => [f.message, f.points])).toEqual([
      ["Registry not allowed: quay.io", 15], ["Registry is blocked: quay.io", 25],
      ["Using :latest tag is not recommended", 0], ["Image digest is required", 10]
    ])
  })
})

const port = (hostPort: string | undefined, containerPort = "80", protocol = "tcp") =>
  ({ ...(hostPort !== undefined ? { hostPort } : {}), containerPort, protocol })

describe("network", () => {
  const rows: ReadonlyArray<Row> = [
    ["no network section", pol(), run({ networkMode: "host" }), []],
    ["mode allowed (default bridge)", pol({ network: { allowed_modes: ["bridge"] } }), run(), []],
    ["mode host not allowed", pol({ network: { allowed_modes: ["bridge", "none"] } }), run({ networkMode: "host" }), ["network.mode-not-allowed:V"]],
    ["container:x counts as container", pol({ network: { allowed_modes: ["bridge", "container"] } }), run({ networkMode: "container:db" }), []],
    ["blocked port", pol({ network: { blocked_ports: [{ port: 22 }] } }), run({ ports: [port("22", "22"), port("8080")] }), ["network.blocked-port:V"]],
    ["blocked port within a range", pol({ network: { blocked_ports: [{ port: "2375" }] } }), run({ ports: [port("2370-2380", "2370-2380")] }), ["network.blocked-port:V"]],
    ["protocol must match", pol({ network: { blocked_ports: [{ port: 53, protocol: "udp" }] } }), run({ ports: [port("53", "53", "tcp")] }), []],
    ["ephemeral host port", pol({ network: { blocked_ports: [{ port: 22 }] } }), run({ ports: [port(undefined, "22")] }), []],
    ["service host-mode ports", pol({ network: { blocked_ports: [{ port: 22 }] } }),
      req("service.create", { service: { container: emptyContainer(), hostModePorts: [port("22", "22")], pluginPrivileges: [] } }), ["network.blocked-port:V"]],
    ["dns required, missing", pol({ network: { require_dns: ["10.0.0.2"] } }), run(), ["network.dns-required:V"]],
    ["dns required, other server", pol({ network: { require_dns: ["10.0.0.2"] } }), run({ dns: ["8.8.8.8"] }), ["network.dns-required:V"]],
    ["dns required, given", pol({ network: { require_dns: ["10.0.0.2"] } }), run({ dns: ["10.0.0.2"] }), []]
  ]
  it.each(rows)("%s", (...row) => expect(apply(networkRules, row)).toEqual(row[3]))
})

const env = (...specs: Array<string>) => ({ env: specs.map(envVar) })
const secrets = pol({ environment: { block_secrets: true, secret_patterns: ["SESSION"] } })

describe("environment", () => {
  const rows: ReadonlyArray<Row> = [
    ["block_secrets off", pol(), run(env("DB_PASSWORD=x")), []],
    ["secret with value", secrets, run(env("DB_PASSWORD=x", "HOME=/root")), ["environment.secret:W"]],
    ["secret without value (pass-through)", secrets, run(env("DB_PASSWORD")), []],
    ["policy secret_patterns are honoured", secrets, run(env("MY_SESSION=x")), ["environment.secret:W"]],
    ["exec env", secrets, req("container.exec", { exec: { target: "w", privileged: false, cmd: [], tty: false, interactive: false, ...env("API_KEY=1") } }),
      ["environment.secret:W"]],
    ["build args", secrets, req("image.build", { build: { tags: [], buildArgs: [envVar("GITHUB_TOKEN=x")], securityOpts: [], extraHosts: [] } }),
      ["environment.secret:W"]],
    ["required missing", pol({ environment: { required: ["APP_ENV", "TZ"] } }), run(env("TZ=UTC")), ["environment.required-missing:V"]],
    ["required present", pol({ environment: { required: ["TZ"] } }), run(env("TZ")), []],
    ["blocked var", pol({ environment: { blocked: ["LD_PRELOAD"] } }), run(env("ld_preload=/x.so")), ["environment.blocked-var:V"]],
    ["blocked var on exec", pol({ environment: { blocked: ["LD_PRELOAD"] } }),
      req("container.exec", { exec: { target: "w", privileged: false, cmd: [], tty: false, interactive: false, ...env("LD_PRELOAD=/x") } }), ["environment.blocked-var:V"]]
  ]
  it.each(rows)("%s", (...row) => expect(apply(environmentRules, row)).toEqual(row[3]))

  it("seed message and 0 points; values never appear", () => {
    const [f] = environmentRules(run(env("DB_PASSWORD=hunter2")), secrets, {})
    expect(f).toMatchObject({ message: "Potential secret in environment: DB_PASSWORD", points: 0, level: "medium", category: "secret_exposure" })
    expect(JSON.stringify(f)).not.toContain("hunter2")
  })
})

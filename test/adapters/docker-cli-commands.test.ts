import { describe, expect, it } from "vitest"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"
import type { ParseIO } from "../../src/adapters/docker-cli/parse.ts"
import type { DockerRequest } from "../../src/domain/request.ts"

const io: ParseIO = {
  readFile: (p) => {
    if (p === "exec.env") return "GITHUB_TOKEN=ghp_abcdefghijkl\n"
    throw new Error(`ENOENT ${p}`)
  },
  cwd: "/w"
}
const parsed = (cmd: string | ReadonlyArray<string>) => {
  const r = parseDockerCommand(typeof cmd === "string" ? cmd.split(" ") : cmd, io)
  if (r._tag !== "Parsed") throw new Error(`expected Parsed for ${String(cmd)}: ${r.message}`)
  return r
}
const ok = (cmd: string | ReadonlyArray<string>): DockerRequest => parsed(cmd).request
const bad = (cmd: string) => parseDockerCommand(cmd.split(" "), io)

describe("exec", () => {
  it("target, user, privileged, env, workdir, command", () => {
    const r = ok("exec -it -u 0 --privileged -e A=1 --env-file exec.env -w /root web sh -c id")
    expect(r.action).toBe("container.exec")
    expect(r.target).toBe("web")
    expect(r.exec).toEqual({
      target: "web", privileged: true, user: "0", workingDir: "/root", cmd: ["sh", "-c", "id"], tty: true, interactive: true,
      env: [{ key: "GITHUB_TOKEN", hasValue: true, secretLike: true }, { key: "A", hasValue: true, secretLike: false }]
    })
    expect(JSON.stringify(parsed("exec --env-file exec.env web sh"))).not.toContain("ghp_abcdefghijkl")
    expect(ok("exec -uroot web id").exec?.user).toBe("root")
    expect(ok("exec --privileged=true web id").exec?.privileged).toBe(true)
    expect(ok("exec web sh --privileged").exec?.privileged).toBe(false)
  })
  it("needs a container and a command; unknown flags rejected", () => {
    expect(bad("exec web")).toMatchObject({ _tag: "UsageError" })
    expect(bad("exec --cap-add ALL web sh")).toMatchObject({ _tag: "UsageError", flag: "--cap-add" })
  })
})

describe("build", () => {
  it("tags, build args (masked), network, file, context, secrets", () => {
    const p = parsed("build -t app:1 --tag=ghcr.io/o/app:2 --build-arg NPM_TOKEN=s3cr3tvalue --build-arg PLAIN --network host -f Dockerfile.dev --secret id=npm,src=.npmrc --ssh default --target prod --platform linux/amd64 ./ctx")
    const r = p.request
    expect(r.action).toBe("image.build")
    expect(r.image?.raw).toBe("app:1")
    expect(r.build?.tags.map((t) => t.name)).toEqual(["docker.io/library/app", "ghcr.io/o/app"])
    expect(r.build?.buildArgs).toEqual([
      { key: "NPM_TOKEN", hasValue: true, secretLike: true }, { key: "PLAIN", hasValue: false, secretLike: false }
    ])
    expect(r.build).toMatchObject({ networkMode: "host", dockerfile: "Dockerfile.dev", context: "./ctx", platform: "linux/amd64" })
    expect(r.details).toMatchObject({ secrets: "npm", target: "prod" })
    expect(JSON.stringify(p)).not.toContain("s3cr3tvalue")
    expect(p.command).toContain("--build-arg NPM_TOKEN=***")
    expect(ok("build https://github.com/o/r.git").build?.remote).toBe("https://github.com/o/r.git")
    expect(bad("build")).toMatchObject({ _tag: "UsageError" })
    expect(bad("build --bogus x .")).toMatchObject({ _tag: "UsageError", flag: "--bogus" })
  })
})

describe("images", () => {
  it("pull/push/tag/commit/import/load", () => {
    expect(ok("pull --platform linux/arm64 -q evil.com:5000/x")).toMatchObject({ action: "image.pull", image: { registry: "evil.com:5000" } })
    expect(ok("push -a ghcr.io/o/a")).toMatchObject({ action: "image.push", image: { name: "ghcr.io/o/a" }, details: { allTags: "true" } })
    const t = ok("tag evil.com/x:1 docker.io/library/ubuntu:22.04")
    expect(t).toMatchObject({ action: "image.tag", image: { registry: "evil.com" } })
    expect(t.destinations.map((d) => d.name)).toEqual(["docker.io/library/ubuntu"])
    const c = ok(["commit", "-c", "USER root", "--change=CMD sh", "-m", "msg", "web", "me/img:1"])
    expect(c).toMatchObject({ action: "container.commit", target: "web", changes: ["USER root", "CMD sh"] })
    expect(c.destinations[0]?.path).toBe("me/img")
    const i = ok(["import", "-c", "ENTRYPOINT x", "rootfs.tar", "alpine:evil"])
    expect(i).toMatchObject({ action: "image.import", changes: ["ENTRYPOINT x"], details: { source: "rootfs.tar" } })
    expect(i.destinations[0]?.tag).toBe("evil")
    expect(ok("load -i img.tar")).toMatchObject({ action: "image.load", details: { input: "img.tar" } })
    expect(ok("image load -q").action).toBe("image.load")
    expect(ok("image tag a b").action).toBe("image.tag")
    expect(bad("pull")).toMatchObject({ _tag: "UsageError" })
  })
})

describe("volumes, networks, plugins", () => {
  it("volume create", () => {
    expect(ok("volume create -d local -o Type=none -o o=bind --opt=device=/ v1").volume).toEqual({
      name: "v1", driver: "local", options: { type: "none", o: "bind", device: "/" }
    })
    expect(ok("volume create").volume).toEqual({ driver: "local", options: {} })
    expect(ok("volume ls").action).toBe("read")
  })
  it("network create/connect", () => {
    expect(ok("network create -d macvlan -o parent=eth0 --subnet 10.0.0.0/24 n1")).toMatchObject({
      action: "network.create", network: { name: "n1", driver: "macvlan", options: { parent: "eth0" } }
    })
    expect(ok("network connect --alias x n1 web")).toMatchObject({
      action: "network.connect", target: "web", network: { network: "n1", container: "web" }
    })
  })
  it("plugin install/upgrade → install; enable/disable/rm/set → configure", () => {
    expect(ok("plugin install --grant-all-permissions --alias sshfs vieux/sshfs DEBUG=1")).toMatchObject({
      action: "plugin.install", plugin: { op: "pull", remote: "docker.io/vieux/sshfs", name: "sshfs:latest" },
      details: { grantAllPermissions: "true", settings: "DEBUG=***" }
    })
    expect(ok("plugin upgrade p evil/p:2").plugin).toMatchObject({ op: "upgrade", remote: "docker.io/evil/p:2" })
    for (const s of ["enable", "disable", "rm", "set"]) expect(ok(`plugin ${s} p`).action).toBe("plugin.configure")
    expect(ok("plugin set p mnt.source=/ PASS=x").details["settings"]).toBe("mnt.source=/ PASS=***")
  })
})

describe("services, swarm, secrets", () => {
  it("service create", () => {
    const r = ok("service create --name s --mount type=bind,src=/,dst=/h --cap-add sys_admin -e A=b -u 0 -p mode=host,target=80,published=8080 -p 443:443 --network n1 --limit-memory 1g --group 0 --sysctl a=b evil.com/i:1 sh")
    expect(r.action).toBe("service.create")
    expect(r.image?.registry).toBe("evil.com")
    const s = r.service
    expect(s?.name).toBe("s")
    expect(s?.container).toMatchObject({
      user: "0", capAdd: ["SYS_ADMIN"], groupAdd: ["0"], sysctls: { a: "b" }, networks: ["n1"], cmd: ["sh"],
      resources: { memory: 1024 ** 3 }, env: [{ key: "A", hasValue: true, secretLike: false }]
    })
    expect(s?.container.mounts[0]).toMatchObject({ type: "bind", source: "/" })
    expect(s?.hostModePorts).toEqual([{ containerPort: "80", hostPort: "8080", protocol: "tcp" }])
    expect(s?.container.ports).toHaveLength(2)
    expect(ok("service create alpine --privileged").service?.container.cmd).toEqual(["--privileged"])
  })
  it("service update", () => {
    const r = ok("service update --image evil.com/x:2 --mount-add type=bind,src=/etc,dst=/e --cap-add ALL --env-add K=v svc")
    expect(r).toMatchObject({ action: "service.update", target: "svc", image: { registry: "evil.com" } })
    expect(r.service?.container.mounts[0]?.source).toBe("/etc")
    expect(r.service?.container.capAdd).toEqual(["ALL"])
    expect(parsed("service update --env-add K=secretv svc").command).toContain("--env-add K=***")
  })
  it("swarm, node, secret, config", () => {
    expect(ok("swarm init --advertise-addr 1.2.3.4").action).toBe("swarm.init")
    expect(ok("swarm join --token x 1.2.3.4:2377").action).toBe("swarm.join")
    const j = parsed("swarm join --token SWMTKN-1-abcdef 1.2.3.4:2377")
    expect(JSON.stringify(j)).not.toContain("SWMTKN-1-abcdef")
    expect(j.command).toBe("docker swarm join --token *** 1.2.3.4:2377")
    expect(j.request.details["args"]).toBe("--token *** 1.2.3.4:2377")
    for (const s of ["leave", "update", "unlock", "unlock-key"]) expect(ok(`swarm ${s}`).action).toBe("swarm.manage")
    expect(ok("node update --role manager n1").action).toBe("swarm.manage")
    expect(ok("node ls").action).toBe("read")
    expect(ok("secret create -l a=b s1 file.txt")).toMatchObject({ action: "secret.create", details: { kind: "secret", name: "s1" } })
    expect(ok("config create c1 -").details).toMatchObject({ kind: "config", name: "c1" })
  })
})

describe("containers: update, cp, lifecycle, read-only", () => {
  it("update", () => {
    expect(ok("update -m 256m --cpus 2 --pids-limit 100 --restart always web")).toMatchObject({
      action: "container.update", target: "web",
      update: { resources: { memory: 256 * 1024 ** 2, nanoCpus: 2e9, pidsLimit: 100 }, restartPolicy: "always" }
    })
    expect(ok("container update --cpus 1 web").action).toBe("container.update")
  })
  it("cp into a container is container.archive", () => {
    expect(ok("cp ./evil web:/usr/bin/x")).toMatchObject({ action: "container.archive", target: "web", details: { destination: "/usr/bin/x" } })
    expect(ok("cp -a web:/etc/passwd /tmp/p")).toMatchObject({ action: "read", target: "web" })
    expect(ok("container cp /x web:/y").action).toBe("container.archive")
  })
  it("lifecycle and start", () => {
    expect(ok("start -ai web")).toMatchObject({ action: "container.start", target: "web" })
    for (const c of ["stop -t 5 web", "kill -s KILL web", "rm -fv web", "restart --time=1 web", "pause web", "rename web web2"]) {
      expect(ok(c), c).toMatchObject({ action: "container.lifecycle", target: "web" })
    }
    expect(ok("container rm -f web").action).toBe("container.lifecycle")
    expect(ok("attach web")).toMatchObject({ action: "container.attach", target: "web" })
    expect(bad("stop --bogus web")).toMatchObject({ _tag: "UsageError" })
  })
  it("read-only and other commands", () => {
    for (const c of ["ps -a", "images", "inspect web", "logs -f web", "version", "info", "container ls", "image ls", "system df", "-v", "--version", "image history x"]) {
      expect(ok(c).action, c).toBe("read")
    }
    expect(ok("login -u me -p hunter2pass ghcr.io")).toMatchObject({ action: "auth", details: { server: "ghcr.io", username: "me" } })
    expect(parsed("login -u me -p hunter2pass ghcr.io").command).toBe("docker login -u me -p *** ghcr.io")
    expect(JSON.stringify(parsed("login -p hunter2pass"))).not.toContain("hunter2pass")
    expect(ok("frobnicate x").action).toBe("unknown")
    expect(JSON.stringify(parsed("frobnicate --api-key=k3yvalue"))).not.toContain("k3yvalue")
    expect(ok("container pull x").action).toBe("unknown")
    const compose = parsed(["compose", "run", "-e", "DB_PASSWORD=pw-value-1", "-eTOKEN=pw-value-2", "--env=X=pw-value-3", "svc"])
    expect(JSON.stringify(compose)).not.toMatch(/pw-value/)
    expect(compose.command).toBe("docker compose run -e DB_PASSWORD=*** -eTOKEN=*** --env=X=*** svc")
    expect(ok("image run x").action).toBe("unknown")
    expect(ok("compose -f x.yml up -d").action).toBe("compose")
    expect(ok("stack deploy -c x.yml s").action).toBe("compose")
    expect(ok("buildx bake").action).toBe("buildkit")
    expect(ok("run --help").action).toBe("read")
    expect(ok("stop -h").action).toBe("read")
    expect(ok("run -h myhost alpine").container?.cmd).toEqual([])
    expect(ok("-h").action).toBe("read")
  })
  it("empty input and globals only", () => {
    expect(parseDockerCommand([])).toMatchObject({ _tag: "UsageError" })
    expect(parseDockerCommand(["docker"])).toMatchObject({ _tag: "UsageError" })
    expect(bad("-H tcp://x")).toMatchObject({ _tag: "UsageError" })
  })
})

import { describe, expect, it } from "vitest"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"
import type { ParseIO, ParseResult } from "../../src/adapters/docker-cli/parse.ts"
import type { ContainerSpec, DockerRequest } from "../../src/domain/request.ts"

const files: Record<string, string> = {
  "app.env": "# comment\nDB_PASSWORD=hunter2-very-secret\n  PLAIN=value-xyz\nFROM_HOST\n",
  "bad.env": "MY VAR=1\n",
  "labels.txt": "team=sec\n# skip\nowner=ops\n",
  "/p/seccomp.json": '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": []\n}',
  "/p/notjson.json": "nope"
}
const io: ParseIO = {
  readFile: (p) => {
    const c = files[p]
    if (c === undefined) throw new Error(`ENOENT: no such file ${p}`)
    return c
  },
  cwd: "/home/dev/project"
}

const parse = (cmd: string | ReadonlyArray<string>): ParseResult =>
  parseDockerCommand(typeof cmd === "string" ? cmd.split(" ") : cmd, io)
const ok = (cmd: string | ReadonlyArray<string>): { request: DockerRequest; command: string } => {
  const r = parse(cmd)
  if (r._tag !== "Parsed") throw new Error(`expected Parsed for ${String(cmd)}, got ${r.message}`)
  return r
}
const ctr = (cmd: string | ReadonlyArray<string>): ContainerSpec => {
  const c = ok(cmd).request.container
  if (c === undefined) throw new Error("no container")
  return c
}

describe("run/create basics", () => {
  it("parses image, command, and optional leading docker", () => {
    const r = ok("docker run --rm -it ubuntu:22.04 bash -c echo").request
    expect(r.action).toBe("container.create")
    expect(r.operation).toBe("run")
    expect(r.image?.name).toBe("docker.io/library/ubuntu")
    expect(r.image?.tag).toBe("22.04")
    expect(r.container?.cmd).toEqual(["bash", "-c", "echo"])
    expect(r.container?.autoRemove).toBe(true)
    expect(ok("create alpine").request.operation).toBe("create")
  })
  it("requires an image", () => {
    expect(parse("run --privileged")).toMatchObject({ _tag: "UsageError" })
    expect(parse("create")).toMatchObject({ _tag: "UsageError" })
  })
  it("unknown flags are usage errors naming the flag", () => {
    expect(parse("run --bogus x alpine")).toEqual({ _tag: "UsageError", message: "unknown flag: --bogus", flag: "--bogus" })
    expect(parse("run -Z alpine")).toMatchObject({ _tag: "UsageError", flag: "-Z" })
    expect(parse("run -itZ alpine")).toMatchObject({ _tag: "UsageError", flag: "-Z" })
  })
  it("a value flag at the end is a usage error", () => {
    expect(parse("run alpine")).toMatchObject({ _tag: "Parsed" })
    expect(parse("run --name")).toMatchObject({ _tag: "UsageError", flag: "--name" })
    expect(parse("run -u")).toMatchObject({ _tag: "UsageError", flag: "-u" })
  })
})

describe("§13 C regressions", () => {
  it("16: boolean =value forms (Go ParseBool)", () => {
    for (const v of ["true", "1", "t", "T", "TRUE", "True"]) expect(ctr(`run --privileged=${v} alpine`).privileged).toBe(true)
    for (const v of ["false", "0", "f", "F", "FALSE"]) expect(ctr(`run --privileged=${v} alpine`).privileged).toBe(false)
    expect(ctr("run --read-only=true alpine").readOnlyRootfs).toBe(true)
    expect(parse("run --privileged=yes alpine")).toMatchObject({ _tag: "UsageError", flag: "--privileged" })
    // a bool flag never consumes the next word: `false` becomes the image, as with docker
    const r = ok("run --privileged false").request
    expect(r.container?.privileged).toBe(true)
    expect(r.image?.path).toBe("library/false")
  })
  it("17: short flags with attached or = values, and combined flags ending in a value flag", () => {
    const c = ctr(["run", "-v/:/host", "-uroot", "-m=1g", "-eSECRET=x", "-p22:22", "alpine"])
    expect(c.mounts[0]).toMatchObject({ type: "bind", source: "/", target: "/host" })
    expect(c.user).toBe("root")
    expect(c.resources.memory).toBe(1024 ** 3)
    expect(c.env).toEqual([{ key: "SECRET", hasValue: true, secretLike: true }])
    expect(c.ports).toEqual([{ hostPort: "22", containerPort: "22", protocol: "tcp" }])
    const r = ok("run -itv /:/host alpine").request
    expect(r.image?.path).toBe("library/alpine")
    expect(r.container?.mounts[0]?.source).toBe("/")
    expect(r.container?.tty && r.container.interactive).toBe(true)
    expect(ctr("run -itd alpine").tty).toBe(true)
    expect(ok("run -itd alpine").request.details["detach"]).toBe("true")
    expect(ctr("run -i=false alpine").interactive).toBe(false)
  })
  it("18: value-taking flags consume their value, so the image is right", () => {
    const cases = [
      "-w /x", "-h host", "--env-file app.env", "--device /dev/sda", "--platform linux/amd64", "--label a=b",
      "--volumes-from other", "--ulimit nofile=1024", "--add-host h:1.2.3.4", "--stop-signal KILL",
      "--log-opt max-size=1m", "--health-cmd true", "--shm-size 1g", "--pull always", "--hostname h",
      "-a stdout", "--cidfile /tmp/c", "--dns-search x", "--mac-address 92:d0:c6:0a:29:33", "--restart always"
    ]
    for (const flags of cases) {
      const r = ok(`run ${flags} evil.com/app:1`).request
      expect(r.image?.registry, flags).toBe("evil.com")
      expect(r.container?.cmd, flags).toEqual([])
    }
  })
  it("19: global options and management forms", () => {
    for (const pre of ["-H tcp://h:2375", "--host=unix:///x.sock", "--context prod", "-c prod", "-D", "--debug",
      "-l debug", "--log-level=warn", "--config /tmp/cfg", "--tls", "--tlsverify", "--tlscacert ca.pem"]) {
      const r = ok(`docker ${pre} run --privileged alpine`).request
      expect(r.action, pre).toBe("container.create")
      expect(r.container?.privileged, pre).toBe(true)
    }
    expect(ok("-H tcp://h:2375 --context prod ps").request.details).toMatchObject({ host: "tcp://h:2375", context: "prod" })
    expect(ok("container run --privileged alpine").request.container?.privileged).toBe(true)
    expect(ok("container create alpine").request.action).toBe("container.create")
    expect(ok("container exec -u 0 web sh").request.exec?.user).toBe("0")
    expect(ok("image pull evil.com/x").request).toMatchObject({ action: "image.pull", image: { registry: "evil.com" } })
    expect(ok("image push ghcr.io/o/a:1").request.action).toBe("image.push")
    expect(ok("buildx build -t a .").request.action).toBe("image.build")
    expect(ok("builder build -t a .").request.action).toBe("image.build")
    expect(ok("compose up -d").request.action).toBe("compose")
    expect(parse("--bogus run alpine")).toMatchObject({ _tag: "UsageError", flag: "--bogus" })
  })
  it("20: flags after the image belong to the container command", () => {
    const c = ctr("run alpine --privileged -v /:/host")
    expect(c.privileged).toBe(false)
    expect(c.mounts).toEqual([])
    expect(c.cmd).toEqual(["--privileged", "-v", "/:/host"])
  })
  it("-- ends flags", () => {
    const r = ok("run -- alpine --privileged").request
    expect(r.image?.path).toBe("library/alpine")
    expect(r.container?.privileged).toBe(false)
  })
})

describe("run/create field mapping", () => {
  it("capabilities are split and normalized", () => {
    const c = ctr("run --cap-add sys_admin,CAP_NET_ADMIN --cap-add=all --cap-drop=cap_chown alpine")
    expect(c.capAdd).toEqual(["SYS_ADMIN", "NET_ADMIN", "ALL"])
    expect(c.capDrop).toEqual(["CHOWN"])
  })
  it("namespaces, runtime, cgroups", () => {
    const c = ctr(
      "run --network=host --pid host --ipc=container:x --uts host --userns host --cgroupns host --cgroup-parent /evil --runtime runc alpine"
    )
    expect(c).toMatchObject({
      networkMode: "host", pidMode: "host", ipcMode: "container:x", utsMode: "host", usernsMode: "host",
      cgroupnsMode: "host", cgroupParent: "/evil", runtime: "runc"
    })
    expect(ctr("run --net=none alpine").networkMode).toBe("none")
    expect(ctr("run --network name=mynet,alias=a alpine").networkMode).toBe("mynet")
  })
  it("devices, cgroup rules, gpus", () => {
    const c = ctr("run --device /dev/sda --device /dev/fuse:/dev/f:r --device /dev/k:rw --device-cgroup-rule c_1:*_rwm --gpus all alpine")
    expect(c.devices).toEqual([
      { host: "/dev/sda", container: "/dev/sda", permissions: "rwm" },
      { host: "/dev/fuse", container: "/dev/f", permissions: "r" },
      { host: "/dev/k", container: "/dev/k", permissions: "rw" }
    ])
    expect(c.deviceCgroupRules).toEqual(["c_1:*_rwm"])
    expect(c.deviceRequests).toEqual([{ driver: "", count: -1, deviceIds: [], capabilities: [["gpu"]] }])
    expect(ctr("run --gpus 2 alpine").deviceRequests[0]?.count).toBe(2)
    expect(ctr(["run", "--gpus", '"device=0,1"', "alpine"]).deviceRequests[0]?.deviceIds).toEqual(["0", "1"])
    expect(parse("run --device a:b:c:d alpine")).toMatchObject({ _tag: "UsageError", flag: "--device" })
  })
  it("security options: key forms, seccomp file inlined, systempaths", () => {
    const c = ctr("run --security-opt apparmor:unconfined --security-opt label=disable --security-opt no-new-privileges alpine")
    expect(c.securityOpts).toEqual([
      { key: "apparmor", value: "unconfined" }, { key: "label", value: "disable" }, { key: "no-new-privileges", value: "true" }
    ])
    const s = ctr("run --security-opt seccomp=/p/seccomp.json --security-opt systempaths=unconfined alpine")
    expect(s.securityOpts).toEqual([{ key: "seccomp", value: "<inline>", seccompDefaultAction: "SCMP_ACT_ALLOW" }])
    expect(s.maskedPaths).toEqual([])
    expect(s.readonlyPaths).toEqual([])
    expect(ctr("run alpine").maskedPaths).toBeUndefined()
    expect(ctr("run --security-opt seccomp=unconfined alpine").securityOpts[0]).toEqual({ key: "seccomp", value: "unconfined" })
    expect(parse("run --security-opt seccomp=/p/missing.json alpine")).toMatchObject({ _tag: "UsageError" })
    expect(parse("run --security-opt seccomp=/p/notjson.json alpine")).toMatchObject({ _tag: "UsageError" })
    expect(parse("run --security-opt bogus alpine")).toMatchObject({ _tag: "UsageError", flag: "--security-opt" })
  })
  it("resources", () => {
    const c = ctr("run -m 512m --memory-swap=-1 --cpus 1.5 --cpu-shares 512 --pids-limit -1 --oom-kill-disable --oom-score-adj=-1000 alpine")
    expect(c.resources).toEqual({
      memory: 512 * 1024 ** 2, memorySwap: -1, nanoCpus: 1_500_000_000, cpuShares: 512, cpuQuota: 0, cpuPeriod: 0, pidsLimit: -1
    })
    // like the real CLI's body: unset resources are 0, network "default", restart "no", user ""
    expect(ctr("run alpine")).toMatchObject({
      resources: { memory: 0, memorySwap: 0, nanoCpus: 0, cpuShares: 0, cpuQuota: 0, cpuPeriod: 0, pidsLimit: 0 },
      networkMode: "default", restartPolicy: "no", user: ""
    })
    expect(ok("run --restart on-failure:3 alpine").request).toMatchObject({
      container: { restartPolicy: "on-failure" }, details: { restartRetries: "3" }
    })
    expect(c.oomKillDisable).toBe(true)
    expect(c.oomScoreAdj).toBe(-1000)
    expect(parse("run -m lots alpine")).toMatchObject({ _tag: "UsageError", flag: "--memory" })
    expect(parse("run --pids-limit x alpine")).toMatchObject({ _tag: "UsageError", flag: "--pids-limit" })
  })
  it("ports, labels, sysctls, misc", () => {
    const c = ctr(
      "run -p 127.0.0.1:8080:80/udp -p 9000-9001:9000-9001 -p [::1]:53:53 -P -l a=b --label-file labels.txt --sysctl net.ipv4.ip_forward=1 -w /srv --entrypoint /bin/sh --name web --restart=always --log-driver none --dns 1.1.1.1 --group-add 0 --volumes-from db --runtime=sysbox alpine"
    )
    expect(c.ports).toEqual([
      { hostIp: "127.0.0.1", hostPort: "8080", containerPort: "80", protocol: "udp" },
      { hostPort: "9000-9001", containerPort: "9000-9001", protocol: "tcp" },
      { hostIp: "::1", hostPort: "53", containerPort: "53", protocol: "tcp" }
    ])
    expect(c.publishAll).toBe(true)
    expect(c.labels).toEqual({ team: "sec", owner: "ops", a: "b" })
    expect(c.sysctls).toEqual({ "net.ipv4.ip_forward": "1" })
    expect(c).toMatchObject({
      workingDir: "/srv", entrypoint: ["/bin/sh"], name: "web", restartPolicy: "always", logDriver: "none",
      dns: ["1.1.1.1"], groupAdd: ["0"], volumesFrom: ["db"], runtime: "sysbox"
    })
    expect(ctr(["run", "--entrypoint", "", "alpine"]).entrypoint).toEqual([""])
  })
  it("--use-api-socket adds the docker.sock bind like the CLI", () => {
    expect(ctr("run --use-api-socket alpine").mounts).toEqual([
      { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false, origin: "mount" }
    ])
  })
})

describe("env and env-file masking", () => {
  it("keeps keys only, never values", () => {
    const r = parse(["run", "-e", "API_TOKEN=tok-123456789", "--env=FOO=bar-value", "--env-file", "app.env", "-e", "NOVAL", "alpine"])
    if (r._tag !== "Parsed") throw new Error(r.message)
    expect(r.request.container?.env).toEqual([
      { key: "DB_PASSWORD", hasValue: true, secretLike: true },
      { key: "PLAIN", hasValue: true, secretLike: false },
      { key: "FROM_HOST", hasValue: false, secretLike: false },
      { key: "API_TOKEN", hasValue: true, secretLike: true },
      { key: "FOO", hasValue: true, secretLike: false },
      { key: "NOVAL", hasValue: false, secretLike: false }
    ])
    const json = JSON.stringify(r)
    for (const secret of ["hunter2-very-secret", "value-xyz", "tok-123456789", "bar-value"]) expect(json).not.toContain(secret)
    expect(r.command).toBe("docker run -e API_TOKEN=*** --env=FOO=*** --env-file app.env -e NOVAL alpine")
  })
  it("masks attached and combined short forms", () => {
    expect(ok(["run", "-eK=secretval", "-ite", "X=y1", "alpine"]).command).toBe("docker run -eK=*** -ite X=*** alpine")
  })
  it("env-file problems are usage errors", () => {
    expect(parse("run --env-file nope.env alpine")).toMatchObject({ _tag: "UsageError", flag: "--env-file" })
    expect(parse("run --env-file bad.env alpine")).toMatchObject({ _tag: "UsageError" })
    expect(parseDockerCommand(["run", "--env-file", "app.env", "alpine"])).toMatchObject({ _tag: "UsageError" })
  })
})

import { describe, expect, it } from "vitest"
import { formatCommand } from "../../src/domain/command.ts"
import { baseRequest } from "../../src/domain/request.ts"
import { parseDockerCommand } from "../../src/adapters/docker-cli/parse.ts"

const fmt = (cmd: string | ReadonlyArray<string>): string => {
  const r = parseDockerCommand(typeof cmd === "string" ? cmd.split(" ") : cmd, { readFile: () => "", cwd: "/w" })
  if (r._tag !== "Parsed") throw new Error(r.message)
  return formatCommand(r.request)
}

describe("formatCommand round-trips", () => {
  it("reproduces typical commands exactly", () => {
    for (const c of [
      "docker run --privileged --network host -v /:/host --cap-add SYS_ADMIN ubuntu sh",
      "docker exec -u 0 web sh",
      "docker push ghcr.io/x/y:1",
      "docker pull alpine:3.20",
      "docker volume create -o device=/ -o o=bind v",
      "docker tag evil.com/x:1 ubuntu:22.04",
      "docker run --pid host --userns host -v data:/d:ro --read-only alpine",
      "docker network create -d macvlan -o parent=eth0 n1",
      "docker update -m 256m --cpus 1.5 web"
    ]) {
      expect(fmt(c)).toBe(c)
    }
  })
  it("normalizes equivalent spellings to one canonical form", () => {
    expect(fmt("run -itv /:/host --privileged=true --cap-add=cap_sys_admin,net_admin -uroot alpine"))
      .toBe("docker run --privileged -u root -v /:/host --cap-add SYS_ADMIN --cap-add NET_ADMIN alpine")
    expect(fmt("-H tcp://x container run --net=host alpine")).toBe("docker run --network host alpine")
    expect(fmt("create --name web alpine")).toBe("docker create --name web alpine")
  })
  it("never shows env or build-arg values", () => {
    expect(fmt("run -e API_TOKEN=abc123 -e PLAIN alpine")).toBe("docker run -e API_TOKEN=*** -e PLAIN alpine")
    expect(fmt("exec --privileged -e K=v web id")).toBe("docker exec --privileged -e K=*** web id")
    expect(fmt("build -t a:1 --build-arg TOKEN=abc .")).toBe("docker build -t a:1 --build-arg TOKEN=*** .")
  })
  it("renders mounts, devices, security options, gpus, ports", () => {
    expect(fmt("run --mount type=volume,volume-opt=device=/,volume-opt=o=bind,dst=/x alpine"))
      .toBe("docker run --mount type=volume,target=/x,volume-opt=device=/,volume-opt=o=bind alpine")
    expect(fmt("run --device /dev/sda --gpus all --security-opt seccomp=unconfined --security-opt systempaths=unconfined -p 127.0.0.1:80:80/udp alpine"))
      .toBe("docker run --security-opt seccomp=unconfined --security-opt systempaths=unconfined --device /dev/sda:/dev/sda:rwm --gpus all -p 127.0.0.1:80:80/udp alpine")
    expect(fmt(["run", "--entrypoint", "/bin/sh -c", "alpine", "echo hi"])).toBe("docker run --entrypoint '/bin/sh -c' alpine 'echo hi'")
  })
  it("service create", () => {
    expect(fmt("service create --name s --cap-add sys_admin evil.com/i:1 sh")).toBe("docker service create --name s --cap-add SYS_ADMIN evil.com/i:1 sh")
  })
  it("falls back to the operation", () => {
    expect(formatCommand(baseRequest("container.lifecycle", "POST /containers/{id}/stop"))).toBe("POST /containers/{id}/stop")
    expect(formatCommand(baseRequest("container.create", "POST /containers/create"))).toBe("POST /containers/create")
    expect(fmt("ps -a")).toBe("ps")
  })
})

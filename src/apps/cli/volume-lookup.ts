/**
 * `sentinel exec` only: a docker command line mounting a named volume (`-v rootvol:/host`)
 * says nothing about the volume's driver options. When the daemon the command will talk to is
 * unambiguous and a local unix socket (DOCKER_HOST=unix://…, else /var/run/docker.sock; no
 * global flags such as -H/--context, no DOCKER_CONTEXT, no current context in the docker CLI
 * config), ask it for each volume with a short timeout so a pre-created host-bind volume is
 * judged. Best effort: when the daemon cannot be asked, the request is judged as given (the
 * AuthZ plugin is the enforcement point and fails closed).
 */
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import type { DockerRequest } from "../../domain/request.ts"
import { inspectVolume, socketPathOf } from "../../adapters/docker-api.ts"
import { FactsStore } from "../../adapters/facts.ts"
import { resolveVolumes } from "../authz/volumes.ts"

const DEFAULT_SOCKET = "/var/run/docker.sock"

/** Does the request mount a named volume (the only case worth a look-up)? */
export const mountsNamedVolume = (request: DockerRequest): boolean =>
  (request.container?.mounts ?? request.service?.container.mounts ?? []).some((m) => m.type === "volume" && m.source !== "")

const currentContext = (env: NodeJS.ProcessEnv): string | undefined => {
  const dir = env["DOCKER_CONFIG"] ?? join(homedir(), ".docker")
  try {
    const v = (JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>)["currentContext"]
    return typeof v === "string" && v !== "" && v !== "default" ? v : undefined
  } catch {
    return undefined
  }
}

/** The unix socket the docker command will use, or undefined when that is not certain. */
export const daemonSocketFor = (dockerArgs: ReadonlyArray<string>, env: NodeJS.ProcessEnv): string | undefined => {
  const args = dockerArgs[0] === "docker" ? dockerArgs.slice(1) : dockerArgs
  if (args[0]?.startsWith("-") === true) return undefined // global flags (-H, --context, --config, --tls…): not sure which daemon
  const ctx = env["DOCKER_CONTEXT"]
  if (ctx !== undefined && ctx !== "" && ctx !== "default") return undefined
  const host = env["DOCKER_HOST"]
  if (host !== undefined && host !== "") {
    try {
      return socketPathOf(host)
    } catch {
      return undefined // tcp://, ssh://: not looked up
    }
  }
  if (currentContext(env) !== undefined) return undefined
  return existsSync(DEFAULT_SOCKET) ? DEFAULT_SOCKET : undefined
}

/** Fill named-volume mounts from the daemon when it can be asked; otherwise the request unchanged. */
export const lookUpVolumes = async (request: DockerRequest, dockerArgs: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env, timeoutMs = 300): Promise<DockerRequest> => {
  if (!mountsNamedVolume(request)) return request
  const socket = daemonSocketFor(dockerArgs, env)
  if (socket === undefined) return request
  const daemon = {
    inspect: () => Promise.resolve(undefined),
    execContainer: () => Promise.resolve(undefined),
    networkName: () => Promise.resolve(undefined),
    volume: (name: string) => inspectVolume(socket, name, timeoutMs)
  }
  const resolved = await resolveVolumes(request, new FactsStore(), daemon)
  // a failed look-up is not a deny here (docker itself fails against an unreachable daemon): drop its volume-unknown problems
  return { ...resolved, problems: request.problems }
}

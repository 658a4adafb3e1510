/**
 * Endpoints driven by the query string (the body is a tar or absent): build, image
 * pull/import/push/tag, commit. Values follow Go FormValue semantics (first value wins).
 */
import { parseImageRef } from "../../domain/image-ref.ts"
import type { BuildSpec, DockerRequest, ImageRef } from "../../domain/request.ts"
import { isSecretKey } from "../../domain/secrets.ts"
import type { Mutable } from "./container.ts"
import type { Query } from "./uri.ts"

const nonEmpty = (s: string): s is string => s !== ""

/** `name` + `tag` the way the daemon joins them (reference.WithTag / WithDigest replaces a tag). */
export const withTag = (name: string, tag: string): string => {
  if (tag === "") return name
  const at = name.indexOf("@")
  let base = at >= 0 ? name.slice(0, at) : name
  const lastColon = base.lastIndexOf(":")
  if (lastColon > base.lastIndexOf("/")) base = base.slice(0, lastColon)
  return /^[a-z0-9]+:/.test(tag) && tag.includes(":") ? `${base}@${tag}` : `${base}:${tag}`
}

/** buildargs JSON (map[string]*string): keys and whether a value was given; values are dropped. */
export const buildArgKeys = (raw: string): { args: BuildSpec["buildArgs"]; ok: boolean } => {
  if (raw === "") return { args: [], ok: true }
  try {
    const parsed: unknown = JSON.parse(raw)
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { args: [], ok: false }
    return {
      args: Object.entries(parsed).map(([key, v]) => ({ key, hasValue: v !== null, secretLike: isSecretKey(key) })),
      ok: true
    }
  } catch {
    return { args: [], ok: false }
  }
}

/** POST /build */
export const buildRequest = (req: Mutable<DockerRequest>, q: Query): void => {
  const spec: Mutable<BuildSpec> = {
    tags: q.all("t").filter(nonEmpty).map(parseImageRef),
    buildArgs: [],
    // r.Form["securityopt"] / r.Form["extrahosts"]: every value, as given
    securityOpts: q.all("securityopt"),
    extraHosts: q.all("extrahosts")
  }
  const set = (k: "dockerfile" | "remote" | "networkMode" | "cgroupParent" | "platform", param: string) => {
    const v = q.get(param)
    if (v !== "") spec[k] = v
  }
  set("dockerfile", "dockerfile")
  set("remote", "remote")
  set("networkMode", "networkmode")
  set("cgroupParent", "cgroupparent")
  set("platform", "platform")
  const ba = buildArgKeys(q.get("buildargs"))
  spec.buildArgs = ba.args
  if (!ba.ok) {
    req.problems = [
      ...req.problems,
      {
        code: "undecodable-query",
        message: "the buildargs query parameter is not a JSON object; dockerd rejects it — send buildargs as a JSON object of strings"
      }
    ]
  }
  req.build = spec
  req.destinations = spec.tags
  const d = { ...req.details }
  for (const p of ["version", "pull", "nocache", "squash", "memory", "memswap", "cpusetcpus", "shmsize", "isolation", "target", "outputs", "session"]) {
    const v = q.get(p)
    if (v !== "") d[`build.${p}`] = v
  }
  req.details = d
}

/** POST /images/create: pull (fromImage) or import (fromSrc). */
export const imagesCreateRequest = (req: Mutable<DockerRequest>, q: Query): void => {
  const fromImage = q.get("fromImage")
  const tag = q.get("tag")
  if (fromImage !== "") {
    req.action = "image.pull"
    req.image = parseImageRef(withTag(fromImage, tag))
  } else {
    req.action = "image.import"
    const repo = q.get("repo")
    if (repo !== "") req.destinations = [parseImageRef(withTag(repo, tag))]
    req.changes = q.all("changes")
    req.details = { ...req.details, fromSrc: q.get("fromSrc") }
  }
  const platform = q.get("platform")
  if (platform !== "") req.details = { ...req.details, platform }
}

/** POST /images/{name}/push?tag= */
export const pushRequest = (req: Mutable<DockerRequest>, name: string, q: Query): void => {
  req.image = parseImageRef(withTag(name, q.get("tag")))
}

/** POST /images/{name}/tag?repo=&tag= */
export const tagRequest = (req: Mutable<DockerRequest>, name: string, q: Query): void => {
  req.image = parseImageRef(name)
  const repo = q.get("repo")
  if (repo !== "") req.destinations = [parseImageRef(withTag(repo, q.get("tag")))]
}

/** POST /commit?container=&repo=&tag=&changes=... */
export const commitRequest = (req: Mutable<DockerRequest>, q: Query): void => {
  const container = q.get("container")
  if (container !== "") req.target = container
  const repo = q.get("repo")
  const dest: Array<ImageRef> = repo === "" ? [] : [parseImageRef(withTag(repo, q.get("tag")))]
  req.destinations = dest
  req.changes = q.all("changes")
  if (q.has("pause")) req.details = { ...req.details, pause: String(q.bool("pause")) }
}

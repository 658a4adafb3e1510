/**
 * Fields that custom-rule conditions can read: the seed's aliases (privileged, image,
 * user, ...) and any dotted path into the DockerRequest model (`container.privileged`,
 * `container.mounts.source`, `container.labels.team`). The set of valid paths is derived
 * from the DockerRequest Schema, so it follows the model.
 */
import { SchemaAST } from "effect"
import { DockerRequest } from "../request.ts"
import type { ContainerSpec } from "../request.ts"
import { effectiveTag } from "../image-ref.ts"

const containerOf = (r: DockerRequest): ContainerSpec | undefined => r.container ?? r.service?.container

/** The image a request is about: pulled/pushed/tagged image, else the container's. */
export const requestImage = (r: DockerRequest) => r.image ?? containerOf(r)?.image

/** Seed field names (custom_rules `field:`) and what they read. */
export const ALIASES: Readonly<Record<string, (r: DockerRequest) => unknown>> = {
  privileged: (r) => containerOf(r)?.privileged ?? r.exec?.privileged ?? false,
  image: (r) => requestImage(r)?.raw ?? "",
  user: (r) => containerOf(r)?.user ?? r.exec?.user ?? "",
  network_mode: (r) => containerOf(r)?.networkMode ?? "",
  pid_mode: (r) => containerOf(r)?.pidMode ?? "",
  ipc_mode: (r) => containerOf(r)?.ipcMode ?? "",
  uts_mode: (r) => containerOf(r)?.utsMode ?? "",
  container_name: (r) => containerOf(r)?.name ?? r.target ?? "",
  action: (r) => r.action,
  registry: (r) => requestImage(r)?.registry ?? "",
  tag: (r) => {
    const ref = requestImage(r)
    return ref === undefined ? "" : (effectiveTag(ref) ?? "")
  }
}

const walk = (value: unknown, segments: ReadonlyArray<string>): unknown => {
  let cur: unknown = value
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? ""
    if (cur === undefined || cur === null) return undefined
    if (Array.isArray(cur)) {
      if (/^\d+$/.test(seg)) {
        cur = cur[Number(seg)]
        continue
      }
      // a path through a list reads that field of every element
      const rest = segments.slice(i)
      return cur.flatMap((el) => {
        const v = walk(el, rest)
        return v === undefined ? [] : Array.isArray(v) ? v : [v]
      })
    }
    if (typeof cur !== "object") return undefined
    const obj = cur as Record<string, unknown>
    // record keys may contain dots (sysctls: net.ipv4.ip_forward)
    const joined = segments.slice(i).join(".")
    if (i < segments.length - 1 && Object.prototype.hasOwnProperty.call(obj, joined)) return obj[joined]
    cur = Object.prototype.hasOwnProperty.call(obj, seg) ? obj[seg] : undefined
  }
  return cur
}

/**
 * Read a condition field from a request. `container.*` reads the container spec the request
 * is about (service.container for services); `image.*` reads the image it is about
 * (request.image, else the container's image). Missing values are `undefined`.
 */
export const readField = (request: DockerRequest, field: string): unknown => {
  const alias = ALIASES[field]
  if (alias !== undefined) return alias(request)
  const segments = field.split(".")
  if (segments[0] === "container") return walk(containerOf(request), segments.slice(1))
  // `image.*` is the image the request is about, even when only container.image is set
  if (segments[0] === "image") return walk(requestImage(request), segments.slice(1))
  return walk(request, segments)
}

// ---- valid paths, from the Schema AST ----

type Node = { readonly kind: "struct"; readonly fields: ReadonlyMap<string, Node> } | { readonly kind: "record" } | {
  readonly kind: "leaf"
}

const toNode = (ast: SchemaAST.AST): Node => {
  switch (ast._tag) {
    case "Refinement":
      return toNode(ast.from)
    case "Transformation":
      return toNode(ast.to)
    case "Suspend":
      return toNode(ast.f())
    case "TupleType": {
      const el = ast.rest[0]
      return el === undefined ? { kind: "leaf" } : toNode(el.type)
    }
    case "Union": {
      const members = ast.types.filter((t) => t._tag !== "UndefinedKeyword")
      const structural = members.map(toNode).find((n) => n.kind !== "leaf")
      return structural ?? { kind: "leaf" }
    }
    case "TypeLiteral": {
      if (ast.indexSignatures.length > 0 && ast.propertySignatures.length === 0) return { kind: "record" }
      const fields = new Map<string, Node>()
      for (const ps of ast.propertySignatures) fields.set(String(ps.name), toNode(ps.type))
      return { kind: "struct", fields }
    }
    default:
      return { kind: "leaf" }
  }
}

const ROOT = toNode(DockerRequest.ast)

/** Is `field` something a condition can read? Else says where the path breaks and what exists there. */
export const checkField = (
  field: string
): { readonly ok: true } | { readonly ok: false; readonly at: string; readonly available: ReadonlyArray<string> } => {
  if (ALIASES[field] !== undefined) return { ok: true }
  const segments = field.split(".")
  let node: Node = ROOT
  const seen: Array<string> = []
  for (const seg of segments) {
    if (node.kind === "record") return { ok: true }
    if (/^\d+$/.test(seg) && seen.length > 0) {
      seen.push(seg)
      continue
    }
    if (node.kind === "leaf") return { ok: false, at: seen.join("."), available: [] }
    const next: Node | undefined = node.fields.get(seg)
    if (next === undefined) {
      const available = [...node.fields.keys()]
      return { ok: false, at: seen.join("."), available: seen.length === 0 ? [...Object.keys(ALIASES), ...available] : available }
    }
    seen.push(seg)
    node = next
  }
  return { ok: true }
}

/**
 * Event upcasting: stored payloads are never rewritten; older versions are converted to the
 * current shape on read. Each upcaster lifts one (type, version) to version + 1.
 */
import { Schema } from "effect"
import { DecisionEvent } from "./events.ts"

/** The current payload version of every event type. */
export const CURRENT_VERSION: Readonly<Record<string, number>> = {
  RequestReceived: 1,
  RuleEvaluated: 1,
  ScanCompleted: 1,
  Decided: 1,
  AuditPruned: 1,
  Replayed: 1
}

type Json = Record<string, unknown>
type Upcaster = (payload: Json) => Json

const str = (v: unknown, fallback: string): string => (typeof v === "string" ? v : fallback)
const num = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback)

/**
 * Decided v0 (pre-release layout, kept for stores written by early builds):
 * `{ policy: "<name>", reason?: "<one string>", riskScore }` with no mode, maxScore or mitigations.
 */
const decidedV0toV1: Upcaster = (p) => {
  const policy = typeof p["policy"] === "string" ? { name: p["policy"], sha256: "" } : p["policy"]
  const reason = p["reason"]
  const out: Json = {
    _tag: "Decided",
    version: 1,
    decisionId: str(p["decisionId"], ""),
    at: str(p["at"], ""),
    allowed: p["allowed"] === true,
    decision: str(p["decision"], p["allowed"] === true ? "allowed" : "denied"),
    score: num(p["score"], num(p["riskScore"], 0)),
    maxScore: num(p["maxScore"], 0),
    mode: str(p["mode"], "enforce"),
    policy,
    reasons: Array.isArray(p["reasons"]) ? p["reasons"] : typeof reason === "string" && reason !== "" ? [reason] : [],
    mitigations: []
  }
  if (typeof p["error"] === "string") out["error"] = p["error"]
  if (typeof p["durationMs"] === "number") out["durationMs"] = p["durationMs"]
  return out
}

/** RequestReceived v0: `policy` was the bare policy name. */
const requestV0toV1: Upcaster = (p) => ({
  ...p,
  version: 1,
  policy: typeof p["policy"] === "string" ? { name: p["policy"], sha256: "" } : p["policy"]
})

const upcasters: Readonly<Record<string, Upcaster>> = {
  "Decided@0": decidedV0toV1,
  "RequestReceived@0": requestV0toV1
}

/** Lift a raw payload of `type` at `version` to the current version (no validation). */
export const upcastRaw = (type: string, version: number, payload: Json): Json => {
  const target = CURRENT_VERSION[type]
  if (target === undefined) throw new Error(`unknown event type "${type}": the store holds an event this build does not know; upgrade sentinel`)
  let v = version
  let p: Json = { ...payload, _tag: type }
  while (v < target) {
    const up = upcasters[`${type}@${v}`]
    if (up === undefined) throw new Error(`no upcaster for ${type} version ${v}: cannot read this event; upgrade sentinel`)
    p = up(p)
    v = num(p["version"], v + 1)
  }
  if (v > target) throw new Error(`${type} version ${v} is newer than this build understands (${target}); upgrade sentinel`)
  return p
}

const decodeEvent = Schema.decodeUnknownSync(DecisionEvent, { errors: "all" })

/** Upcast and validate: the typed current-version event. Throws a readable error on bad data. */
export const upcast = (type: string, version: number, payload: Json): DecisionEvent =>
  decodeEvent(upcastRaw(type, version, payload))

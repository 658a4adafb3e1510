/**
 * Export/forward formats for one decision row: CSV (RFC 4180), OCSF API Activity (class 6003),
 * CEF (ArcSight), RFC 5424 syslog. Field lists and escaping rules are documented in docs/EVENTS.md.
 */
import { describeRow, type DecisionRow } from "../../domain/audit-views.ts"

export const PRODUCT = { vendor: "Sentinel", name: "Docker Sentinel", version: "0.1.0" } as const

// ---- CSV --------------------------------------------------------------------------------------

export const CSV_HEADER = ["time", "decision_id", "source", "user", "method", "uri", "action", "image", "command", "decision", "score", "policy", "reasons"] as const

/**
 * RFC 4180 quoting: fields with `"`, `,`, CR or LF are quoted and `"` doubled. Fields starting
 * with `=`, `+`, `-`, `@`, TAB or CR get a leading `'` so spreadsheets do not run them as formulas.
 */
export const csvField = (v: string | number | undefined): string => {
  if (v === undefined) return ""
  let s = String(v)
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export const csvLine = (fields: ReadonlyArray<string | number | undefined>): string => `${fields.map(csvField).join(",")}\r\n`

export const csvRow = (r: DecisionRow): string =>
  csvLine([r.at, r.decisionId, r.source, r.user, r.method, r.uri, r.action, r.image, r.command, r.decision, r.score, r.policy, r.reasons.join("; ")])

// ---- OCSF -------------------------------------------------------------------------------------

/** OCSF activity for an action: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other. */
export const ocsfActivity = (r: DecisionRow): { readonly id: number; readonly name: string } => {
  const a = r.action
  if (a === "read") return { id: 2, name: "Read" }
  if (a.endsWith(".create") || a === "image.build" || a === "image.pull" || a === "image.import" || a === "image.load" || a === "plugin.install") return { id: 1, name: "Create" }
  if (a.endsWith(".update") || a === "container.start" || a === "image.tag" || a === "swarm.manage") return { id: 3, name: "Update" }
  if (r.method === "DELETE") return { id: 4, name: "Delete" }
  return { id: 99, name: "Other" }
}

const ocsfSeverity = (r: DecisionRow): { readonly id: number; readonly name: string } =>
  r.decision === "denied" ? (r.score >= 75 ? { id: 5, name: "Critical" } : { id: 4, name: "High" })
    : r.decision === "warned" ? { id: 3, name: "Medium" } : { id: 1, name: "Informational" }

/** One OCSF 1.1 API Activity event (class_uid 6003) for a decision. */
export const ocsfEvent = (r: DecisionRow, hostname: string): Record<string, unknown> => {
  const act = ocsfActivity(r)
  const sev = ocsfSeverity(r)
  const blocked = !r.allowed
  return {
    class_uid: 6003,
    class_name: "API Activity",
    category_uid: 6,
    category_name: "Application Activity",
    activity_id: act.id,
    activity_name: act.name,
    type_uid: 600300 + act.id,
    type_name: `API Activity: ${act.name}`,
    time: Date.parse(r.at),
    severity_id: sev.id,
    severity: sev.name,
    status_id: blocked ? 2 : 1,
    status: blocked ? "Failure" : "Success",
    status_detail: r.decision,
    disposition_id: blocked ? 2 : 1,
    disposition: blocked ? "Blocked" : "Allowed",
    message: `${r.decision}: ${describeRow(r)}`,
    metadata: {
      version: "1.1.0",
      uid: r.decisionId,
      product: { name: PRODUCT.name, vendor_name: PRODUCT.vendor, version: PRODUCT.version },
      log_name: "sentinel-audit"
    },
    actor: { user: { name: r.user ?? "unknown" } },
    api: {
      operation: r.action,
      request: { uid: r.decisionId },
      service: { name: r.source === "cli" ? "sentinel-cli" : "docker-engine" }
    },
    cloud: { provider: "local" },
    src_endpoint: { hostname },
    http_request: r.method !== undefined || r.uri !== undefined ? { http_method: r.method, url: { path: r.uri } } : undefined,
    resources: r.image !== undefined ? [{ name: r.image, type: "container_image" }] : undefined,
    risk_score: r.score,
    unmapped: { policy: r.policy, reasons: r.reasons, command: r.command, source: r.source }
  }
}

/** OCSF fields that API Activity requires (schema 1.1); the export always sets them. */
export const OCSF_REQUIRED = ["activity_id", "actor", "api", "category_uid", "class_uid", "cloud", "metadata", "severity_id", "src_endpoint", "time", "type_uid"] as const

// ---- CEF --------------------------------------------------------------------------------------

/** CEF header fields: `\` → `\\`, `|` → `\|`; newlines become spaces. */
export const cefHeader = (s: string): string => s.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replace(/[\r\n]+/g, " ")
/** CEF extension values: `\` → `\\`, `=` → `\=`, LF → `\n`, CR → `\r`. */
export const cefValue = (s: string): string =>
  s.replaceAll("\\", "\\\\").replaceAll("=", "\\=").replaceAll("\r", "\\r").replaceAll("\n", "\\n")

const cefSeverity = (r: DecisionRow): number => (r.decision === "denied" ? 8 : r.decision === "warned" ? 5 : 2)

/** One CEF line per decision. Extension keys are listed in docs/EVENTS.md. */
export const cefLine = (r: DecisionRow): string => {
  const ext: Array<[string, string | number | undefined]> = [
    ["rt", Date.parse(r.at)],
    ["act", r.decision],
    ["outcome", r.allowed ? "success" : "failure"],
    ["suser", r.user],
    ["requestMethod", r.method],
    ["request", r.uri],
    ["cs1Label", "decisionId"], ["cs1", r.decisionId],
    ["cs2Label", "policy"], ["cs2", r.policy],
    ["cs3Label", "image"], ["cs3", r.image],
    ["cs4Label", "reasons"], ["cs4", r.reasons.join("; ")],
    ["cs5Label", "command"], ["cs5", r.command],
    ["cs6Label", "source"], ["cs6", r.source],
    ["cn1Label", "riskScore"], ["cn1", r.score]
  ]
  const extText = ext.filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => `${k}=${cefValue(String(v))}`).join(" ")
  return `CEF:0|${cefHeader(PRODUCT.vendor)}|${cefHeader(PRODUCT.name)}|${cefHeader(PRODUCT.version)}|${cefHeader(r.action)}|${cefHeader(`Docker request ${r.decision}`)}|${cefSeverity(r)}|${extText}\n`
}

// ---- RFC 5424 syslog ---------------------------------------------------------------------------

/** SD-PARAM value escaping (RFC 5424 §6.3.3): `"`, `\` and `]` are backslash-escaped. */
export const sdValue = (s: string): string => s.replace(/["\\\]]/g, (c) => `\\${c}`)

/** Facility 13 (log audit); severity warning (denied), notice (warned), informational (allowed). */
export const syslogPri = (r: DecisionRow): number => 13 * 8 + (r.decision === "denied" ? 4 : r.decision === "warned" ? 5 : 6)

/** One RFC 5424 message (no framing): `<PRI>1 TIME HOST sentinel PID MSGID [SD] MSG`. */
export const syslogMessage = (r: DecisionRow, hostname: string, pid: number = process.pid): string => {
  const host = hostname.replace(/[^\x21-\x7e]/g, "").slice(0, 255) || "-"
  const sd = `[sentinel@32473 decisionId="${sdValue(r.decisionId)}" decision="${r.decision}" score="${r.score}" user="${sdValue(r.user ?? "unknown")}" action="${sdValue(r.action)}" policy="${sdValue(r.policy)}"]`
  const reasons = r.reasons.length > 0 ? ` — ${r.reasons.join("; ")}` : ""
  return `<${syslogPri(r)}>1 ${r.at} ${host} sentinel ${pid} ${r.decision} ${sd} \uFEFF${r.decision} ${describeRow(r)}${reasons}`.replace(/[\r\n]+/g, " ")
}

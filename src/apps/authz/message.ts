/**
 * The plugin's answers and the human text in them. dockerd shows `Msg` of a deny as
 * `authorization denied by plugin <name>: <Msg>`; a Msg on allow is never shown, so
 * warn/audit-mode "would have blocked" text is logged by the server instead.
 */
import type { Finding } from "../../domain/finding.ts"
import type { Verdict } from "../../domain/decide.ts"

/** The AuthZ plugin response body (always sent with HTTP 200). */
export interface AuthzResponse {
  readonly Allow: boolean
  readonly Msg: string
  readonly Err: string
}

/** One line per finding: `[CRITICAL] message (rule.id) — mitigation`. */
export const findingLine = (f: Finding): string =>
  `[${f.level.toUpperCase()}] ${f.message} (${f.rule})${f.mitigation !== undefined && f.mitigation !== "" ? ` — ${f.mitigation}` : ""}`

const scoreLine = (v: Verdict, policyName: string): string =>
  `risk score ${v.score}/100 (max ${v.maxScore}), policy "${policyName}" in ${v.mode} mode`

/** The deny message: every violation on its own line, then the score line. */
export const denyMessage = (v: Verdict, policyName: string): string => {
  const lines = v.violations.map(findingLine)
  if (lines.length === 0) {
    lines.push(`risk score ${v.score} exceeds the policy maximum ${v.maxScore}`)
    for (const w of v.warnings) lines.push(findingLine(w))
  }
  lines.push(scoreLine(v, policyName))
  return lines.join("\n")
}

/** For an allowed request with findings: what warn/audit mode would have blocked, and the warnings. */
export const allowNote = (v: Verdict, policyName: string): string => {
  if (v.findings.length === 0) return ""
  const head = v.violations.length > 0 ? `${v.mode} mode: enforce would have blocked this request` : "allowed with warnings"
  return [head, ...v.findings.map(findingLine), scoreLine(v, policyName)].join("\n")
}

/** The answer when Sentinel could not decide (fail closed, or fail open when configured). */
export const failureResponse = (reason: string, failOpen: boolean): AuthzResponse =>
  failOpen
    ? { Allow: true, Msg: `Sentinel failed open: ${reason}`, Err: "" }
    : {
        Allow: false,
        Msg: `Sentinel could not decide and denies by default (fail closed): ${reason}`,
        Err: reason
      }

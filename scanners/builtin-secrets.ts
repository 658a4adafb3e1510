/**
 * The built-in secret scanner: no external tool. Runs secretlint's recommended rules over
 * text (layer files, image env, image history). The image walking (docker save + tar) is
 * in src/adapters/scan/image-reader.ts; this file only decides what a secret is.
 */
import { lintSource } from "@secretlint/core"
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend"
import { secretSeverity } from "./trufflehog.ts"
import { redactSecret, type SecretFinding } from "./types.ts"

export const BUILTIN_ID = "builtin"
/** bump when detection changes, so cached results are not reused */
export const BUILTIN_VERSION = "1.0.0+secretlint-11.7.1"

const CONFIG = {
  rules: [
    {
      id: "@secretlint/secretlint-rule-preset-recommend",
      rule: recommended,
      rules: [{ id: "@secretlint/secretlint-rule-aws", options: { enableIDScanRule: true } }]
    }
  ]
}

/** secretlint rule/message -> detector name (TruffleHog's names, so one severity table applies). */
const detectorName = (ruleId: string, messageId: string | undefined): string => {
  const rule = ruleId.replace(/^@secretlint\/secretlint-rule-/, "")
  switch (rule) {
    case "aws":
      return "AWS"
    case "privatekey":
      return "PrivateKey"
    case "github":
      return "Github"
    case "gcp":
      return "GoogleCloud"
    case "slack":
      return messageId === "IncomingWebhook" ? "SlackWebhook" : "Slack"
    case "sendgrid":
      return "SendGrid"
    case "database-connection-string":
      return "DatabaseConnection"
    case "npm":
      return "NpmToken"
    case "basicauth":
      return "URI"
    case "openai":
      return "OpenAI"
    case "anthropic":
      return "Anthropic"
    default:
      return messageId ?? rule
  }
}

/** Where a piece of text came from. */
export interface TextOrigin {
  readonly file: string
  readonly layer?: string | undefined
}

/** Scan one text blob. The secret itself is only kept in redacted form. */
export const scanText = async (content: string, origin: TextOrigin): Promise<Array<SecretFinding>> => {
  const result = await lintSource({
    source: { filePath: origin.file, content, contentType: "text" },
    options: { config: CONFIG, maskSecrets: true, noPhysicFilePath: true }
  })
  return result.messages.map((m) => {
    const detector = detectorName(m.ruleId, m.messageId)
    return {
      detector,
      severity: secretSeverity(detector, false),
      file: origin.file,
      layer: origin.layer,
      line: m.loc.start.line,
      verified: false,
      redacted: redactSecret(content.slice(m.range[0], m.range[1]))
    }
  })
}

/** Does this look like text worth scanning (no NUL in the first 8 KiB)? */
export const looksLikeText = (buf: Uint8Array): boolean => {
  const n = Math.min(buf.length, 8192)
  for (let i = 0; i < n; i++) if (buf[i] === 0) return false
  return true
}

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL)/i

/** Image config: env (`K=V`) and history `created_by` lines. */
export interface ImageConfigLike {
  readonly config?: { readonly Env?: ReadonlyArray<string> | null | undefined } | null | undefined
  readonly history?: ReadonlyArray<{ readonly created_by?: string | undefined }> | null | undefined
}

/** Scan the image config: secretlint over env and history, plus secret-named env vars with a value. */
export const scanImageConfig = async (cfg: ImageConfigLike): Promise<Array<SecretFinding>> => {
  const out: Array<SecretFinding> = []
  for (const kv of cfg.config?.Env ?? []) {
    const eq = kv.indexOf("=")
    const key = eq < 0 ? kv : kv.slice(0, eq)
    const value = eq < 0 ? "" : kv.slice(eq + 1)
    const file = `image-config:env:${key}`
    const found = await scanText(kv, { file })
    out.push(...found)
    if (found.length === 0 && value.length >= 8 && SECRET_NAME.test(key)) {
      out.push({ detector: "SecretEnvVar", severity: "medium", file, verified: false, redacted: redactSecret(value) })
    }
  }
  const hist = cfg.history ?? []
  for (let i = 0; i < hist.length; i++) {
    const line = hist[i]?.created_by
    if (line !== undefined && line !== "") out.push(...(await scanText(line, { file: `image-metadata:history:${i}:created-by` })))
  }
  return out
}

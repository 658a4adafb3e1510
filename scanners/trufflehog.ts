/** TruffleHog v3: `trufflehog docker --image docker://IMAGE --json --no-update` (JSON lines). */
import { Either, Schema } from "effect"
import { redactSecret, type ScannerAdapter, type ScanSeverity, type SecretFinding } from "./types.ts"

/** One result line. `DetectorType` is a number in real output (the seed expected a string). */
export const TruffleHogLine = Schema.Struct({
  SourceMetadata: Schema.optional(
    Schema.Struct({
      Data: Schema.optional(
        Schema.Struct({
          Docker: Schema.optional(
            Schema.Struct({ file: Schema.optional(Schema.String), image: Schema.optional(Schema.String), layer: Schema.optional(Schema.String), tag: Schema.optional(Schema.String) })
          )
        })
      )
    })
  ),
  DetectorType: Schema.Union(Schema.Number, Schema.String),
  DetectorName: Schema.String,
  Verified: Schema.Boolean,
  VerificationError: Schema.optional(Schema.String),
  Raw: Schema.optional(Schema.String)
})

/** Detectors the seed treats as HIGH when unverified. */
export const HIGH_RISK_DETECTORS: ReadonlySet<string> = new Set(
  [
    "AWS", "AWSSessionKey", "Github", "GithubApp", "GitLab", "Slack", "SlackWebhook", "Stripe", "PrivateKey",
    "RSAPrivateKey", "SSHPrivateKey", "PGPPrivateKey", "GoogleCloud", "Azure", "HerokuAPIKey", "SendGrid", "Twilio",
    "JWT", "DatabaseConnection", "MongoDBConnection", "PostgresConnection", "MySQLConnection"
  ].map((s) => s.toLowerCase())
)

/** Seed severity: verified -> critical, high-risk detector -> high, else medium. */
export const secretSeverity = (detector: string, verified: boolean): ScanSeverity =>
  verified ? "critical" : HIGH_RISK_DETECTORS.has(detector.toLowerCase()) ? "high" : "medium"

const decodeLine = Schema.decodeUnknownEither(Schema.parseJson(TruffleHogLine))

/** Parse JSONL. Lines that are not results (log records) are skipped; a result line that does not decode is an error. */
export const parseTruffleHog = (stdout: string): Either.Either<ReadonlyArray<SecretFinding>, string> => {
  const out: Array<SecretFinding> = []
  const lines = stdout.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? "").trim()
    if (line === "") continue
    if (!line.startsWith("{")) return Either.left(`line ${i + 1} is not JSON: ${line.slice(0, 60)}`)
    if (!line.includes('"DetectorName"')) continue // a log record (level/msg), not a finding
    const r = decodeLine(line)
    if (Either.isLeft(r)) return Either.left(`line ${i + 1}: ${r.left.message.split("\n").slice(0, 4).join(" ")}`)
    const v = r.right
    const d = v.SourceMetadata?.Data?.Docker
    out.push({
      detector: v.DetectorName,
      severity: secretSeverity(v.DetectorName, v.Verified),
      file: d?.file,
      layer: d?.layer,
      verified: v.Verified,
      redacted: redactSecret(v.Raw ?? "")
    })
  }
  return Either.right(out)
}

export const trufflehog: ScannerAdapter<"secrets"> = {
  id: "trufflehog",
  kind: "secrets",
  binary: "trufflehog",
  installHint: "install TruffleHog v3 (https://github.com/trufflesecurity/trufflehog#floppy_disk-installation) or use --scanner builtin",
  versionArgs: ["--version"],
  parseVersion: (out) => /(\d+\.\d+\.\d+[\w.+-]*)/.exec(out)?.[1],
  // docker:// makes trufflehog read the local daemon's image, not a registry copy
  command: (image, opts) => ["docker", "--image", `docker://${image}`, "--json", "--no-update", ...(opts.offline === true ? ["--no-verification"] : [])],
  interpretExit: (code) => (code === 0 || code === 183 ? "ok" : "error"),
  transient: /timeout|connection reset|temporarily unavailable/i,
  imageNotFound: /No such image|not found|unable to find/i,
  parse: parseTruffleHog
}

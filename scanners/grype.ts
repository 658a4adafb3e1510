/** Grype: `grype docker:IMAGE -o json --quiet`. */
import { Either, Schema } from "effect"
import { decodeJson, normSeverity, type ScannerAdapter, type Vulnerability } from "./types.ts"

const Match = Schema.Struct({
  vulnerability: Schema.Struct({
    id: Schema.String,
    severity: Schema.optional(Schema.String),
    description: Schema.optional(Schema.String),
    cvss: Schema.optional(Schema.NullOr(Schema.Array(Schema.Struct({ metrics: Schema.optional(Schema.Struct({ baseScore: Schema.optional(Schema.Number) })) })))),
    fix: Schema.optional(Schema.Struct({ versions: Schema.optional(Schema.NullOr(Schema.Array(Schema.String))), state: Schema.optional(Schema.String) }))
  }),
  artifact: Schema.Struct({ name: Schema.String, version: Schema.String, type: Schema.optional(Schema.String) })
})

/** The part of Grype's JSON document Sentinel reads. */
export const GrypeReport = Schema.Struct({
  matches: Schema.NullOr(Schema.Array(Match)),
  descriptor: Schema.optional(Schema.Struct({ name: Schema.optional(Schema.String), version: Schema.optional(Schema.String) }))
})

export const grype: ScannerAdapter<"vulnerabilities"> = {
  id: "grype",
  kind: "vulnerabilities",
  binary: "grype",
  installHint: "install Grype (https://github.com/anchore/grype#installation) or choose --scanner trivy",
  versionArgs: ["version"],
  parseVersion: (out) => /^Version:\s*v?([\w.+-]+)/m.exec(out)?.[1],
  // `docker:` makes grype read the local daemon; the image was validated (no scheme prefix of its own)
  command: (image) => [`docker:${image}`, "-o", "json", "--quiet"],
  env: { GRYPE_CHECK_FOR_APP_UPDATE: "false" },
  interpretExit: (code) => (code === 0 || code === 2 ? "ok" : "error"),
  transient: /timeout|connection reset|temporarily unavailable|TOOMANYREQUESTS/i,
  imageNotFound: /No such image|could not fetch image|unable to find|not found/i,
  parse: (stdout) =>
    decodeJson(GrypeReport, stdout).pipe(
      Either.map((r) => {
        const seen = new Set<string>()
        const out: Array<Vulnerability> = []
        for (const m of r.matches ?? []) {
          const key = `${m.vulnerability.id}\u0000${m.artifact.name}\u0000${m.artifact.version}\u0000${m.artifact.type ?? ""}`
          if (seen.has(key)) continue
          seen.add(key)
          const fixes = m.vulnerability.fix?.versions ?? []
          out.push({
            id: m.vulnerability.id,
            severity: normSeverity(m.vulnerability.severity),
            package: m.artifact.name,
            installedVersion: m.artifact.version,
            fixedVersion: fixes.length > 0 ? fixes.join(", ") : undefined,
            title: m.vulnerability.description,
            cvss: m.vulnerability.cvss?.[0]?.metrics?.baseScore
          })
        }
        return out
      })
    )
}

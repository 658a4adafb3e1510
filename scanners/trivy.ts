/** Trivy: `trivy image --format json --quiet [offline flags] IMAGE`. */
import { Either, Schema } from "effect"
import { decodeJson, normSeverity, type ScannerAdapter, type Vulnerability } from "./types.ts"

const TrivyVuln = Schema.Struct({
  VulnerabilityID: Schema.String,
  PkgName: Schema.String,
  InstalledVersion: Schema.optional(Schema.String),
  FixedVersion: Schema.optional(Schema.String),
  Severity: Schema.optional(Schema.String),
  Title: Schema.optional(Schema.String),
  CVSS: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Struct({ V3Score: Schema.optional(Schema.Number) }) }))
})

/** The part of Trivy's JSON report (SchemaVersion 2) Sentinel reads. */
export const TrivyReport = Schema.Struct({
  SchemaVersion: Schema.optional(Schema.Number),
  ArtifactName: Schema.optional(Schema.String),
  Results: Schema.optional(
    Schema.NullOr(
      Schema.Array(
        Schema.Struct({
          Target: Schema.String,
          Class: Schema.optional(Schema.String),
          Vulnerabilities: Schema.optional(Schema.NullOr(Schema.Array(TrivyVuln)))
        })
      )
    )
  )
})

const cvssOf = (v: typeof TrivyVuln.Type): number | undefined => {
  const nvd = v.CVSS?.["nvd"]?.V3Score
  if (nvd !== undefined) return nvd
  for (const s of Object.values(v.CVSS ?? {})) if (s.V3Score !== undefined) return s.V3Score
  return undefined
}

export const trivy: ScannerAdapter<"vulnerabilities"> = {
  id: "trivy",
  kind: "vulnerabilities",
  binary: "trivy",
  installHint: "install Trivy (https://trivy.dev/latest/getting-started/installation/) or choose --scanner grype",
  versionArgs: ["--version"],
  parseVersion: (out) => /Version:\s*v?([\w.+-]+)/.exec(out)?.[1],
  command: (image, opts) => [
    "image",
    "--format",
    "json",
    "--quiet",
    "--list-all-pkgs=false",
    "--scanners",
    "vuln",
    ...(opts.offline === true
      ? ["--skip-db-update", "--skip-java-db-update", "--offline-scan", "--skip-version-check", "--disable-telemetry"]
      : []),
    image
  ],
  // 0 = done (findings or not); anything else is a fatal error (we never pass --exit-code)
  interpretExit: (code) => (code === 0 ? "ok" : "error"),
  transient: /TOOMANYREQUESTS|timeout|connection reset|temporarily unavailable|cache may be in use|resource temporarily/i,
  imageNotFound: /No such image|unable to find the specified image|image not found/i,
  parse: (stdout) =>
    decodeJson(TrivyReport, stdout).pipe(
      Either.map((r) => {
        const out: Array<Vulnerability> = []
        for (const res of r.Results ?? []) {
          for (const v of res.Vulnerabilities ?? []) {
            out.push({
              id: v.VulnerabilityID,
              severity: normSeverity(v.Severity),
              package: v.PkgName,
              installedVersion: v.InstalledVersion ?? "",
              fixedVersion: v.FixedVersion === undefined || v.FixedVersion === "" ? undefined : v.FixedVersion,
              title: v.Title,
              cvss: cvssOf(v)
            })
          }
        }
        return out
      })
    )
}

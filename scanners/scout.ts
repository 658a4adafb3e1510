/** Docker Scout: `docker scout cves IMAGE --format sarif` (Scout has no plain JSON format). */
import { Either, Schema } from "effect"
import { decodeJson, normSeverity, trimToJson, type ScannerAdapter, type Vulnerability } from "./types.ts"

const Rule = Schema.Struct({
  id: Schema.String,
  shortDescription: Schema.optional(Schema.Struct({ text: Schema.String })),
  properties: Schema.optional(
    Schema.Struct({
      cvssV3_severity: Schema.optional(Schema.String),
      "security-severity": Schema.optional(Schema.String),
      fixed_version: Schema.optional(Schema.String),
      purl: Schema.optional(Schema.String),
      purls: Schema.optional(Schema.Array(Schema.String))
    })
  )
})

/** The SARIF 2.1.0 subset Scout writes. */
export const ScoutSarif = Schema.Struct({
  version: Schema.String,
  runs: Schema.Array(
    Schema.Struct({
      tool: Schema.Struct({ driver: Schema.Struct({ name: Schema.String, version: Schema.optional(Schema.String), rules: Schema.optional(Schema.Array(Rule)) }) }),
      results: Schema.optional(Schema.Array(Schema.Struct({ ruleId: Schema.String, ruleIndex: Schema.optional(Schema.Number) })))
    })
  )
})

/** `pkg:deb/ubuntu/curl@7.68.0-1ubuntu2.15?os_distro=focal` -> name `curl`, version `7.68.0-1ubuntu2.15` */
export const splitPurl = (purl: string): { name: string; version: string } => {
  const noQ = purl.split(/[?#]/)[0] ?? purl
  const at = noQ.lastIndexOf("@")
  const path = at >= 0 ? noQ.slice(0, at) : noQ
  const version = at >= 0 ? decodeURIComponent(noQ.slice(at + 1)) : ""
  const name = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1))
  return { name, version }
}

export const scout: ScannerAdapter<"vulnerabilities"> = {
  id: "scout",
  kind: "vulnerabilities",
  binary: "docker",
  installHint: "install the Docker Scout CLI plugin (https://docs.docker.com/scout/install/) and log in to Docker Hub",
  versionArgs: ["scout", "version"],
  parseVersion: (out) => /version:?\s*v?(\d[\w.+-]*)/i.exec(out)?.[1],
  command: (image) => ["scout", "cves", image, "--format", "sarif"],
  env: { DOCKER_SCOUT_NEW_VERSION_WARN: "false", DOCKER_CLI_HINTS: "false" },
  interpretExit: (code) => (code === 0 || code === 2 ? "ok" : "error"),
  transient: /timeout|connection reset|temporarily unavailable|TOOMANYREQUESTS|502|503/i,
  imageNotFound: /No such image|image not found|not found/i,
  parse: (stdout) =>
    decodeJson(ScoutSarif, trimToJson(stdout)).pipe(
      Either.map((sarif) => {
        const out: Array<Vulnerability> = []
        for (const run of sarif.runs) {
          const rules = run.tool.driver.rules ?? []
          const byId = new Map(rules.map((r) => [r.id, r] as const))
          for (const res of run.results ?? []) {
            const rule = (res.ruleIndex !== undefined ? rules[res.ruleIndex] : undefined) ?? byId.get(res.ruleId)
            const p = rule?.properties
            const purl = p?.purl ?? p?.purls?.[0] ?? ""
            const pkg = splitPurl(purl)
            const score = Number(p?.["security-severity"])
            out.push({
              id: res.ruleId,
              severity: normSeverity(p?.cvssV3_severity),
              package: pkg.name,
              installedVersion: pkg.version,
              fixedVersion: p?.fixed_version === undefined || p.fixed_version === "not fixed" ? undefined : p.fixed_version,
              title: rule?.shortDescription?.text,
              cvss: Number.isFinite(score) ? score : undefined
            })
          }
        }
        return out
      })
    )
}

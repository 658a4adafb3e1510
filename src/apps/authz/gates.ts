/**
 * Scan gates in the plugin: a secret scan before `push` (unless the policy disables
 * secret scanning) and the vulnerability gate on container create when the policy sets
 * `require_image_scan`. Each scan becomes a ScanCompleted event; results become findings
 * through the pure gate (src/domain/scan-gate.ts). A scan that cannot finish within the
 * budget counts as unavailable, which the gate turns into a violation (fail closed).
 */
import { Duration, Effect, Option } from "effect"
import { scanGateFindings, toScanCompleted, type GateScan } from "../../domain/scan-gate.ts"
import type { DockerRequest } from "../../domain/request.ts"
import type { LoadedPolicy } from "../../domain/policy.ts"
import { Scanners, type ScannerError } from "../../services/Scanners.ts"
import type { AuthzDeps, ScanGateContext, ScanGateResult } from "./deps.ts"

const failed = (kind: GateScan["kind"], scanner: string, error: string): GateScan => ({ ok: false, kind, scanner, error })

const within = <A>(eff: Effect.Effect<A, ScannerError>, ms: number, kind: GateScan["kind"], scanner: string, ok: (a: A) => ReadonlyArray<GateScan>) =>
  eff.pipe(
    Effect.map(ok),
    Effect.timeoutFail({ duration: Duration.millis(ms), onTimeout: () => `timed out after ${ms} ms` }),
    Effect.catchAll((e) => Effect.succeed([failed(kind, typeof e === "string" ? scanner : e.scanner, typeof e === "string" ? e : e.message)]))
  )

/** Whether either gate below can scan or add a finding: a push (secret scan on) or a create under require_image_scan. */
export const gateApplies = (request: DockerRequest, lp: LoadedPolicy): boolean =>
  (request.action === "image.push" && lp.policy.settings?.secret_scanning?.enabled !== false) ||
  (request.action === "container.create" && lp.policy.settings?.require_image_scan === true)

/** The gate for one request; `ctx.budgetMs` bounds all scans together. */
export const runGates = (scanners: typeof Scanners.Service, request: DockerRequest, lp: LoadedPolicy, ctx: ScanGateContext): Effect.Effect<ScanGateResult> =>
  Effect.gen(function* () {
    const budgetMs = ctx.budgetMs
    const p = lp.policy
    const image = request.image?.raw ?? request.container?.image?.raw
    if (image === undefined) return { scans: [], extraFindings: [] }
    const scans: Array<GateScan> = []
    let required = false
    if (request.action === "image.push" && p.settings?.secret_scanning?.enabled !== false) {
      const scanner = p.settings?.secret_scanning?.scanner ?? "builtin"
      scans.push(...(yield* within(scanners.scanSecrets(image, { scanner, timeoutMs: budgetMs }), budgetMs, "secrets", scanner, (r) => [{ ok: true as const, ...r }])))
    }
    if (request.action === "container.create" && p.settings?.require_image_scan === true) {
      required = true
      const ids = p.settings.image_scanning?.scanners
      scans.push(
        ...(yield* within(scanners.scanImage(image, { scanners: ids, timeoutMs: budgetMs }), budgetMs, "vulnerabilities", ids?.[0] ?? "trivy", (outcomes) =>
          outcomes.map((o): GateScan => (o.ok ? { ok: true, ...o.result } : failed("vulnerabilities", o.error.scanner, o.error.message)))
        ))
      )
    }
    if (scans.length === 0 && !required) return { scans: [], extraFindings: [] }
    return {
      scans: scans.map((s) => toScanCompleted(s, { decisionId: ctx.decisionId, at: ctx.now, image })),
      extraFindings: scanGateFindings(p, { image, scans, required: { vulnerabilities: required } })
    }
  })

/** The gate bound to the Scanners service, if one is provided; without it, gated requests deny. */
export const scanGateFor = (): Effect.Effect<AuthzDeps["scanGate"]> =>
  Effect.map(Effect.serviceOption(Scanners), (o) =>
    Option.isNone(o)
      ? (request: DockerRequest, lp: LoadedPolicy) =>
          Effect.succeed(
            request.action === "container.create" && lp.policy.settings?.require_image_scan === true
              ? { scans: [], extraFindings: scanGateFindings(lp.policy, { image: request.container?.image?.raw ?? "?", scans: [], required: { vulnerabilities: true } }) }
              : { scans: [], extraFindings: [] }
          )
      : (request: DockerRequest, lp: LoadedPolicy, ctx: ScanGateContext) => runGates(o.value, request, lp, ctx)
  )

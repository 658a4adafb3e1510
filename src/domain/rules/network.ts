/** Network rules (added; the seed parsed `rules.network` but ignored it): modes, blocked host ports, DNS. */
import type { Finding } from "../finding.ts"
import type { Policy } from "../policy.ts"
import type { ContainerSpec, Port } from "../request.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, memo, mk, type RuleDef } from "./kit.ts"

export const MODE_NOT_ALLOWED: RuleDef = { rule: "network.mode-not-allowed", level: "medium", category: "network_exposure", points: 15 }
export const BLOCKED_PORT: RuleDef = { rule: "network.blocked-port", level: "medium", category: "network_exposure", points: 15 }
export const DNS_REQUIRED: RuleDef = { rule: "network.dns-required", level: "low", category: "misconfiguration", points: 5 }

/** The network mode as a policy names it: bridge by default, `container:<x>` counts as `container`. */
export const networkModeOf = (spec: ContainerSpec): string => {
  const m = spec.networkMode
  if (m === undefined || m === "" || m === "default") return spec.networks.includes("host") ? "host" : "bridge"
  return m.startsWith("container:") ? "container" : m
}

interface BlockedPortEntry {
  readonly port: number
  readonly protocol: string
  readonly message: string | undefined
}

const compiled = memo((p: Policy): ReadonlyArray<BlockedPortEntry> =>
  (p.rules?.network?.blocked_ports ?? []).flatMap((b) => {
    const raw = String(b.port).trim()
    const [num, proto] = raw.split("/")
    const port = Number(num)
    if (!Number.isInteger(port)) return []
    return [{ port, protocol: (b.protocol ?? proto ?? "tcp").toLowerCase(), message: b.message }]
  })
)

/** Host ports a binding publishes (`8080`, `8000-8010`); empty for unpublished/ephemeral. */
const hostPorts = (p: Port): [number, number] | undefined => {
  const hp = p.hostPort?.trim()
  if (hp === undefined || hp === "") return undefined
  const [a, b] = hp.split("-")
  const lo = Number(a)
  const hi = b === undefined ? lo : Number(b)
  return Number.isInteger(lo) && Number.isInteger(hi) ? [lo, hi] : undefined
}

/** Network rules for container-ish requests (service host-mode ports included). */
export const networkRules: RuleFamily = (request, policy) => {
  const spec = containerSpecOf(request)
  const net = policy.rules?.network
  if (spec === undefined || net === undefined) return NONE
  const out: Array<Finding> = []
  const modes = net.allowed_modes ?? []
  if (modes.length > 0) {
    const mode = networkModeOf(spec)
    if (!modes.includes(mode)) {
      out.push(mk(MODE_NOT_ALLOWED, "violation", `Network mode ${mode} is not allowed`, "container.networkMode",
        `Use one of: ${modes.join(", ")}`))
    }
  }
  const blocked = compiled(policy)
  if (blocked.length > 0) {
    const ports = request.service !== undefined && spec === request.service.container
      ? [...spec.ports, ...request.service.hostModePorts]
      : spec.ports
    for (const p of ports) {
      const range = hostPorts(p)
      if (range === undefined) continue
      const proto = (p.protocol === "" ? "tcp" : p.protocol).toLowerCase()
      for (const b of blocked) {
        if (b.protocol !== proto || b.port < range[0] || b.port > range[1]) continue
        const msg = b.message !== undefined && b.message !== "" ? b.message : `Publishing host port ${b.port}/${proto} is blocked`
        out.push(mk(BLOCKED_PORT, "violation", msg, "container.ports", `Do not publish host port ${b.port}`))
      }
    }
  }
  const dns = net.require_dns ?? []
  if (dns.length > 0 && (spec.dns.length === 0 || spec.dns.some((d) => !dns.includes(d)))) {
    out.push(mk(DNS_REQUIRED, "violation", `DNS servers must be set and among: ${dns.join(", ")}`, "container.dns",
      `Add --dns ${dns[0] ?? ""}`))
  }
  return out
}

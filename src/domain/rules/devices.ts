/** Host devices, device cgroup rules and GPU/device requests (added family). */
import type { Finding } from "../finding.ts"
import { cleanPath } from "../paths.ts"
import type { RuleFamily } from "./types.ts"
import { NONE, containerSpecOf, globMatch, hasGlob, kindOf, mk, type RuleDef } from "./kit.ts"

export const HOST_DEVICE: RuleDef = { rule: "devices.host-device", level: "high", category: "container_escape", points: 30 }
export const CGROUP_RULES: RuleDef = { rule: "devices.cgroup-rules", level: "high", category: "container_escape", points: 30 }
export const GPU: RuleDef = { rule: "devices.gpu", level: "medium", category: "resource_abuse", points: 10 }

const deviceAllowed = (host: string, allowed: ReadonlyArray<string>): boolean =>
  allowed.some((a) => {
    const e = cleanPath(a)
    return e === host || (hasGlob(e) && globMatch(e, host, true))
  })

/** Device rules (container-ish requests). Defaults: devices block, cgroup rules block, GPUs warn. */
export const deviceRules: RuleFamily = (request, policy) => {
  const spec = containerSpecOf(request)
  if (spec === undefined) return NONE
  if (spec.devices.length === 0 && spec.deviceCgroupRules.length === 0 && spec.deviceRequests.length === 0) return NONE
  const d = policy.rules?.devices
  const out: Array<Finding> = []
  const devKind = kindOf(d?.action, "block")
  if (devKind !== undefined) {
    const allowed = d?.allowed ?? []
    spec.devices.forEach((dev, i) => {
      const host = cleanPath(dev.host)
      if (deviceAllowed(host, allowed)) return
      out.push(mk(HOST_DEVICE, devKind, `Host device ${host} is exposed to the container`, `container.devices[${i}]`,
        `Remove --device ${dev.host} or add it to rules.devices.allowed`))
    })
  }
  const cgKind = kindOf(d?.cgroup_rules, "block")
  if (cgKind !== undefined && spec.deviceCgroupRules.length > 0) {
    out.push(mk(CGROUP_RULES, cgKind, `Device cgroup rules (${spec.deviceCgroupRules.join(", ")}) allow access to host devices`,
      "container.deviceCgroupRules", "Remove --device-cgroup-rule"))
  }
  const gpuKind = kindOf(d?.gpus, "warn")
  if (gpuKind !== undefined && spec.deviceRequests.length > 0) {
    const drivers = [...new Set(spec.deviceRequests.map((r) => (r.driver === "" ? "default" : r.driver)))].join(", ")
    out.push(mk(GPU, gpuKind, `Device requests (GPU/CDI, driver ${drivers}) give the container host hardware`,
      "container.deviceRequests", "Remove --gpus / --device requests, or set rules.devices.gpus: allow"))
  }
  return out
}

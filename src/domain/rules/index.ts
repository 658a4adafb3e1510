/**
 * The rule families and which of them run for each action (RULES.md "Which families run").
 * Order is the seed's output order: privileged, namespaces, capabilities, mounts, security
 * options, container, then devices, images, network, environment, API surface, custom rules last.
 */
import type { Action } from "../request.ts"
import type { RuleFamily } from "./types.ts"
import { runtimeRules } from "./runtime.ts"
import { namespaceRules } from "./namespaces.ts"
import { capabilityRules } from "./capabilities.ts"
import { mountRules } from "./mounts.ts"
import { securityRules } from "./security.ts"
import { containerRules } from "./container.ts"
import { deviceRules } from "./devices.ts"
import { imageRules } from "./images.ts"
import { networkRules } from "./network.ts"
import { environmentRules } from "./environment.ts"
import { apiRules } from "./api.ts"
import { customRules } from "./custom.ts"

export {
  runtimeRules, namespaceRules, capabilityRules, mountRules, securityRules, containerRules,
  deviceRules, imageRules, networkRules, environmentRules
}

/** Families for a container to be created (also service tasks and legacy start bodies), in output order. */
export const containerFamilies: ReadonlyArray<RuleFamily> = [
  runtimeRules, namespaceRules, capabilityRules, mountRules, securityRules, containerRules,
  deviceRules, imageRules, networkRules, environmentRules
]

/** The built-in (non-API, non-custom) families for an action. */
export const builtinFamiliesFor = (action: Action): ReadonlyArray<RuleFamily> => {
  switch (action) {
    case "container.create":
    case "container.start":
    case "service.create":
    case "service.update":
      return containerFamilies
    case "container.exec":
      return [runtimeRules, containerRules, environmentRules]
    case "container.update":
      return [containerRules]
    case "image.build":
      return [imageRules, environmentRules]
    case "image.pull":
    case "image.push":
      return [imageRules]
    case "volume.create":
      return [mountRules]
    default:
      return []
  }
}

const table = new Map<Action, ReadonlyArray<RuleFamily>>()

/** Every family that runs for an action: built-ins, then the API surface rules, then custom rules. */
export const familiesFor = (action: Action): ReadonlyArray<RuleFamily> => {
  let fams = table.get(action)
  if (fams === undefined) {
    fams = [...builtinFamiliesFor(action), apiRules, customRules]
    table.set(action, fams)
  }
  return fams
}

/** Shared builders for the rule-family tests (not a test file itself). */
import { baseRequest, emptyContainer, type Action, type ContainerSpec, type DockerRequest, type Mount } from "../../src/domain/request.ts"
import type { Policy } from "../../src/domain/policy.ts"
import type { Finding } from "../../src/domain/finding.ts"
import { parseImageRef } from "../../src/domain/image-ref.ts"
import type { RuleFamily } from "../../src/domain/rules/types.ts"

/** A `docker run` request for the image with container fields overridden. */
export const run = (patch: Partial<ContainerSpec> = {}, image = "nginx:1.25"): DockerRequest => ({
  ...baseRequest("container.create", "run"),
  container: { ...emptyContainer(), image: parseImageRef(image), ...patch }
})

export const req = (action: Action, patch: Partial<DockerRequest> = {}): DockerRequest => ({
  ...baseRequest(action, action),
  ...patch
})

export const bind = (source: string, readOnly = false, extra: Partial<Mount> = {}): Mount => ({
  type: "bind", source, target: "/mnt", readOnly, origin: "bind-spec", ...extra
})

export const pol = (rules: Policy["rules"] = {}, extra: Partial<Policy> = {}): Policy => ({ name: "t", rules, ...extra })

/** Compact form of findings: `rule:V` / `rule:W`. */
export const short = (fs: ReadonlyArray<Finding>): Array<string> =>
  fs.map((f) => `${f.rule}:${f.kind === "violation" ? "V" : "W"}`)

export type Row = readonly [label: string, policy: Policy, request: DockerRequest, expected: ReadonlyArray<string>]

/** Run a family over a row. */
export const apply = (family: RuleFamily, row: Row): Array<string> => short(family(row[2], row[1], {}))

#!/usr/bin/env node
// Entry point. `validate` and `exec` (and the `docker` wrapper name) take the lean path that
// loads only the parser, the policy and the decision; everything else loads the full CLI.
import { basename } from "node:path"

const invokedAs = process.env.SENTINEL_AS_DOCKER === "1" ? "docker" : basename(process.argv[1] ?? "")
const sub = process.argv[2]
if (invokedAs === "docker" || sub === "validate" || sub === "exec") {
  const { main } = await import("../dist/fast.js")
  await main(process.argv.slice(2), invokedAs === "docker")
} else {
  await import("../dist/cli.js")
}

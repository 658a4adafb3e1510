/**
 * Entry for the V8 startup snapshot of the lean path (build.mjs runs
 * `node --snapshot-blob dist/fast.blob --build-snapshot dist/fast-snapshot.cjs`). Every module of
 * validate/exec is evaluated at build time and the embedded policy templates are pre-decoded, so
 * `sentinel validate` starts in little more than Node's own start-up time. Native modules
 * (better-sqlite3) cannot live in a snapshot: they are loaded at run time through
 * `globalThis.__sentinelRequire`, set below from SENTINEL_HOME (bin/sentinel sets it).
 */
import { createRequire } from "node:module"
import { join } from "node:path"
import * as v8 from "node:v8"
import { builtinNames, resolvePolicySync } from "../../adapters/policy-store/resolve.ts"
// evaluated at build time so recording a decision does not initialise the store's modules per run
import "../../adapters/audit/store.ts"
import "../../adapters/audit/layer.ts"
import { main } from "./fast.ts"

// warm the caches that the first decision would otherwise fill (template decoding, rule tables)
for (const name of builtinNames()) resolvePolicySync(name, { dir: "/nonexistent-sentinel-snapshot-dir" })

v8.startupSnapshot.setDeserializeMainFunction(() => {
  const home = process.env["SENTINEL_HOME"] ?? process.cwd()
  ;(globalThis as { __sentinelRequire?: NodeRequire }).__sentinelRequire = createRequire(join(home, "package.json"))
  const args = process.argv.slice(1)
  const asDocker = args[0] === "__docker"
  void main(asDocker ? args.slice(1) : args, asDocker)
})

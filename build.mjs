// Build: regenerate the embedded policy templates, bundle the CLI with esbuild, then build a V8
// startup snapshot of the lean validate/exec path.
//   dist/cli.js + dist/fast.js   ESM bundles sharing chunks (better-sqlite3 stays external)
//   dist/fast-snapshot.cjs       the lean path as one CommonJS file, snapshot entry
//   dist/fast.blob               `node --build-snapshot` of it (machine/Node specific, built here)
import { build } from "esbuild"
import { rmSync, existsSync, readFileSync, writeFileSync, statSync, realpathSync } from "node:fs"
import { execFileSync, spawnSync } from "node:child_process"

if (existsSync("scripts/gen-templates.mjs")) execFileSync(process.execPath, ["scripts/gen-templates.mjs"], { stdio: "inherit" })
rmSync("dist", { recursive: true, force: true })
const pkg = JSON.parse(readFileSync("package.json", "utf8"))
let commit = "unknown"
try {
  commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
} catch {}
const define = {
  __SENTINEL_VERSION__: JSON.stringify(pkg.version),
  __SENTINEL_COMMIT__: JSON.stringify(commit),
  __SENTINEL_BUILD_DATE__: JSON.stringify(new Date().toISOString().slice(0, 10))
}
await build({
  entryPoints: { cli: "src/apps/cli/main.ts", fast: "src/apps/cli/fast.ts" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "none",
  outdir: "dist",
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  external: ["better-sqlite3"],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  define,
  logLevel: "warning"
})

// In a snapshot only built-in modules can be required; native modules (better-sqlite3, used only as
// `new Database(file)`) come from the run-time require that snapshot.ts installs on globalThis.
const runtimeRequire = {
  name: "runtime-require",
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, (a) => ({ path: a.path, namespace: "runtime-require" }))
    b.onLoad({ filter: /.*/, namespace: "runtime-require" }, (a) => ({
      // a lazy constructor wrapper, so modules that import it can be evaluated into the snapshot
      contents: `let m; const load = () => (m ??= globalThis.__sentinelRequire(${JSON.stringify(a.path)}));
module.exports = function Database(...args) { return new (load())(...args) };`,
      loader: "js"
    }))
  }
}
await build({
  entryPoints: ["src/apps/cli/snapshot.ts"],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "none",
  outfile: "dist/fast-snapshot.cjs",
  plugins: [runtimeRequire],
  define,
  logLevel: "warning"
})
const snap = spawnSync(process.execPath, ["--snapshot-blob", "dist/fast.blob", "--build-snapshot", "dist/fast-snapshot.cjs"], {
  encoding: "utf8",
  env: { ...process.env, SENTINEL_CONFIG_DIR: "/nonexistent-sentinel-snapshot-dir" }
})
if (snap.status === 0 && existsSync("dist/fast.blob")) {
  // bin/sentinel uses the snapshot only with the very node binary that built it
  const node = realpathSync(process.execPath)
  const st = statSync(node)
  writeFileSync("dist/fast.blob.node", `${node} ${st.ino} ${Math.floor(st.mtimeMs / 1000)}\n`)
} else {
  rmSync("dist/fast.blob", { force: true })
  process.stderr.write(`warning: the startup snapshot could not be built; validate/exec use the plain bundle\n${snap.stderr}\n`)
}

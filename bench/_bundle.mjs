// Bundle a TypeScript bench entry with esbuild (same settings as the product build) and import it.
import { build } from "esbuild"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"

export const importTs = async (entry) => {
  const out = join(mkdtempSync(join(tmpdir(), "sentinel-bench-")), "entry.mjs")
  await build({
    entryPoints: [entry], bundle: true, format: "esm", platform: "node", target: "node20", minify: true, outfile: out,
    external: ["better-sqlite3"], logLevel: "warning",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
  })
  return import(pathToFileURL(out).href)
}

/** `sentinel version [--json]`. Build metadata is injected by build.mjs. */
import { Command, Options } from "@effect/cli"
import { Effect } from "effect"
import { printJson } from "./output.ts"

declare const __SENTINEL_VERSION__: string | undefined
declare const __SENTINEL_COMMIT__: string | undefined
declare const __SENTINEL_BUILD_DATE__: string | undefined

export const versionInfo = () => ({
  version: typeof __SENTINEL_VERSION__ === "string" ? __SENTINEL_VERSION__ : "0.0.0-dev",
  git_commit: typeof __SENTINEL_COMMIT__ === "string" ? __SENTINEL_COMMIT__ : "unknown",
  build_date: typeof __SENTINEL_BUILD_DATE__ === "string" ? __SENTINEL_BUILD_DATE__ : "unknown",
  node_version: process.version,
  platform: `${process.platform}/${process.arch}`
})

export const versionCommand = Command.make("version", { json: Options.boolean("json").pipe(Options.withAlias("j")) }, ({ json }) =>
  Effect.sync(() => {
    const v = versionInfo()
    if (json) return printJson(v)
    process.stdout.write(
      `Docker Sentinel ${v.version}\nGit Commit: ${v.git_commit}\nBuild Date: ${v.build_date}\nNode Version: ${v.node_version}\nPlatform: ${v.platform}\n`
    )
  })
).pipe(Command.withDescription("print version information"))

import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { auditCommand } from "../../src/apps/cli/audit.ts"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { decisionEvents, finding, tempDir } from "../adapters/audit-fixtures.ts"

const cli = Command.run(Command.make("sentinel").pipe(Command.withSubcommands([auditCommand])), { name: "sentinel", version: "test" })
let root = ""
const saved = process.env["SENTINEL_CONFIG_DIR"]

const run = async (...args: Array<string>): Promise<{ code: number; out: string; err: string }> => {
  const outs: Array<string> = [], errs: Array<string> = []
  const ow = process.stdout.write.bind(process.stdout), ew = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((s: string | Uint8Array) => { outs.push(String(s)); return true }) as typeof process.stdout.write
  process.stderr.write = ((s: string | Uint8Array) => { errs.push(String(s)); return true }) as typeof process.stderr.write
  process.exitCode = 0
  try {
    await Effect.runPromise(cli(["node", "sentinel", ...args]).pipe(Effect.provide(NodeContext.layer), Effect.catchAll(() => Effect.sync(() => void (process.exitCode = 2)))))
  } finally {
    process.stdout.write = ow
    process.stderr.write = ew
  }
  const code = Number(process.exitCode ?? 0)
  process.exitCode = 0
  return { code, out: outs.join(""), err: errs.join("") }
}
const data = <T>(s: string): T => (JSON.parse(s) as { data: T }).data

beforeAll(() => {
  root = tempDir("sentinel-cli-audit-")
  process.env["SENTINEL_CONFIG_DIR"] = root
  const store = new AuditStore(join(root, "audit"))
  const now = Date.now()
  const ago = (h: number) => new Date(now - h * 3_600_000).toISOString()
  store.appendSync(
    decisionEvents({ at: ago(72), user: "alice", source: "cli", command: "docker run --privileged nginx:1.25", privileged: true, findings: [finding("runtime.privileged", 40)] }),
    decisionEvents({ at: ago(2), user: "bob", image: "redis:7" }),
    decisionEvents({ at: ago(1), user: "alice", action: "image.pull", findings: [finding("images.latest-tag", 10, "warning")] })
  )
  store.close()
})
afterAll(() => {
  if (saved === undefined) delete process.env["SENTINEL_CONFIG_DIR"]
  else process.env["SENTINEL_CONFIG_DIR"] = saved
})

describe("sentinel audit CLI", () => {
  it("list: human table and --json with filters", async () => {
    const human = await run("audit", "list")
    expect(human.code).toBe(0)
    expect(human.out).toMatch(/TIME \(UTC\)\s+USER\s+DECISION\s+SCORE\s+REQUEST/)
    expect(human.out).toContain("docker run --privileged nginx:1.25")
    const all = data<{ decisions: Array<{ user: string }> }>((await run("audit", "list", "--json")).out)
    expect(all.decisions.map((d) => d.user)).toEqual(["alice", "bob", "alice"])
    const f = await run("audit", "list", "--json", "--since", "24h", "--user", "alice")
    expect(data<{ decisions: Array<{ action: string }> }>(f.out).decisions.map((d) => d.action)).toEqual(["image.pull"])
    expect(data<{ count: number }>((await run("audit", "list", "--json", "--decision", "denied", "--source", "cli")).out).count).toBe(1)
    expect(data<{ count: number }>((await run("audit", "list", "--json", "--action", "container.create", "--limit", "1")).out).count).toBe(1)
  })

  it("list: a bad --since is a usage error naming the flag", async () => {
    const r = await run("audit", "list", "--since", "yesterday")
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/--since "yesterday" is not a duration/)
  })

  it("show: the event stream; unknown ids fail with a hint", async () => {
    const id = data<{ decisions: Array<{ decisionId: string }> }>((await run("audit", "list", "--json", "--decision", "denied")).out).decisions[0]!.decisionId
    const r = data<{ events: Array<{ _tag: string }> }>((await run("audit", "show", id, "--json")).out)
    expect(r.events.map((e) => e._tag)).toEqual(["RequestReceived", "RuleEvaluated", "Decided"])
    expect((await run("audit", "show", id)).out).toMatch(/RuleEvaluated\s+\S+\s+violation \[CRITICAL\] runtime\.privileged \+40/)
    const bad = await run("audit", "show", "nope")
    expect(bad.code).toBe(1)
    expect(bad.err).toContain("audit list")
  })

  it("stats: default 24h window, `all` for everything", async () => {
    const day = data<{ total: number }>((await run("audit", "stats", "--json")).out)
    expect(day.total).toBe(2)
    const all = data<{ total: number; byDecision: Record<string, number>; topRules: Array<{ rule: string }>; topDeniedUsers: Array<{ user: string }>; scoreDistribution: Record<string, number> }>(
      (await run("audit", "stats", "--json", "--since", "all")).out)
    expect(all).toMatchObject({ total: 3, byDecision: { allowed: 1, warned: 1, denied: 1 } })
    expect(all.topRules.map((r) => r.rule)).toEqual(["images.latest-tag", "runtime.privileged"].sort())
    expect(all.topDeniedUsers).toEqual([{ user: "alice", count: 1 }])
    expect(all.scoreDistribution).toEqual({ "0": 1, "1-24": 1, "25-49": 1, "50-74": 0, "75-100": 0 })
    expect((await run("audit", "stats", "--since", "all")).out).toContain("denied           1 (33.3%)")
  })

  it("export: csv to a 0600 file and cef to stdout", async () => {
    const file = join(root, "out.csv")
    const r = await run("audit", "export", "--format", "csv", "--output", file)
    expect(r.code).toBe(0)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, "utf8").split("\r\n").filter(Boolean)).toHaveLength(4)
    const cef = await run("audit", "export", "--format", "cef", "--since", "24h")
    expect(cef.out.trim().split("\n")).toHaveLength(2)
    expect((await run("audit", "export", "--format", "xml")).code).toBe(2)
  })

  it("replay: re-decides under a policy file and writes nothing without --record", async () => {
    const pol = join(root, "strict.yaml")
    writeFileSync(pol, "name: strictest\nmode: enforce\nrules:\n  privileged:\n    action: block\n", { mode: 0o600 })
    const r = await run("audit", "replay", "--policy", pol, "--json")
    expect(r.code).toBe(0)
    expect(data<{ total: number; policy: { name: string } }>(r.out)).toMatchObject({ total: 3, policy: { name: "strictest" } })
    expect((await run("audit", "replay", "--policy", "no-such-policy")).code).toBe(1)
  })

  it("prune: removes old decisions and records itself", async () => {
    const r = data<{ removedDecisions: number }>((await run("audit", "prune", "--keep-days", "2", "--json")).out)
    expect(r.removedDecisions).toBe(1)
    expect(data<{ count: number }>((await run("audit", "list", "--json")).out).count).toBe(2)
  })

  it("reindex: rebuilds the decisions index from the events", async () => {
    const before = data<{ decisions: Array<unknown> }>((await run("audit", "list", "--json")).out).decisions
    expect(data<{ decisions: number }>((await run("audit", "reindex", "--json")).out).decisions).toBe(before.length)
    expect(data<{ decisions: Array<unknown> }>((await run("audit", "list", "--json")).out).decisions).toEqual(before)
  })

  it("tail --follow prints decisions committed by another process while it runs", async () => {
    const main = join(import.meta.dirname, "../../src/apps/cli/main.ts")
    const child = spawn(process.execPath, ["--import", "tsx", main, "audit", "tail", "-n", "1", "--follow", "--json"], {
      env: { ...process.env, SENTINEL_CONFIG_DIR: root }, stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout.on("data", (d: Buffer) => { out += d.toString() })
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 50))
    }
    await until(() => out.includes("\n"))
    const store = new AuditStore(join(root, "audit"))
    await store.append(decisionEvents({ user: "live-writer" }))
    await until(() => out.includes("live-writer"))
    store.close()
    child.kill("SIGTERM")
    await new Promise((r) => child.once("exit", r))
    const lines = out.trim().split("\n").map((l) => JSON.parse(l) as { user: string })
    expect(lines.map((l) => l.user)).toEqual(["alice", "live-writer"])
  }, 30_000)
})

import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Fiber, Layer, Stream } from "effect"
import { layerStatic, make } from "../../src/adapters/policy-store/store.ts"
import { PolicyStore, type PolicyStatus } from "../../src/services/PolicyStore.ts"

// never touch the real config dir (/etc/sentinel when run as root)
process.env["SENTINEL_CONFIG_DIR"] = mkdtempSync(join(tmpdir(), "sentinel-t5-env-"))

const setup = (files: Record<string, string>, active = "a"): string => {
  const dir = mkdtempSync(join(tmpdir(), "sentinel-t5-store-"))
  mkdirSync(join(dir, "policies"), { mode: 0o700 })
  for (const [f, t] of Object.entries(files)) writeFileSync(join(dir, "policies", f), t, { mode: 0o600 })
  writeFileSync(join(dir, "config.yaml"), `active_policy: ${active}\n`, { mode: 0o600 })
  return dir
}
const write = (dir: string, f: string, t: string) => writeFileSync(join(dir, "policies", f), t, { mode: 0o600 })

/** Poll `get` until `pred` holds (real time), failing after `ms`. */
const waitFor = <A>(get: Effect.Effect<A>, pred: (a: A) => boolean, ms = 5000): Effect.Effect<A, Error> =>
  Effect.gen(function* () {
    const end = Date.now() + ms
    for (;;) {
      const a = yield* get
      if (pred(a)) return a
      if (Date.now() > end) return yield* Effect.fail(new Error(`condition not met within ${ms} ms: ${JSON.stringify(a)}`))
      yield* Effect.sleep("50 millis")
    }
  })

describe("PolicyStore last-good semantics", () => {
  it.scopedLive("a failed reload keeps the old policy and records the error; a good one clears it", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\nmode: enforce\n" })
      const store = yield* make({ dir, watch: false })
      const first = yield* store.status
      expect(first).toMatchObject({ name: "a", source: join(dir, "policies", "a.yaml") })
      expect(first.lastError).toBeUndefined()

      write(dir, "a.yaml", "name: a\nmode: garbage\n")
      const failed = yield* store.reload
      expect(failed.sha256).toBe(first.sha256)
      expect(failed.lastError).toMatch(/line 2: mode: expected one of/)
      expect(failed.lastErrorAt).toBeDefined()
      expect((yield* store.current).policy.mode).toBe("enforce")

      // half-written file (truncated mid flow-collection)
      write(dir, "a.yaml", "name: a\nrules:\n  mounts:\n    blocked: [ { path: /et")
      const half = yield* store.reload
      expect(half.sha256).toBe(first.sha256)
      expect(half.lastError).toMatch(/line \d+, column \d+/)

      write(dir, "a.yaml", "name: a\nmode: warn\n")
      const good = yield* store.reload
      expect(good.sha256).not.toBe(first.sha256)
      expect(good.lastError).toBeUndefined()
      expect((yield* store.current).policy.mode).toBe("warn")
    })
  )

  it.scopedLive("changes emits every reload attempt", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\n" })
      const store = yield* make({ dir, watch: false })
      const fiber = yield* store.changes.pipe(Stream.take(2), Stream.runCollect, Effect.fork)
      yield* Effect.sleep("20 millis")
      write(dir, "a.yaml", "nope: [")
      yield* store.reload
      write(dir, "a.yaml", "name: a\nmode: audit\n")
      yield* store.reload
      const seen = Chunk.toReadonlyArray(yield* Fiber.join(fiber)) as ReadonlyArray<PolicyStatus>
      expect(seen.map((s) => s.lastError === undefined)).toEqual([false, true])
    })
  )

  it.scopedLive("fails closed at start when the active policy is invalid", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\nrules: 5\n" })
      const exit = yield* Effect.exit(Layer.build(Layer.scoped(PolicyStore, make({ dir, watch: false }))))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(String(exit)).toMatch(/rules: expected a mapping, got 5/)
    })
  )

  it.scopedLive("resolve and list", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\n", "b.yaml": "name: b\nmode: audit\n" })
      const store = yield* make({ dir, watch: false })
      expect((yield* store.resolve("b")).policy.mode).toBe("audit")
      const err = yield* Effect.flip(store.resolve("../etc/passwd.yaml"))
      expect(err._tag).toBe("PolicyLoadError")
      const list = yield* store.list
      expect(list.filter((p) => p.active).map((p) => p.name)).toEqual(["a"])
    })
  )
})

describe("PolicyStore watcher", () => {
  it.scopedLive("picks up an edit of the active policy within a few seconds", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\nmode: enforce\n" })
      const store = yield* make({ dir })
      write(dir, "a.yaml", "name: a\nmode: audit\n")
      yield* waitFor(store.current, (c) => c.policy.mode === "audit")
    })
  )

  it.scopedLive("survives an editor-style atomic rename (mv over the file)", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\nmode: enforce\n" })
      const store = yield* make({ dir })
      const tmpFile = join(dir, "policies", ".a.yaml.swp")
      writeFileSync(tmpFile, "name: a\nmode: warn\n", { mode: 0o600 })
      execFileSync("mv", [tmpFile, join(dir, "policies", "a.yaml")])
      yield* waitFor(store.current, (c) => c.policy.mode === "warn")
      // and keeps watching after the inode changed
      write(dir, "a.yaml", "name: a\nmode: audit\n")
      yield* waitFor(store.current, (c) => c.policy.mode === "audit")
    })
  )

  it.scopedLive("a broken edit keeps the old policy; the next good edit is picked up", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\nmode: enforce\n" })
      const store = yield* make({ dir })
      write(dir, "a.yaml", "name: a\nmode: [")
      const st = yield* waitFor(store.status, (s) => s.lastError !== undefined)
      expect(st.lastError).toMatch(/line/)
      expect((yield* store.current).policy.mode).toBe("enforce")
      write(dir, "a.yaml", "name: a\nmode: warn\n")
      const ok = yield* waitFor(store.status, (s) => s.lastError === undefined)
      expect(ok.name).toBe("a")
      expect((yield* store.current).policy.mode).toBe("warn")
    })
  )

  it.scopedLive("switching active_policy in config.yaml switches the policy", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\n", "b.yaml": "name: b\n" })
      const store = yield* make({ dir })
      writeFileSync(join(dir, "config.yaml"), "active_policy: b\n", { mode: 0o600 })
      yield* waitFor(store.current, (c) => c.policy.name === "b")
    })
  )

  it.scopedLive("after a failed switch to an invalid policy, fixing that policy's file completes the switch", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\n", "b.yaml": "name: b\nmode: nope\n" })
      const store = yield* make({ dir })
      writeFileSync(join(dir, "config.yaml"), "active_policy: b\n", { mode: 0o600 })
      const st = yield* waitFor(store.status, (s) => s.lastError !== undefined)
      expect(st.name).toBe("a")
      write(dir, "b.yaml", "name: b\nmode: audit\n")
      yield* waitFor(store.current, (c) => c.policy.name === "b")
      expect((yield* store.status).lastError).toBeUndefined()
    })
  )

  it.scopedLive("ignores unrelated files, and a pinned store ignores config.yaml", () =>
    Effect.gen(function* () {
      const dir = setup({ "a.yaml": "name: a\n", "b.yaml": "name: b\n" })
      const store = yield* make({ dir, pinned: "a" })
      let reloads = 0
      yield* store.changes.pipe(Stream.runForEach(() => Effect.sync(() => void reloads++)), Effect.forkScoped)
      write(dir, "b.yaml", "name: b\nmode: audit\n")
      writeFileSync(join(dir, "policies", "notes.txt"), "x")
      yield* Effect.sleep("900 millis")
      expect(reloads).toBe(0)
      // config.yaml triggers a reload attempt, but the pinned policy still wins
      writeFileSync(join(dir, "config.yaml"), "active_policy: b\n", { mode: 0o600 })
      yield* waitFor(Effect.sync(() => reloads), (n) => n === 1)
      expect((yield* store.current).policy.name).toBe("a")
    })
  )
})

describe("layerStatic", () => {
  it.effect("serves one fixed policy", () =>
    Effect.gen(function* () {
      const store = yield* PolicyStore
      expect((yield* store.current).policy.name).toBe("fixed")
      expect((yield* store.reload).sha256).toBe("abc")
      expect((yield* store.list).map((p) => p.name)).toEqual(["fixed"])
    }).pipe(Effect.provide(layerStatic({ policy: { name: "fixed" }, sha256: "abc", source: "test" })))
  )
})

import { mkdtempSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { FactsStore } from "../../src/adapters/facts.ts"
import { factsFromInspect } from "../../src/adapters/docker-api.ts"
import type { TargetFacts } from "../../src/domain/request.ts"

const id = (n: number) => n.toString(16).padStart(64, "a")
const facts = (n: number, privileged = false): TargetFacts => ({ id: id(n), privileged, hostMounts: [], capAdd: [], pidHost: false, networkHost: false })

describe("FactsStore", () => {
  it("finds containers by id, name and unique 12+ char prefix", () => {
    const s = new FactsStore()
    s.learn(facts(1, true), "/web")
    expect(s.get(id(1))?.privileged).toBe(true)
    expect(s.get("web")?.id).toBe(id(1))
    expect(s.get(id(1).slice(0, 12))?.id).toBe(id(1))
    expect(s.get(id(1).slice(0, 6))).toBeUndefined() // too short: ask the daemon
    s.learn(facts(2))
    expect(s.get("aaaaaaaaaaaa")).toBeUndefined() // ambiguous prefix
    s.forget("web")
    expect(s.get(id(1))).toBeUndefined()
    expect(s.get("web")).toBeUndefined()
  })

  it("is bounded (least recently used goes first)", () => {
    const s = new FactsStore(3)
    for (let i = 1; i <= 3; i++) s.learn(facts(i))
    s.get(id(1)) // touch 1
    s.learn(facts(4))
    expect(s.size).toBe(3)
    expect(s.get(id(2))).toBeUndefined()
    expect(s.get(id(1))).toBeDefined()
  })

  it("links exec ids to containers", () => {
    const s = new FactsStore()
    s.learnExec("e1", id(1))
    expect(s.containerOfExec("e1")).toBe(id(1))
    expect(s.containerOfExec("e2")).toBeUndefined()
  })

  it("persists with mode 0600 and survives a corrupt file", () => {
    const dir = mkdtempSync(join(tmpdir(), "sentinel-facts-"))
    const file = join(dir, "cache", "facts.json")
    const a = new FactsStore()
    a.learn(facts(7, true), "priv")
    a.save(file)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const b = new FactsStore()
    b.load(file)
    expect(b.get("priv")?.privileged).toBe(true)
    writeFileSync(file, "{garbage")
    const c = new FactsStore()
    c.load(file)
    expect(c.size).toBe(0)
  })
})

describe("factsFromInspect", () => {
  it("reads privileged, host binds, caps and namespaces from an inspect document", () => {
    const f = factsFromInspect({
      Id: id(9),
      HostConfig: { Privileged: true, Binds: ["/etc/../var/run/docker.sock:/s", "vol:/data"], CapAdd: ["cap_sys_admin"], PidMode: "host", NetworkMode: "bridge" },
      Mounts: [{ Type: "bind", Source: "/srv/data/" }, { Type: "volume", Source: "/var/lib/docker/volumes/x/_data" }]
    })
    expect(f).toEqual({ id: id(9), privileged: true, hostMounts: ["/var/run/docker.sock", "/srv/data"], capAdd: ["SYS_ADMIN"], pidHost: true, networkHost: false })
  })
})

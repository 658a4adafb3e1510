/**
 * Learned container facts for the AuthZ plugin: a bounded LRU keyed by container id,
 * with name aliases and exec-id → container links. Facts come from the AuthZRes of a
 * successful create, or from inspecting the container through the daemon's socket.
 * Optionally persisted (0600, atomic) so a restarted plugin still knows old containers.
 * Also holds the driver and options of named volumes created through the plugin (not
 * persisted: after a restart the plugin asks the daemon).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import type { TargetFacts } from "../domain/request.ts"

const MIN_PREFIX = 12

/** What a named volume is: its driver and driver options (keys lower-cased). */
export interface VolumeFacts {
  readonly driver: string
  readonly options: Readonly<Record<string, string>>
}

/** Volume facts an AuthZRes teaches: a created volume, a removed one, or a prune (forget all). */
export interface VolumeLearning {
  readonly volume?: { readonly name: string; readonly driver: string; readonly options: Readonly<Record<string, string>> } | undefined
  readonly volumeRemoved?: string | undefined
  readonly volumesPruned?: boolean | undefined
}

/** A bounded LRU of container facts. */
export class FactsStore {
  private readonly byId = new Map<string, TargetFacts>()
  private readonly names = new Map<string, string>()
  private readonly execs = new Map<string, string>()
  private readonly volumes = new Map<string, VolumeFacts>()
  private dirty = false

  constructor(readonly capacity = 4096) {}

  get size(): number {
    return this.byId.size
  }

  /** Record facts about a container (and optionally its name). */
  learn(facts: TargetFacts, name?: string): void {
    if (facts.id === "") return
    this.byId.delete(facts.id)
    this.byId.set(facts.id, facts)
    if (name !== undefined && name !== "") this.names.set(name.replace(/^\//, ""), facts.id)
    this.dirty = true
    while (this.byId.size > this.capacity) {
      const oldest = this.byId.keys().next().value
      if (oldest === undefined) break
      this.forget(oldest)
    }
  }

  /** Link an exec instance to the container it was created in. */
  learnExec(execId: string, containerId: string): void {
    putBounded(this.execs, execId, containerId, this.capacity)
  }

  /** The container an exec id belongs to, if learned. */
  containerOfExec(execId: string): string | undefined {
    return this.execs.get(execId)
  }

  /** Apply what an AuthZRes taught about volumes (bounded LRU like containers). */
  learnVolumes(l: VolumeLearning): void {
    if (l.volumesPruned === true) this.volumes.clear()
    if (l.volumeRemoved !== undefined) this.volumes.delete(l.volumeRemoved)
    if (l.volume !== undefined && l.volume.name !== "") {
      putBounded(this.volumes, l.volume.name, { driver: l.volume.driver, options: l.volume.options }, this.capacity)
    }
  }

  /** The driver and options of a named volume created through the plugin, if learned. */
  volume(name: string): VolumeFacts | undefined {
    return this.volumes.get(name)
  }

  /** Drop what we know about a container (removed, or its HostConfig changed by a legacy start). */
  forget(target: string): void {
    const id = this.resolveId(target)
    if (id === undefined) return
    this.byId.delete(id)
    for (const [n, v] of this.names) if (v === id) this.names.delete(n)
    this.dirty = true
  }

  /** Look up by full id, name, or a unique id prefix of at least 12 characters. */
  get(target: string): TargetFacts | undefined {
    const id = this.resolveId(target)
    if (id === undefined) return undefined
    const f = this.byId.get(id)
    if (f !== undefined) {
      this.byId.delete(id)
      this.byId.set(id, f)
    }
    return f
  }

  private resolveId(target: string): string | undefined {
    const t = target.replace(/^\//, "")
    if (this.byId.has(t)) return t
    const named = this.names.get(t)
    if (named !== undefined) return named
    if (t.length < MIN_PREFIX || !/^[0-9a-f]+$/.test(t)) return undefined
    let found: string | undefined
    for (const id of this.byId.keys()) {
      if (id.startsWith(t)) {
        if (found !== undefined) return undefined // ambiguous: let the daemon resolve it
        found = id
      }
    }
    return found
  }

  /** Write the store to a file (0600, atomic rename) if it changed. */
  save(file: string): void {
    if (!this.dirty) return
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    const tmp = `${file}.${process.pid}.tmp`
    const data = { version: 1, facts: [...this.byId.values()], names: [...this.names.entries()] }
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 })
    renameSync(tmp, file)
    this.dirty = false
  }

  /** Load facts saved by `save`; a missing or corrupt file leaves the store empty. */
  load(file: string): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"))
    } catch {
      return
    }
    const p = parsed as { version?: unknown; facts?: unknown; names?: unknown }
    if (p.version !== 1 || !Array.isArray(p.facts)) return
    for (const f of p.facts as Array<TargetFacts>) {
      if (typeof f?.id === "string" && typeof f.privileged === "boolean" && Array.isArray(f.hostMounts)) this.learn(f)
    }
    if (Array.isArray(p.names)) {
      for (const e of p.names as Array<unknown>) {
        if (Array.isArray(e) && typeof e[0] === "string" && typeof e[1] === "string" && this.byId.has(e[1])) this.names.set(e[0], e[1])
      }
    }
    this.dirty = false
  }
}

/** Insert as most recent; drop the least recently inserted entries beyond `capacity`. */
const putBounded = <K, V>(m: Map<K, V>, key: K, value: V, capacity: number): void => {
  m.delete(key)
  m.set(key, value)
  while (m.size > capacity) {
    const oldest = m.keys().next().value
    if (oldest === undefined) break
    m.delete(oldest)
  }
}

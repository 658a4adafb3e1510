import { describe, expect, it } from "vitest"
import { foldKey, GoJsonError, parseFirstValue, utf8 } from "../../src/adapters/engine-api/gojson.ts"
import { get, type GoValue, project, S, type Shape } from "../../src/adapters/engine-api/goshape.ts"
import { containerFromCreate } from "../../src/adapters/engine-api/container.ts"
import { containerCreate, hostConfig } from "../../src/adapters/engine-api/shapes.ts"
import type { GoObject } from "../../src/adapters/engine-api/goshape.ts"

const dec = (text: string, shape: Shape): GoValue => project(parseFirstValue(text), shape, undefined, "")
const create = (text: string) => {
  const v = dec(text, containerCreate)
  return containerFromCreate(v as GoObject, undefined).spec
}

describe("gojson tokenizer", () => {
  it("reads the first value and ignores trailing data like json.Decoder", () => {
    expect(parseFirstValue('{"a":1}xyz')).toEqual({ t: "obj", entries: [["a", { t: "num", raw: "1" }]] })
    expect(parseFirstValue('{"a":1}{"a":2}')).toEqual({ t: "obj", entries: [["a", { t: "num", raw: "1" }]] })
  })
  it("keeps duplicate keys in order", () => {
    const n = parseFirstValue('{"k":1,"k":2}')
    expect(n.t === "obj" && n.entries.map(([k]) => k)).toEqual(["k", "k"])
  })
  it("decodes unicode escapes and surrogates like Go", () => {
    expect(parseFirstValue('"Privil\\u0065ged"')).toEqual({ t: "str", v: "Privileged" })
    expect(parseFirstValue('"\\ud83d\\ude00"')).toEqual({ t: "str", v: "😀" })
    expect(parseFirstValue('"\\ud83dx"')).toEqual({ t: "str", v: "\uFFFDx" })
  })
  it("rejects what Go rejects", () => {
    for (const bad of ["", "   ", "{", '{"a":01}', "{'a':1}", '{"a":tru}', '"\\x"', '{"a":1,}', "[1,]", '"a\u0001"']) {
      expect(() => parseFirstValue(bad), bad).toThrow(GoJsonError)
    }
    // a UTF-8 BOM is not JSON whitespace for Go
    expect(() => parseFirstValue(utf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])))).toThrow(GoJsonError)
  })
  it("accepts only Go's four whitespace characters", () => {
    expect(parseFirstValue(' \t\r\n{"a" :\n true }').t).toBe("obj")
    expect(() => parseFirstValue("\u00a0{}")).toThrow(GoJsonError)
  })
})

describe("foldName field matching", () => {
  it("folds ASCII case, ſ (U+017F) to s and K (U+212A) to k", () => {
    expect(foldKey("HoſtConfig")).toBe("hostconfig")
    expect(foldKey("NetworKMode")).toBe("networkmode")
    expect(foldKey("İmage")).not.toBe("image")
  })
  it("matches HoſtConfig/Bindſ to HostConfig/Binds", () => {
    const spec = create('{"Image":"x","HoſtConfig":{"Privileged":true,"Bindſ":["/:/host"]}}')
    expect(spec.privileged).toBe(true)
    expect(spec.mounts.map((m) => m.source)).toEqual(["/"])
  })
  it("matches NetworKMode (Kelvin sign) to NetworkMode", () => {
    expect(create('{"HostConfig":{"NetworKMode":"host"}}').networkMode).toBe("host")
  })
  it("prefers an exact match, else the first fold match", () => {
    const shape = S.struct({ Ab: S.str, AB: S.str })
    expect(dec('{"ab":"x"}', shape)).toEqual(Object.assign(Object.create(null), { Ab: "x" }))
    expect(dec('{"AB":"y"}', shape)).toEqual(Object.assign(Object.create(null), { AB: "y" }))
  })
  it("ignores unknown fields", () => {
    expect(create('{"Image":"x","Bogus":{"Privileged":true}}').privileged).toBe(false)
  })
})

describe("duplicate keys and null", () => {
  it("scalars: last wins", () => {
    expect(create('{"HostConfig":{"Privileged":true,"privileged":false}}').privileged).toBe(false)
    expect(create('{"HostConfig":{"Privileged":false,"Privileged":true}}').privileged).toBe(true)
  })
  it("structs: duplicate HostConfig objects merge (Go reuses the pointer)", () => {
    const spec = create('{"HostConfig":{"Privileged":true,"Binds":["/:/host"]},"HostConfig":{"Memory":1}}')
    expect(spec.privileged).toBe(true)
    expect(spec.mounts[0]?.source).toBe("/")
    expect(spec.resources.memory).toBe(1)
  })
  it("maps merge keys, arrays are replaced (element-wise into old elements)", () => {
    const v = dec('{"Sysctls":{"a":"1"},"Sysctls":{"b":"2"},"Binds":["/a:/a","/b:/b"],"Binds":["/c:/c"]}', hostConfig)
    expect(get.strMap(v, "Sysctls")).toEqual({ a: "1", b: "2" })
    expect(get.strs(v, "Binds")).toEqual(["/c:/c"])
    const m = dec('{"Mounts":[{"Type":"bind","Source":"/","Target":"/h"}],"Mounts":[{"Target":"/x"}]}', hostConfig)
    expect(get.arr(m, "Mounts")?.map((x) => [get.str(x, "Type"), get.str(x, "Source"), get.str(x, "Target")])).toEqual([
      ["bind", "/", "/x"]
    ])
  })
  it("null leaves structs and scalars as they are, sets pointers/slices nil", () => {
    const spec = create('{"HostConfig":{"Privileged":true,"Privileged":null,"MaskedPaths":[],"ReadonlyPaths":["/x"],"ReadonlyPaths":null}}')
    expect(spec.privileged).toBe(true)
    expect(spec.maskedPaths).toEqual([])
    expect(spec.readonlyPaths).toBeUndefined()
    expect(create('{"HostConfig":{"MaskedPaths":null}}').maskedPaths).toBeUndefined()
  })
  it("HostConfig null: top-level HostConfig fields count", () => {
    const spec = create('{"Image":"x","Privileged":true,"Binds":["/:/host"],"HostConfig":null}')
    expect(spec.privileged).toBe(true)
    expect(spec.mounts[0]?.source).toBe("/")
  })
  it("a later HostConfig:null drops an earlier HostConfig object (pointer set to nil)", () => {
    expect(create('{"HostConfig":{"Privileged":true},"HostConfig":null}').privileged).toBe(false)
    expect(create('{"HostConfig":{"Privileged":true},"HostConfig":null,"Privileged":true}').privileged).toBe(true)
  })
  it("top-level fields are ignored when a HostConfig object is present, except the copied resources", () => {
    const spec = create('{"Privileged":true,"Memory":5,"HostConfig":{}}')
    expect(spec.privileged).toBe(false)
    expect(spec.resources.memory).toBe(5)
  })
})

describe("types", () => {
  it("int64 fields are exact and range-checked", () => {
    const v = dec('{"Memory":9007199254740993,"CpuShares":-1}', hostConfig)
    expect(get.int(v, "Memory")).toBe(9007199254740993n)
    expect(get.int(v, "CpuShares")).toBe(-1n)
    expect(() => dec('{"Memory":9223372036854775808}', hostConfig)).toThrow(/int64/)
    expect(() => dec('{"Memory":1.5}', hostConfig)).toThrow(/Memory/)
    expect(() => dec('{"Memory":1e3}', hostConfig)).toThrow(GoJsonError)
    expect(() => dec('{"BlkioWeight":-1}', hostConfig)).toThrow(/uint16/)
  })
  it("type mismatches are errors naming the field", () => {
    expect(() => dec('{"Privileged":"true"}', hostConfig)).toThrow(/Privileged/)
    expect(() => dec('{"Binds":"/:/h"}', hostConfig)).toThrow(/Binds/)
    expect(() => dec('{"Mounts":[{"Source":1}]}', hostConfig)).toThrow(/Mounts\[0\]\.Source/)
  })
  it("StrSlice (CapAdd, Cmd) takes a string or an array", () => {
    expect(create('{"HostConfig":{"CapAdd":"sys_admin"}}').capAdd).toEqual(["SYS_ADMIN"])
    expect(create('{"Cmd":"sh"}').cmd).toEqual(["sh"])
  })
  it("interface{} values: last key wins, numbers are float64", () => {
    const v = dec('{"x":{"a":1,"a":2}}', S.struct({ x: S.any }))
    expect(get.obj(v, "x")?.["a"]).toBe(2)
  })
})

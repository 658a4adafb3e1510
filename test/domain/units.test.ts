import { describe, expect, it } from "vitest"
import { cpusToNano, parseCpus, parseDuration, parseMemory } from "../../src/domain/units.ts"

describe("units", () => {
  it.each<[string | number, number | undefined]>([
    ["512m", 512 * 1024 ** 2],
    ["2g", 2 * 1024 ** 3],
    ["2G", 2 * 1024 ** 3],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["1024k", 1024 * 1024],
    ["100b", 100],
    ["4096", 4096],
    ["1 gb", 1024 ** 3],
    [1073741824, 1073741824],
    ["2 gigs", undefined],
    ["-1g", undefined],
    ["", undefined],
    [-5, undefined]
  ])("parseMemory(%j) = %s", (s, n) => {
    expect(parseMemory(s)).toBe(n)
  })

  it.each<[string | number, number | undefined]>([
    [2, 2],
    [1.5, 1.5],
    ["1.5", 1.5],
    ["0.5", 0.5],
    [".5", 0.5],
    ["500m", 0.5],
    [0, undefined],
    ["0", undefined],
    ["two", undefined],
    ["-1", undefined]
  ])("parseCpus(%j) = %s", (s, n) => {
    expect(parseCpus(s)).toBe(n)
  })

  it("cpusToNano", () => {
    expect(cpusToNano(1.5)).toBe(1_500_000_000)
  })

  it.each<[string, number | undefined]>([
    ["24h", 86_400_000],
    ["30s", 30_000],
    ["7d", 7 * 86_400_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["1.5h", 5_400_000],
    ["2w", 14 * 86_400_000],
    ["0", 0],
    ["1 day", undefined],
    ["24", undefined],
    ["", undefined],
    ["h", undefined],
    ["10x", undefined]
  ])("parseDuration(%j) = %s", (s, n) => {
    expect(parseDuration(s)).toBe(n)
  })
})

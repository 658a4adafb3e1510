/** The built-in secret scanner over a synthetic `docker save` archive (no daemon needed). */
import { generateKeyPairSync, createHash } from "node:crypto"
import { join } from "node:path"
import { Readable } from "node:stream"
import { gzipSync } from "node:zlib"
import tar from "tar-stream"
import { describe, expect, it } from "vitest"
import { DockerSaveError, scanImageArchive, scanLocalImage } from "../../src/adapters/scan/image-reader.ts"

const tarOf = async (files: ReadonlyArray<{ name: string; body: Buffer | string }>): Promise<Buffer> => {
  const pack = tar.pack()
  const chunks: Array<Buffer> = []
  pack.on("data", (c: unknown) => void chunks.push(c as Buffer))
  const done = new Promise<void>((res) => pack.on("end", () => res()))
  for (const f of files) pack.entry({ name: f.name }, f.body)
  pack.finalize()
  await done
  return Buffer.concat(chunks)
}
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex")

// fake credentials assembled at run time so the repository holds no secret-looking literal
const AWS_ID = ["AKIA", "Z7Q2", "M4X8", "P1LK", "T3VB"].join("")
const AWS_SECRET = ["wJalrXUtnFEMI", "K7MDENGbPxRfi", "CYzq8w2LmN4kPa"].join("/").slice(0, 40)
const PEM = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString()

const buildArchive = async () => {
  const layer1 = await tarOf([
    { name: "app/.env", body: `APP=1\nAWS_ACCESS_KEY_ID=${AWS_ID}\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n` },
    { name: "root/.ssh/id_rsa", body: PEM },
    { name: "bin/tool", body: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), Buffer.from(AWS_ID)]) },
    { name: "etc/.wh.secret", body: "" },
    { name: "etc/hostname", body: "box\n" }
  ])
  const layer2 = gzipSync(await tarOf([{ name: "srv/big.txt", body: `${"x".repeat(2048)}\nkey=${AWS_ID}\n` }, { name: "srv/clean.txt", body: "nothing here\n" }]))
  const config = JSON.stringify({
    config: { Env: ["PATH=/usr/bin", `AWS_ACCESS_KEY_ID=${AWS_ID}`, "DB_PASSWORD=hunter2hunter2", "EMPTY_TOKEN="] },
    history: [{ created_by: "/bin/sh -c #(nop) ADD file:abc in /" }, { created_by: `/bin/sh -c echo ${AWS_ID} > /tmp/k` }]
  })
  const cfgHex = sha(config)
  const l1 = sha(layer1)
  return tarOf([
    { name: `blobs/sha256/${l1}`, body: layer1 },
    { name: "legacy123/layer.tar", body: layer2 },
    { name: `blobs/sha256/${cfgHex}`, body: config },
    { name: "manifest.json", body: JSON.stringify([{ Config: `blobs/sha256/${cfgHex}`, RepoTags: ["app:1"], Layers: [`blobs/sha256/${l1}`, "legacy123/layer.tar"] }]) },
    { name: "index.json", body: "{}" }
  ]).then((b) => ({ archive: b, cfgHex, l1 }))
}

describe("built-in secret scanner over an image archive", () => {
  it("finds keys in files, env and history; skips binaries, whiteouts and files over the limit", async () => {
    const { archive, cfgHex, l1 } = await buildArchive()
    const r = await scanImageArchive(Readable.from([archive]), { maxFileBytes: 1024 })
    const got = r.findings.map((f) => `${f.detector}|${f.severity}|${f.file}|${f.layer ?? "-"}`).sort()
    expect(got).toEqual(
      [
        `AWS|high|/app/.env|sha256:${l1}`,
        `AWS|high|/app/.env|sha256:${l1}`,
        `PrivateKey|high|/root/.ssh/id_rsa|sha256:${l1}`,
        "AWS|high|image-config:env:AWS_ACCESS_KEY_ID|-",
        "SecretEnvVar|medium|image-config:env:DB_PASSWORD|-",
        "AWS|high|image-metadata:history:1:created-by|-"
      ].sort()
    )
    expect(r.configDigest).toBe(`sha256:${cfgHex}`)
    expect(r.stats).toMatchObject({ layers: 2, files: 7, skippedLarge: 1 })
    expect(r.findings.find((f) => f.file === "/app/.env")?.line).toBeGreaterThan(1)
    const json = JSON.stringify(r)
    expect(json).not.toContain(AWS_ID)
    expect(json).not.toContain(AWS_SECRET)
    expect(json).not.toContain("hunter2hunter2")
    expect(json).toContain(`${AWS_ID.slice(0, 4)}****${AWS_ID.slice(-4)}`)
  })

  it("finds the big file when the limit allows it, and a clean archive has no findings", async () => {
    const { archive } = await buildArchive()
    const r = await scanImageArchive(Readable.from([archive]))
    expect(r.findings.some((f) => f.file === "/srv/big.txt")).toBe(true)
    const clean = await tarOf([{ name: "l/layer.tar", body: await tarOf([{ name: "etc/os-release", body: "ID=test\n" }]) }, { name: "manifest.json", body: "[]" }])
    expect((await scanImageArchive(Readable.from([clean]))).findings).toEqual([])
  })

  it("a truncated archive is an error, never an empty result", async () => {
    const { archive } = await buildArchive()
    await expect(scanImageArchive(Readable.from([archive.subarray(0, 3000)]))).rejects.toThrow()
  })
})

describe("scanLocalImage (docker save)", () => {
  const fake = (mode: string) => join(process.cwd(), "test/fixtures/fake-scanners", mode, "docker")
  it("output that is not an archive fails fast and stops docker (no hang on a full pipe)", async () => {
    const started = Date.now()
    await expect(scanLocalImage("app:1", { docker: fake("docker-garbage") })).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(10_000)
  })
  it("a missing image is a DockerSaveError marked notFound", async () => {
    const e = await scanLocalImage("nosuch:1", { docker: fake("docker-missing-image") }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(DockerSaveError)
    expect((e as DockerSaveError).notFound).toBe(true)
    expect((e as DockerSaveError).exitCode).toBe(1)
  })
})

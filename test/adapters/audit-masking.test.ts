import { describe, expect, it } from "vitest"
import { readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { Writable } from "node:stream"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { exportTo, EXPORT_FORMATS } from "../../src/adapters/audit/export.ts"
import { scrubCommand, scrubUri } from "../../src/adapters/audit/scrub.ts"
import { envVar } from "../../src/domain/secrets.ts"
import { baseRequest, emptyContainer } from "../../src/domain/request.ts"
import type { DecisionEvent } from "../../src/domain/events.ts"
import { decisionEvents, tempDir } from "./audit-fixtures.ts"

const FIX = join(import.meta.dirname, "../fixtures/authz")
const FILES = [
  "093-create-e-aws-access-key-id--post-containers-create.json",
  "094-create-env-file-secrets-env--post-containers-create.json",
  "146-run-name-rmtest-rm-e-aws-secret-access-key--post-containers-create.json",
  "211-exec-e-secret-token-fake-abc123-web-env--post-containers-web-exec.json",
  "255-legacy-build-build-arg-secret-s3cr3t-build--post-build.json",
  "267-login-u-fakeuser-p-fake-password-123--post-auth.json",
  "347-printf-fake-db-password-secret-create-dbpass--post-secrets-create.json"
]
/** Every secret value these captures carry (env values, build arg, login password, secret data). */
const SECRETS = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "fake-abc123", "s3cr3t-build-arg-value",
  "fake-password-123", "fake-db-password", "ZmFrZS1kYi1wYXNzd29yZA"]

interface Capture { command: string; req: { RequestMethod: string; RequestUri: string; RequestBody?: string } }

/** A careless front end: masked request model, but the raw URI and the raw shell command. */
const eventsFor = (c: Capture): Array<DecisionEvent> => {
  const body = c.req.RequestBody === undefined ? {} : JSON.parse(Buffer.from(c.req.RequestBody, "base64").toString("utf8")) as Record<string, unknown>
  const env = Array.isArray(body["Env"]) ? (body["Env"] as Array<string>).map(envVar) : []
  const [rr, dec] = decisionEvents({ user: "alice", command: c.command, uri: c.req.RequestUri, method: c.req.RequestMethod })
  if (rr?._tag !== "RequestReceived" || dec === undefined) throw new Error("fixture helper changed")
  const request = { ...baseRequest("container.create", `${c.req.RequestMethod} ${c.req.RequestUri.split("?")[0]}`), details: { buildargs: "{\"SECRET\":\"s3cr3t-build-arg-value\"}" }, container: { ...emptyContainer(), env } }
  return [{ ...rr, request }, dec]
}

const collect = (): { sink: Writable; text: () => string } => {
  const chunks: Array<string> = []
  return { sink: new Writable({ write(chunk, _e, cb) { chunks.push(String(chunk)); cb() } }), text: () => chunks.join("") }
}

describe("audit masking", () => {
  it("no secret value from the captured fixtures reaches the database, the mirror or any export", async () => {
    const dir = join(tempDir(), "audit")
    const store = new AuditStore(dir, { mirror: { enabled: true } })
    const captures = FILES.map((f) => JSON.parse(readFileSync(join(FIX, f), "utf8")) as Capture)
    for (const c of captures) await store.append(eventsFor(c))
    // the raw material really did contain the secrets
    const raw = JSON.stringify(captures.map((c) => [c.command, c.req.RequestUri, Buffer.from(c.req.RequestBody ?? "", "base64").toString()]))
    for (const s of SECRETS.slice(0, 6)) expect(raw).toContain(s)
    const outputs: Array<[string, string]> = []
    for (const format of EXPORT_FORMATS) {
      const { sink, text } = collect()
      await exportTo(store, { format }, sink)
      outputs.push([format, text()])
    }
    store.close()
    for (const f of readdirSync(dir)) outputs.push([f, readFileSync(join(dir, f)).toString("latin1")])
    for (const [name, text] of outputs) {
      for (const s of SECRETS) expect(text.includes(s), `${s} in ${name}`).toBe(false)
    }
    // and the keys are still there for the auditor
    expect(outputs.find(([n]) => n === "jsonl")?.[1]).toContain("AWS_SECRET_ACCESS_KEY")
  })

  it("scrubs URIs and command lines", () => {
    expect(scrubUri("/v1.41/build?buildargs=%7B%22SECRET%22%3A%22v%22%7D&t=a%3A1")).toBe("/v1.41/build?buildargs=%7B%22SECRET%22%3A%22****%22%7D&t=a%3A1")
    expect(scrubUri("/v1.41/images/create?fromImage=x&tag=1")).toBe("/v1.41/images/create?fromImage=x&tag=1")
    expect(scrubUri("/v1.41/containers/create?name=a%20b")).toBe("/v1.41/containers/create?name=a%20b")
    expect(scrubUri("/v1.41/images/create?fromImage=x&X-Registry-Auth=eyJ0")).toBe("/v1.41/images/create?fromImage=x&X-Registry-Auth=****")
    expect(scrubCommand("docker run -e A=1 --env=B=2 --env C busybox:local")).toBe("docker run -e A=**** --env=B=**** --env C busybox:local")
    expect(scrubCommand("docker login -u me -p hunter2 reg")).toBe("docker login -u me -p **** reg")
    expect(scrubCommand("docker run -p 8080:80 nginx")).toBe("docker run -p 8080:80 nginx")
    expect(scrubCommand("GITHUB_TOKEN=abc DOCKER_BUILDKIT=0 docker build --build-arg X=y .")).toBe("GITHUB_TOKEN=**** DOCKER_BUILDKIT=0 docker build --build-arg X=**** .")
    expect(scrubCommand("printf 'pw' | docker secret create x -")).toBe("docker secret create x -")
    expect(scrubCommand("docker run --label team=web --label db_password=x nginx")).toBe("docker run --label team=web --label db_password=**** nginx")
  })
})

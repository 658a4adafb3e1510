import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { e2ePrerequisites, startDaemon, type Daemon } from "./harness.ts"

const missing = e2ePrerequisites()
if (missing !== undefined && process.env["CI"] !== undefined) throw new Error(`e2e prerequisites missing in CI: ${missing}`)

describe.skipIf(missing !== undefined)("private dockerd harness", () => {
  let d: Daemon
  beforeAll(async () => {
    d = await startDaemon()
  })
  afterAll(async () => {
    await d?.stop()
  })
  it("runs a container from the imported busybox image", () => {
    const res = d.docker(["run", "--rm", "busybox:local", "echo", "hello"])
    expect(res.stderr).toBe("")
    expect(res.stdout.trim()).toBe("hello")
  })
  it("answers raw API requests on its socket", async () => {
    const res = await d.raw({ method: "GET", path: "/v1.41/version" })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).ApiVersion).toBe("1.41")
  })
})

/**
 * Crash-test server: serves `POST /append` on a unix socket with the real SQLite store and answers
 * only after the decision's events are committed (as the AuthZ plugin does). Killed with SIGKILL
 * by audit-crash.test.ts. Usage: node --import tsx audit-crash-server.ts <auditDir> <socket>
 */
import { createServer } from "node:http"
import { rmSync } from "node:fs"
import { AuditStore } from "../../src/adapters/audit/store.ts"
import { decisionEvents, finding } from "./audit-fixtures.ts"

const [dir, socket] = process.argv.slice(2)
if (dir === undefined || socket === undefined) throw new Error("usage: audit-crash-server.ts <auditDir> <socket>")
const store = new AuditStore(dir)
rmSync(socket, { force: true })
createServer((req, res) => {
  let body = ""
  req.on("data", (d: Buffer) => { body += d.toString() })
  req.on("end", () => {
    const { user } = JSON.parse(body) as { user: string }
    const events = decisionEvents({ user, findings: user.endsWith("7") ? [finding("runtime.privileged", 40)] : [] })
    store.append(events).then(
      () => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify({ decisionId: events[0]!.decisionId })) },
      (e: unknown) => { res.writeHead(500); res.end(String(e)) }
    )
  })
}).listen(socket, () => process.stdout.write("ready\n"))

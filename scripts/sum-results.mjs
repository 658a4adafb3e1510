// Sums vitest JSON reports and prints the closing "N passed, N failed" line CI reads.
import { existsSync, readFileSync } from "node:fs"

let passed = 0
let failed = 0
let skipped = 0
let missing = 0
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.error(`test report ${file} was not written (the suite crashed before reporting)`)
    missing++
    continue
  }
  const r = JSON.parse(readFileSync(file, "utf8"))
  passed += r.numPassedTests ?? 0
  failed += (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0 ? 0 : 0)
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  // a suite that failed to load counts as a failure even when it had no tests
  for (const s of r.testResults ?? []) if (s.status === "failed" && (s.assertionResults ?? []).length === 0) failed++
}
failed += missing
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exit(failed > 0 ? 1 : 0)

#!/usr/bin/env bash
# Runs every test suite (unit, then end-to-end against a private dockerd) and prints one
# closing line "N passed, N failed" with the totals of all suites.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
status=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$out/unit.json" || status=1
npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json="$out/e2e.json" || status=1
node scripts/sum-results.mjs "$out/unit.json" "$out/e2e.json" || status=1
rm -rf "$out"
exit $status

// npm test: every suite (unit, integration, browser) in one Vitest run, then one totals line.
import { spawnSync } from "node:child_process"
import { mkdirSync, readFileSync } from "node:fs"
import path from "node:path"

const root = path.resolve(import.meta.dirname, "..")
const out = path.join(root, ".data/test-results.json")
mkdirSync(path.dirname(out), { recursive: true })
const args = process.argv.slice(2)
const run = spawnSync(
  process.execPath,
  [path.join(root, "node_modules/vitest/vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${out}`, ...args],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  },
)
let totals = { passed: 0, failed: 0, skipped: 0 }
try {
  const r = JSON.parse(readFileSync(out, "utf8")) as {
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    numTodoTests: number
  }
  totals = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests }
} catch {
  totals.failed = Math.max(1, totals.failed) // the runner itself failed before reporting
}
const failed = totals.failed + (run.status !== 0 && totals.failed === 0 ? 1 : 0)
console.log(`${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`)
process.exit(run.status ?? 1)

// npm run billing:reconcile: compares every customer's rows with Stripe now and re-syncs what drifted
// (the cron's daily job, run to the end here). Continues an open run, else starts one.
//   -- --max-calls 60   Stripe requests per step (default 60)   -- --rps 8   requests per second (default 8)
//   -- --step           one step only (what one cron call does)
import { parseArgs } from "node:util"
import { loadEnvFiles } from "./lib/load-env"

loadEnvFiles()
const { values } = parseArgs({
  options: { "max-calls": { type: "string", default: "60" }, rps: { type: "string", default: "8" }, step: { type: "boolean" } },
})
const maxCalls = Number(values["max-calls"])
const rps = Number(values.rps)
if (!Number.isInteger(maxCalls) || maxCalls < 4 || !(rps > 0 && rps <= 10)) {
  console.error("usage: npm run billing:reconcile [-- --max-calls N (≥ 4)] [--rps R (0 < R ≤ 10)] [--step]")
  process.exit(2)
}
const { reconcileAll, reconcileStep, runFindings } = await import("../lib/billing/sync/reconcile")
const { pool } = await import("../lib/db/client")
const started = Date.now()
const report = await (values.step ? reconcileStep : reconcileAll)({ trigger: "cli", maxCalls, rps })
if (report.skipped) console.log("another reconciliation step is running; try again in a moment")
else {
  const seconds = (Date.now() - started) / 1000
  console.log(
    `run ${report.runId}: ${report.finished ? "finished" : `paused in ${report.phase}`}; ${report.checked} subscription(s) compared, ` +
      `${report.drifted} customer(s) drifted, ${report.fixed} fixed; ${report.calls} Stripe call(s) this step in ${seconds.toFixed(1)} s`,
  )
  if (report.runId)
    for (const f of await runFindings(report.runId))
      console.log(
        `  ${f.customer}: ${f.fixed === null ? "waiting" : f.fixed ? "fixed" : `NOT fixed (${f.error})`} ${JSON.stringify(f.differences)}`,
      )
}
await pool.end()

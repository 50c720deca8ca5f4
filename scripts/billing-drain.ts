// npm run billing:drain: applies due webhook events, sends usage and billing emails, for self-hosting without Vercel Cron.
//   -- --once        drain once and exit          -- --every 5     seconds between drains (default 5)
import { parseArgs } from "node:util"
import { loadEnvFiles } from "./lib/load-env"

loadEnvFiles()
const { values } = parseArgs({ options: { once: { type: "boolean" }, every: { type: "string", default: "5" } } })
const { drainBillingEvents } = await import("../lib/billing/sync/drain")
const { usageOutbox } = await import("../lib/billing/usage/outbox")
const { emailOutbox } = await import("../lib/billing/email/outbox")
const { pool } = await import("../lib/db/client")
let stopping = false
process.once("SIGINT", () => (stopping = true))
process.once("SIGTERM", () => (stopping = true))
const everyMs = Math.max(1, Number(values.every)) * 1000
do {
  const report = await drainBillingEvents({ budgetMs: everyMs * 4 }).catch((err: unknown) => {
    console.error(`drain failed: ${err instanceof Error ? err.message : String(err)}`)
    return null
  })
  if (report && report.customers)
    console.log(
      `${new Date().toISOString()} applied ${report.events} event(s) for ${report.customers} customer(s), ${report.failed} failed`,
    )
  for (const o of [usageOutbox, emailOutbox]) {
    const failed = (err: unknown) => console.error(`${o.spec.name} flush failed: ${err instanceof Error ? err.message : String(err)}`)
    const r = await o.flush().catch(failed)
    const counts = Object.entries(r?.counts ?? {}).map(([k, n]) => `, ${n} ${k}`)
    const what = r && `${r.sent} sent, ${r.skipped} skipped, ${r.failed} failed (${r.dead} dead)${counts.join("")}`
    if (r?.claimed) console.log(`${new Date().toISOString()} ${o.spec.name}: ${what}`)
  }
  if (values.once) break
  for (let waited = 0; waited < everyMs && !stopping; waited += 250) await new Promise((r) => setTimeout(r, 250))
} while (!stopping)
await pool.end()

// npm run billing:events: the webhook inbox by state (count, oldest age), the dead events, and applied
// events that need a look (a refused customer link, a customer with two live subscriptions).
// Then the usage outbox (usage reported to Stripe's meters) and the billing email outbox: pending and dead rows.
//   -- --retry <evt_id>   make one dead event due again      -- --retry-dead   all of them (dead usage rows and emails too)
import { parseArgs } from "node:util"
import { loadEnvFiles } from "./lib/load-env"

loadEnvFiles()
const { values } = parseArgs({ options: { retry: { type: "string" }, "retry-dead": { type: "boolean" } } })
const { inboxSummary, listDeadEvents, listNoticedEvents, retryDeadEvents } = await import("../lib/billing/sync/inbox-admin")
const { usageOutboxSummary, retryDeadUsage } = await import("../lib/billing/usage/outbox")
const { emailOutboxSummary, retryDeadEmails } = await import("../lib/billing/email/outbox")
const { pool } = await import("../lib/db/client")
try {
  if (values.retry || values["retry-dead"]) {
    const n = await retryDeadEvents(values.retry)
    console.log(`${n} dead event(s) made due again; the next drain (cron, or npm run billing:drain) applies them`)
  }
  if (values["retry-dead"]) console.log(`${await retryDeadUsage()} dead usage row(s) made due again`)
  if (values["retry-dead"]) console.log(`${await retryDeadEmails()} dead email(s) made due again`)
  const summary = await inboxSummary({ exactProcessed: true })
  const age = (s: number | null) =>
    s === null ? "-" : s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`
  console.table(
    Object.fromEntries(Object.entries(summary).map(([state, v]) => [state, { count: v.count, "oldest age": age(v.oldestAgeSeconds) }])),
  )
  const dead = await listDeadEvents()
  for (const d of dead) console.log(`dead ${d.id} ${d.type} customer=${d.customerId ?? "-"} attempts=${d.attempts} error=${d.error ?? "-"}`)
  const usage = await usageOutboxSummary()
  console.log(`usage outbox: ${usage.pending} pending, ${usage.dead.count} dead`)
  for (const d of usage.dead.rows) console.log(`dead usage ${d.id} customer=${d.customer} error=${d.error ?? "-"}`)
  const email = await emailOutboxSummary()
  console.log(`email outbox: ${email.pending} pending, ${email.dead.count} dead`)
  for (const d of email.dead.rows) console.log(`dead email ${d.id} ${d.template} to=${d.to} attempts=${d.attempts} error=${d.error ?? "-"}`)
  for (const n of await listNoticedEvents()) console.log(`notice ${n.id} ${n.type} customer=${n.customerId ?? "-"} outcome=${n.outcome}`)
} finally {
  await pool.end()
}

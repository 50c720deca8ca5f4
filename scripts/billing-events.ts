// npm run billing:events: the webhook inbox by state (count, oldest age), the dead events, and applied
// events that need a look (a refused customer link, a customer with two live subscriptions).
// Then every outbox (usage for Stripe's meters, billing emails, billing actions): pending and dead rows.
//   -- --retry <evt_id>   make one dead event due again      -- --retry-dead   all of them (and every outbox's dead rows)
import { parseArgs } from "node:util"
import { loadEnvFiles } from "./lib/load-env"

loadEnvFiles()
const { values } = parseArgs({ options: { retry: { type: "string" }, "retry-dead": { type: "boolean" } } })
const { inboxSummary, listDeadEvents, listNoticedEvents, retryDeadEvents } = await import("../lib/billing/sync/inbox-admin")
const { OUTBOXES } = await import("../lib/billing/outbox/all")
const { pool } = await import("../lib/db/client")
try {
  if (values.retry || values["retry-dead"]) {
    const n = await retryDeadEvents(values.retry)
    console.log(`${n} dead event(s) made due again; the next drain (cron, or npm run billing:drain) applies them`)
  }
  if (values["retry-dead"]) for (const o of OUTBOXES) console.log(`${await o.retryDead()} dead ${o.spec.name} row(s) made due again`)
  const summary = await inboxSummary()
  const age = (s: number | null) =>
    s === null ? "-" : s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`
  console.table(
    Object.fromEntries(Object.entries(summary).map(([state, v]) => [state, { count: v.count, "oldest age": age(v.oldestAgeSeconds) }])),
  )
  const dead = await listDeadEvents()
  for (const d of dead) console.log(`dead ${d.id} ${d.type} customer=${d.customerId ?? "-"} attempts=${d.attempts} error=${d.error ?? "-"}`)
  for (const {
    spec: { name },
    summary,
  } of OUTBOXES) {
    const o = await summary()
    console.log(`${name} outbox: ${o.pending} pending, ${o.dead.count} dead`)
    for (const { id, attempts, error, ...row } of o.dead.rows) {
      const what = Object.entries(row).map(([k, v]) => `${k}=${String(v)}`)
      console.log(`dead ${name} ${id} ${what.join(" ")} attempts=${attempts} error=${error ?? "-"}`)
    }
  }
  for (const n of await listNoticedEvents()) console.log(`notice ${n.id} ${n.type} customer=${n.customerId ?? "-"} outcome=${n.outcome}`)
} finally {
  await pool.end()
}

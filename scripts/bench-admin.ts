// npm run bench:admin: the operator console at scale. A throwaway Postgres (the offline stack) seeded with
// 10,000 customers (users, Stripe customers and subscriptions created in the Stripe emulator, their rows)
// and 100,000 webhook events; then
//   1. every admin query (the functions the /admin pages call) timed, p50/p95 over repeated runs with
//      varied inputs (target p95 ≤ 200 ms), and EXPLAINed: the plan of each SQL statement it sent must
//      have no Seq Scan on the big tables;
//   2. the reconciliation of all 10,000 against the emulator with the default budget (60 calls a step,
//      8 a second), drift injected in 25 rows: calls, calls/s, the busiest second, found and fixed.
// Flags: --customers 10000 --events 100000 --runs 30. The last line is `RESULT {json}`.
import { parseArgs } from "node:util"
import pg from "pg"
import { LOCAL_SUPABASE_ANON_KEY } from "../lib/env"
import { quantile } from "./lib/bench/load"
import { startStack } from "./lib/stack"

const { values: args } = parseArgs({
  options: {
    customers: { type: "string", default: "10000" },
    events: { type: "string", default: "100000" },
    runs: { type: "string", default: "30" },
  },
})
const CUSTOMERS = Number(args.customers)
const EVENTS = Number(args.events)
const RUNS = Number(args.runs)
const BIG_TABLES = ["users", "billing_customers", "user_subscriptions", "subscription_events", "active_entitlements", "reconcile_findings"]
const log = (l: string) => console.log(l)

const stack = await startStack({ appUrl: "http://127.0.0.1:3999", database: "postgres", log: () => {} })
const admin = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 })
try {
  const stripe = stack.stripe.client()
  const price = (await stripe.prices.list({ limit: 100 })).data.find((p) => p.recurring?.interval === "month" && (p.unit_amount ?? 0) > 0)
  if (!price) throw new Error("no monthly price: stripe:setup did not run")

  // 1. Seed: customers and trialing subscriptions at the emulator (24 at a time), then the rows.
  let t = Date.now()
  const made: { customer: string; subscription: string }[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < CUSTOMERS) {
        const i = next++
        const c = await stripe.customers.create({ email: `bench-${i}@example.com` })
        const s = await stripe.subscriptions.create({ customer: c.id, items: [{ price: price.id }], trial_period_days: 30 })
        made[i] = { customer: c.id, subscription: s.id }
      }
    }),
  )
  log(`seeded ${CUSTOMERS} customers + subscriptions at the emulator in ${((Date.now() - t) / 1000).toFixed(1)} s`)
  t = Date.now()
  await admin.query(
    `insert into auth.users (id, email, aud, role, created_at, updated_at)
     select gen_random_uuid(), 'bench-' || i || '@example.com', 'authenticated', 'authenticated', now(), now() from generate_series(0, $1 - 1) i`,
    [CUSTOMERS],
  )
  await admin.query(
    `insert into billing_customers (user_id, stripe_customer_id, email)
     select u.id, m.customer, u.email from users u join json_to_recordset($1::json) as m(i int, customer text) on u.email = 'bench-' || m.i || '@example.com'`,
    [JSON.stringify(made.map((m, i) => ({ i, customer: m.customer })))],
  )
  // The rows as the sync writes them: read back from Stripe a page at a time through the app's own mapper.
  Object.assign(process.env, stack.appEnv, { NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY, LOG_LEVEL: "error" })
  const { listSubscriptionPage } = await import("../lib/stripe")
  const { subscriptionRow } = await import("../lib/billing/sync/rows")
  const { planIdForPrice } = await import("../lib/billing/sync/plans")
  const { db, pool } = await import("../lib/db/client")
  const { userSubscriptions } = await import("../lib/db/schema")
  const userOf = new Map(
    (
      await admin.query<{ user_id: string; stripe_customer_id: string }>("select user_id, stripe_customer_id from billing_customers")
    ).rows.map((r) => [r.stripe_customer_id, r.user_id]),
  )
  for (let cursor: string | null = null; ;) {
    const page = await listSubscriptionPage(cursor)
    const rows = []
    for (const s of page.subscriptions) {
      const userId = userOf.get(s.customerId)
      if (userId) rows.push(subscriptionRow(s, userId, await planIdForPrice(db, s.priceId)))
    }
    if (rows.length) await db.insert(userSubscriptions).values(rows)
    cursor = page.last
    if (!page.hasMore) break
  }
  // A realistic mix for the metrics: some active, past_due, canceled (voluntary / involuntary).
  await admin.query(
    `update user_subscriptions set status = (array['active','active','active','past_due','canceled'])[1 + (abs(hashtext(stripe_subscription_id)) % 5)]
    where stripe_subscription_id in (select stripe_subscription_id from user_subscriptions order by random() limit $1)`,
    [Math.floor(CUSTOMERS / 2)],
  )
  await admin.query(`update user_subscriptions set ended_at = now() - interval '3 days', canceled_at = now() - interval '3 days',
    cancellation_reason = case when abs(hashtext(stripe_subscription_id)) % 2 = 0 then 'cancellation_requested' else 'payment_failed' end
    where status = 'canceled'`)
  const types = [
    "customer.subscription.updated",
    "invoice.paid",
    "invoice.payment_failed",
    "customer.updated",
    "checkout.session.completed",
  ]
  const outcomes = ["synced_active", "synced_trialing", "synced_past_due", "ignored_unknown_customer", "synced"]
  await admin.query(
    `insert into subscription_events (stripe_event_id, type, stripe_created_at, payload, customer_id, received_at, processed_at, attempts, outcome, dead_at)
     select 'evt_bench' || i, ($2::text[])[1 + i % 5], now() - make_interval(secs => i * 20),
       json_build_object('data', json_build_object('object', json_build_object('id', 'in_bench' || (i / 3), 'object', 'invoice'))),
       c.stripe_customer_id, now() - make_interval(secs => i * 20),
       case when i % 50 = 0 then null else now() - make_interval(secs => i * 20) end,
       case when i % 50 = 0 then 16 else 0 end, case when i % 50 = 0 then null else ($3::text[])[1 + i % 5] end,
       case when i % 50 = 0 then now() end
     from generate_series(0, $1 - 1) i
     join (select stripe_customer_id, (row_number() over (order by stripe_customer_id) - 1)::int rn from billing_customers) c on c.rn = i % $4`,
    [EVENTS, types, outcomes, CUSTOMERS],
  )
  await admin.query("analyze")
  log(`seeded rows and ${EVENTS} events in ${((Date.now() - t) / 1000).toFixed(1)} s`)

  // 2. The admin queries: timed and EXPLAINed (each statement they send recorded from the app's pool).
  const { searchCustomers, getCustomerDetail } = await import("../lib/billing/admin/customers")
  const { listEvents, getEvent, inboxSummary } = await import("../lib/billing/admin/events")
  const { computeMetrics } = await import("../lib/billing/admin/metrics")
  const { recentRuns, runFindings, reconcileAll } = await import("../lib/billing/sync/reconcile")
  const { stripe: appStripe } = await import("../lib/stripe/config")
  const sample = (
    await admin.query<{ user_id: string; email: string; stripe_customer_id: string }>(
      "select user_id, email, stripe_customer_id from billing_customers order by random() limit 50",
    )
  ).rows
  const someEvent =
    (await admin.query<{ id: string }>("select stripe_event_id id from subscription_events where dead_at is not null limit 1")).rows[0]
      ?.id ?? "evt_x"
  const pick = (i: number) => sample[i % sample.length] as (typeof sample)[number]
  const queries: Record<string, (i: number) => Promise<unknown>> = {
    "events: counts": () => inboxSummary(),
    "events: newest": () => listEvents({}),
    "events: by type": (i) => listEvents({ type: types[i % types.length] }),
    "events: by customer": (i) => listEvents({ customer: pick(i).stripe_customer_id }),
    "events: dead": () => listEvents({ state: "dead" }),
    "events: by outcome": (i) => listEvents({ outcome: outcomes[i % outcomes.length] }),
    "events: one": () => getEvent(someEvent),
    "customers: by email": (i) => searchCustomers(pick(i).email.slice(0, 9)),
    "customers: by id": (i) => searchCustomers(pick(i).stripe_customer_id.slice(0, 12)),
    "customers: one": (i) => getCustomerDetail(pick(i).user_id),
    metrics: () => computeMetrics(),
    "reconciliation: runs": () => recentRuns(),
  }
  const recorded: { name: string; text: string; values: unknown[] }[] = []
  let recording: string | null = null
  const origQuery = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>
  ;(pool as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = (...a: unknown[]) => {
    const q = a[0] as string | { text: string; values?: unknown[] }
    if (recording)
      recorded.push({
        name: recording,
        text: typeof q === "string" ? q : q.text,
        values: ((typeof q === "string" ? a[1] : (q.values ?? a[1])) as unknown[] | undefined) ?? [],
      })
    return origQuery(...a)
  }
  const timings: Record<string, { p50: number; p95: number }> = {}
  for (const [name, run] of Object.entries(queries)) {
    recording = name
    await run(0)
    recording = null
    const ms: number[] = []
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now()
      await run(i + 1)
      ms.push(performance.now() - s)
    }
    ms.sort((a, b) => a - b)
    timings[name] = { p50: Number(quantile(ms, 0.5).toFixed(1)), p95: Number(quantile(ms, 0.95).toFixed(1)) }
  }
  const seqScans: { query: string; table: string }[] = []
  const walk = (node: Record<string, unknown>, name: string) => {
    if (node["Node Type"] === "Seq Scan" && BIG_TABLES.includes(String(node["Relation Name"])))
      seqScans.push({ query: name, table: String(node["Relation Name"]) })
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child, name)
  }
  const client = await admin.connect()
  try {
    for (const r of recorded) {
      if (!/^\s*(select|with)/i.test(r.text)) continue
      const plan = (await client.query(`explain (format json) ${r.text}`, r.values)).rows[0]["QUERY PLAN"][0].Plan
      walk(plan, r.name)
    }
  } finally {
    client.release()
  }
  log("\nadmin queries (ms)            p50     p95")
  for (const [name, x] of Object.entries(timings)) log(`  ${name.padEnd(26)} ${String(x.p50).padStart(6)}  ${String(x.p95).padStart(6)}`)
  log(`EXPLAIN: ${recorded.length} statements; Seq Scans on big tables: ${seqScans.length ? JSON.stringify(seqScans) : "none"}`)

  // 3. Reconciliation of every customer with the default budget, 25 rows drifted behind the app's back.
  const drifted = (
    await admin.query<{ id: string }>(
      `update user_subscriptions set quantity = quantity + 4 where stripe_subscription_id in
       (select stripe_subscription_id from user_subscriptions order by random() limit 25) returning stripe_subscription_id id`,
    )
  ).rows.map((r) => r.id)
  // The metrics mix above edited statuses behind Stripe's back too: put them back so only the 25 differ.
  const stamps: number[] = []
  appStripe.on("request", () => stamps.push(Date.now()))
  await admin.query(
    `update user_subscriptions set status = 'trialing', ended_at = null, canceled_at = null, cancellation_reason = null
    where stripe_subscription_id not in (select unnest($1::text[]))`,
    [drifted],
  )
  t = Date.now()
  const report = await reconcileAll({ trigger: "cli" })
  const seconds = (Date.now() - t) / 1000
  let busiest = 0
  for (let i = 0, j = 0; j < stamps.length; j++) {
    while ((stamps[j] ?? 0) - (stamps[i] ?? 0) >= 1000) i++
    busiest = Math.max(busiest, j - i + 1)
  }
  const findings = report.runId ? await runFindings(report.runId, 1000) : []
  const stillDrifted = (
    await admin.query<{ n: number }>(
      "select count(*)::int n from user_subscriptions where stripe_subscription_id = any($1) and quantity <> 1",
      [drifted],
    )
  ).rows[0]?.n
  log(
    `\nreconciliation: ${report.checked} subscriptions compared in ${seconds.toFixed(1)} s, ${stamps.length} Stripe calls ` +
      `(${(stamps.length / seconds).toFixed(2)}/s, busiest second ${busiest}), ${report.drifted} drifted, ${report.fixed} fixed, ${stillDrifted} still drifted`,
  )
  const p95max = Math.max(...Object.values(timings).map((x) => x.p95))
  const result = {
    customers: CUSTOMERS,
    events: EVENTS,
    runs_per_query: RUNS,
    query_p95_ms: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.p95])),
    worst_p95_ms: p95max,
    p95_target_met: p95max <= 200,
    explained_statements: recorded.length,
    seq_scans_on_big_tables: seqScans,
    reconcile_compared: report.checked,
    reconcile_seconds: Number(seconds.toFixed(1)),
    reconcile_stripe_calls: stamps.length,
    reconcile_calls_per_s: Number((stamps.length / seconds).toFixed(2)),
    reconcile_busiest_second: busiest,
    reconcile_within_10_per_s: busiest <= 10,
    drift_injected: drifted.length,
    drift_found: findings.length,
    drift_fixed: report.fixed,
    still_drifted: stillDrifted,
    page_render_p95: "not measured (queries timed in process; no production build)",
  }
  console.log(`RESULT ${JSON.stringify(result)}`)
  await pool.end()
} finally {
  await admin.end()
  await stack.stop()
}

// npm run bench:admin: the operator console at scale. A throwaway Postgres (the offline stack) and the Stripe
// emulator seeded with 10,000 customers and 100,000 webhook events, then:
//   1. the reconciliation of all of them against the emulator at its default pace (60 calls a step, 8 a
//      second), with 25 drifts injected behind the app's back: Stripe calls, seconds, the busiest second,
//      drifts found and fixed, and a second comparison (not counted) showing none left;
//   2. every admin query (the functions the /admin pages call) timed, p50/p95 over --runs runs with varied
//      inputs (target p95 ≤ 200 ms), and each SQL statement they send (through the pool or a client it
//      lends) EXPLAIN ANALYZEd: no Seq Scan on a table of more than a few hundred rows (≥ 500) is allowed.
// Seeding is bulk and still honest:
//   - Stripe: the emulator's bulk import (packages/stripe-emulator/src/bulk.ts) makes each customer and its
//     subscription with the API's own handlers at a moment in the past and runs its history up to now
//     (renewals, trials converting or not, cards failing and their retries, cancellations, seats, coupons);
//   - Postgres: users by generate_series; billing_customers, user_subscriptions (read back a page at a time
//     through the app's mapper, as the sync writes them), invoices, active entitlements and teams as
//     multi-row INSERTs from the emulator's objects; 100,000 inbox rows by generate_series, the invoice
//     events carrying the emulator's real invoice ids (so "failed payments recovered" counts real ones).
// Flags: --customers 10000 --events 100000 --runs 30 --explain (print every plan), --hold (keep the seeded
// stack up after the RESULT line, printing its database URL, until interrupted). Last line: RESULT {json}.
import { parseArgs } from "node:util"
import pg from "pg"
import type { BulkCustomer } from "@subkit/stripe-emulator"
import { lookupKey, meteredLookupKey, USAGE_METERS, type MeterKey } from "../lib/billing/catalog"
import { LOCAL_SUPABASE_ANON_KEY } from "../lib/env"
import { quantile } from "./lib/bench/load"
import { startStack } from "./lib/stack"

const { values: args } = parseArgs({
  options: {
    customers: { type: "string", default: "10000" },
    events: { type: "string", default: "100000" },
    runs: { type: "string", default: "30" },
    explain: { type: "boolean", default: false },
    hold: { type: "boolean", default: false },
  },
})
const CUSTOMERS = Number(args.customers)
const EVENTS = Number(args.events)
const RUNS = Number(args.runs)
const DAY = 86_400
const log = (l: string) => console.log(l)
const secs = (t: number) => Number(((performance.now() - t) / 1000).toFixed(1))

/** A seeded PRNG (mulberry32): the same mix every run. */
let seed = 0x5eed
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
const between = (a: number, b: number) => a + Math.floor(rand() * (b - a + 1))

const stack = await startStack({ appUrl: "http://127.0.0.1:3999", database: "postgres", log: () => {} })
const admin = new pg.Pool({ connectionString: stack.databaseUrl, max: 4 })
const timings: Record<string, { p50: number; p95: number }> = {}
try {
  const stripe = stack.stripe.client()
  const seedStarted = performance.now()

  // 1. Seed. Users first (the trigger copies auth.users to public.users).
  let t = performance.now()
  const FIRST = ["ada", "alan", "grace", "linus", "margaret", "dennis", "barbara", "ken", "radia", "edsger", "frances", "donald"]
  const DOMAINS = ["example.com", "acme.test", "mail.test", "corp.example", "startup.io"]
  const emails = Array.from({ length: CUSTOMERS }, (_, i) => `${pickOf(FIRST)}.${i}@${pickOf(DOMAINS)}`)
  await admin.query(
    `insert into auth.users (id, email, aud, role, created_at, updated_at)
     select gen_random_uuid(), e, 'authenticated', 'authenticated', now() - make_interval(days => 400), now() from unnest($1::text[]) e`,
    [emails],
  )
  const userOfEmail = new Map(
    (await admin.query<{ id: string; email: string }>("select id, email from public.users")).rows.map((r) => [r.email, r.id]),
  )
  log(`users: ${userOfEmail.size} in ${secs(t)} s`)

  // The mix: plan and interval, trial, card (good, failing, none, failing then replaced), seats, a coupon,
  // cancellations at once or at the period end with feedback, ages up to half a year.
  const priceIds = new Map(
    (await stripe.prices.list({ limit: 100, active: true })).data.filter((p) => p.lookup_key).map((p) => [p.lookup_key as string, p.id]),
  )
  const priceOf = (key: string) => {
    const id = priceIds.get(key)
    if (!id) throw new Error(`no price ${key}: stripe:setup did not run`)
    return id
  }
  const coupon = (await stripe.coupons.list({ limit: 100 })).data.find((c) => c.metadata?.subkit_key === "retention")?.id
  const FEEDBACK = ["too_expensive", "missing_features", "switched_service", "unused", "too_complex", "low_quality", "other"]
  const specs: BulkCustomer[] = emails.map((email) => {
    const plan = rand() < 0.62 ? "pro" : "team"
    const interval = rand() < 0.8 ? "month" : "year"
    const trial = rand() < 0.45
    const r = rand()
    const card = r < 0.82 ? "pm_card_visa" : r < 0.9 ? "pm_card_chargeCustomerFail" : trial ? undefined : "pm_card_visa"
    const createdAgo = between(1, 180) * DAY + between(0, DAY - 1)
    const c = rand()
    const items: { price: string; quantity?: number }[] = [
      { price: priceOf(lookupKey(plan, interval)), quantity: plan === "team" ? between(2, trial ? 3 : 25) : 1 },
    ]
    const metered = priceIds.get(meteredLookupKey(plan, Object.keys(USAGE_METERS)[0] as MeterKey, interval))
    if (metered) items.push({ price: metered })
    return {
      email,
      metadata: { user_id: userOfEmail.get(email) ?? "" },
      ...(card ? { card } : {}),
      createdAgo,
      // A failing card replaced by a good one (the next retry pays), or a good card replaced by one that
      // fails (the next renewal fails: past_due, then retries, then canceled for payment_failed).
      ...(card === "pm_card_chargeCustomerFail" && rand() < 0.4
        ? { cardUpdate: { ago: Math.floor(createdAgo * rand()), card: "pm_card_visa" } }
        : card === "pm_card_visa" && rand() < 0.06
          ? { cardUpdate: { ago: Math.floor(createdAgo * rand()), card: "pm_card_chargeCustomerFail" } }
          : {}),
      subscription: {
        items,
        ...(trial ? { trialDays: 14, missingPaymentMethod: rand() < 0.5 ? ("cancel" as const) : ("create_invoice" as const) } : {}),
        ...(coupon && rand() < 0.06 ? { coupon } : {}),
        ...(c < 0.07
          ? { canceledAgo: Math.floor(createdAgo * rand()), cancellation: { feedback: pickOf(FEEDBACK) } }
          : c < 0.14
            ? { cancelAtPeriodEndAgo: Math.floor(createdAgo * rand()), cancellation: { feedback: pickOf(FEEDBACK), comment: "bench" } }
            : {}),
      },
    }
  })
  t = performance.now()
  const imported = stack.stripe.bulkImport(specs)
  const stripeSeedSeconds = secs(t)
  const statusMix: Record<string, number> = {}
  for (const c of imported.customers) statusMix[c.status ?? "none"] = (statusMix[c.status ?? "none"] ?? 0) + 1
  log(
    `stripe emulator: ${imported.customers.length} customers imported in ${stripeSeedSeconds} s (${imported.objects} objects): ${JSON.stringify(statusMix)}`,
  )

  // Postgres rows from what Stripe now holds, through the app's own mappers.
  t = performance.now()
  Object.assign(process.env, stack.appEnv, { NEXT_PUBLIC_SUPABASE_ANON_KEY: LOCAL_SUPABASE_ANON_KEY, LOG_LEVEL: "error" })
  const { listSubscriptionPage } = await import("../lib/stripe")
  const { invoiceState } = await import("../lib/stripe/mappers")
  const { subscriptionRow } = await import("../lib/billing/sync/rows")
  const { planIdForPrice } = await import("../lib/billing/sync/plans")
  const { writeInvoices } = await import("../lib/billing/invoices/store")
  const { db, pool } = await import("../lib/db/client")
  const { userSubscriptions } = await import("../lib/db/schema")
  const customerRows = imported.customers.map((c, i) => ({
    user: userOfEmail.get(emails[i] ?? "") ?? "",
    customer: c.id,
    email: emails[i],
  }))
  await admin.query(
    `insert into public.billing_customers (user_id, stripe_customer_id, email, livemode)
     select u, c, e, false from unnest($1::uuid[], $2::text[], $3::text[]) as x(u, c, e)`,
    [customerRows.map((r) => r.user), customerRows.map((r) => r.customer), customerRows.map((r) => r.email)],
  )
  await admin.query(`insert into public.customer_syncs (stripe_customer_id, synced_at) select unnest($1::text[]), now()`, [
    customerRows.map((r) => r.customer),
  ])
  const userOfCustomer = new Map(customerRows.map((r) => [r.customer, r.user]))
  let listCalls = 0
  for (let cursor: string | null = null; ;) {
    const page = await listSubscriptionPage(cursor)
    listCalls++
    const rows = []
    for (const s of page.subscriptions) {
      const userId = userOfCustomer.get(s.customerId)
      if (userId) rows.push(subscriptionRow(s, userId, await planIdForPrice(db, s.priceId)))
    }
    if (rows.length) await db.insert(userSubscriptions).values(rows)
    cursor = page.last
    if (!page.hasMore) break
  }
  const store = stack.stripe.store
  const invoices = store.all<Parameters<typeof invoiceState>[0]>("invoice").map(invoiceState)
  for (let i = 0; i < invoices.length; i += 1000) await writeInvoices(db, invoices.slice(i, i + 1000))
  const ents = store.all<{ id: string; feature: string; lookup_key: string; _customer: string }>("entitlements.active_entitlement")
  await admin.query(
    `insert into public.active_entitlements (stripe_customer_id, lookup_key, user_id, stripe_entitlement_id, stripe_feature_id, livemode)
     select c, k, u, e, f, false from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[]) as x(c, k, u, e, f)`,
    [
      ents.map((e) => e._customer),
      ents.map((e) => e.lookup_key),
      ents.map((e) => userOfCustomer.get(e._customer) ?? ""),
      ents.map((e) => e.id),
      ents.map((e) => e.feature),
    ],
  )
  // Teams: each live Team subscription's owner and up to 4 members (their own users, not customers).
  await admin.query(`
    with owners as (select distinct on (user_id) user_id, quantity from public.user_subscriptions
                    where plan_id = 'team' and status in ('active', 'trialing', 'past_due') order by user_id, stripe_created_at desc),
    t as (insert into public.teams (owner_user_id) select user_id from owners returning id, owner_user_id)
    insert into public.team_members (team_id, user_id, role) select t.id, t.owner_user_id, 'owner' from t`)
  await admin.query(`
    insert into auth.users (id, email, aud, role, created_at, updated_at)
    select gen_random_uuid(), 'm' || k || '.' || t.id || '@team.test', 'authenticated', 'authenticated', now(), now()
    from public.teams t
    join lateral (select quantity from public.user_subscriptions s where s.user_id = t.owner_user_id order by stripe_created_at desc limit 1) q on true
    cross join lateral generate_series(1, least(q.quantity - 1, 4)) k`)
  await admin.query(`
    insert into public.team_members (team_id, user_id, role)
    select t.id, m.id, 'member' from public.users m
    join public.teams t on t.id = substring(m.email from '^m[0-9]+\.([0-9a-f-]+)@team\.test$')::uuid
    where m.email like '%@team.test'`)

  // The inbox: the invoice events with the real invoice ids (each failed attempt, then the payment), then
  // subscription and customer events to EVENTS rows; 2% dead, 1% retrying, 0.5% pending, the rest processed.
  await admin.query(
    `insert into public.subscription_events (stripe_event_id, type, stripe_created_at, payload, customer_id, received_at, processed_at, attempts, outcome)
     select 'evt_inv' || md5(i.id || e.type || e.n), e.type, e.happened, jsonb_build_object('id', 'evt_inv' || md5(i.id || e.type || e.n), 'type', e.type,
       'data', jsonb_build_object('object', jsonb_build_object('id', i.id, 'object', 'invoice', 'customer', i.stripe_customer_id, 'status', i.status))),
       i.stripe_customer_id, e.happened, e.happened + interval '2 seconds', 0, 'synced_' || coalesce(s.status, 'active')
     from public.invoices i
     left join public.user_subscriptions s on s.stripe_subscription_id = i.stripe_subscription_id
     cross join lateral (
       select 'invoice.payment_failed' type, n, i.created + make_interval(days => 3 * (n - 1)) happened
       from generate_series(1, greatest(i.attempt_count - case when i.status = 'paid' then 1 else 0 end, 0)) n
       union all select 'invoice.paid', 0, i.created + make_interval(days => 3 * greatest(i.attempt_count - 1, 0)) where i.status = 'paid') e
     order by e.happened desc limit $1`,
    [EVENTS],
  )
  const invoiceEvents = Number((await admin.query("select count(*) n from public.subscription_events")).rows[0].n)
  const TYPES = [
    "customer.subscription.updated",
    "customer.subscription.created",
    "customer.updated",
    "invoice.created",
    "invoice.finalized",
    "checkout.session.completed",
    "entitlements.active_entitlement_summary.updated",
    "customer.subscription.trial_will_end",
    "customer.subscription.deleted",
  ]
  await admin.query(
    `insert into public.subscription_events (stripe_event_id, type, stripe_created_at, payload, customer_id, received_at, processed_at, attempts, outcome, error, dead_at, next_attempt_at)
     select 'evt_b' || lpad(g::text, 8, '0'), e.type, e.happened,
       jsonb_build_object('id', 'evt_b' || lpad(g::text, 8, '0'), 'type', e.type,
         'data', jsonb_build_object('object', jsonb_build_object('id', s.stripe_subscription_id, 'object', 'subscription', 'customer', s.stripe_customer_id,
           'status', s.status, 'customer_email', b.email))),
       s.stripe_customer_id, e.happened,
       case when g % 50 = 0 or g % 97 = 0 or g % 211 = 0 then null else e.happened + interval '1 second' end,
       case when g % 50 = 0 then 8 when g % 97 = 0 then 1 + g % 5 else 0 end,
       case when g % 50 = 0 or g % 97 = 0 or g % 211 = 0 then null
            when e.type like 'customer.subscription.%' then 'synced_' || s.status
            when g % 301 = 0 then 'ignored_unknown_customer' else 'synced' end,
       case when g % 50 = 0 or g % 97 = 0 then 'Stripe API error: An unknown error occurred (api_error)' end,
       case when g % 50 = 0 then e.happened + interval '2 hours' end,
       case when g % 97 = 0 then now() + interval '5 minutes' else e.happened end
     from generate_series(1, $1::int) g
     join (select stripe_subscription_id, stripe_customer_id, status, row_number() over (order by stripe_subscription_id) - 1 rn
           from public.user_subscriptions) s on s.rn = (g * 7919) % (select count(*) from public.user_subscriptions)
     join public.billing_customers b on b.stripe_customer_id = s.stripe_customer_id
     cross join lateral (select ($2::text[])[1 + (g * 31) % array_length($2::text[], 1)] type,
                                now() - make_interval(secs => ((g::bigint * 7777) % (90 * 86400))::int) happened) e`,
    [Math.max(0, EVENTS - invoiceEvents), TYPES],
  )
  await admin.query("vacuum analyze")
  const counts = (
    await admin.query<{ relname: string; n: string }>(
      `select relname, n_live_tup n from pg_stat_user_tables where schemaname = 'public' and n_live_tup > 0 order by n_live_tup desc`,
    )
  ).rows
  const rowsOf = Object.fromEntries(counts.map((r) => [r.relname, Number(r.n)]))
  const seedSeconds = secs(seedStarted)
  log(
    `postgres: ${listCalls} subscription pages, ${invoices.length} invoices, ${ents.length} entitlements, ${invoiceEvents} invoice events; rows ${JSON.stringify(rowsOf)}`,
  )
  log(`seeded in ${seedSeconds} s (Stripe ${stripeSeedSeconds} s)`)

  // 2. Reconciliation of every subscription with the default budget, 25 drifts injected behind the app's
  // back: 5 seat counts, 5 statuses, 5 renewals missed (period end), 5 cancellations missed, 5 rows deleted (an event dropped).
  const { reconcileAll, runFindings, compareWithRows, recentRuns } = await import("../lib/billing/sync/reconcile")
  const { stripe: appStripe } = await import("../lib/stripe/config")
  const drift = async (sqlText: string) => (await admin.query<{ id: string }>(sqlText)).rows.map((r) => r.id)
  const live = `select stripe_subscription_id from public.user_subscriptions where status = 'active' and not cancel_at_period_end order by random() limit 5`
  const drifted = [
    ...(await drift(
      `update public.user_subscriptions set quantity = quantity + 3 where stripe_subscription_id in (${live}) returning stripe_subscription_id id`,
    )),
    ...(await drift(
      `update public.user_subscriptions set status = 'canceled' where stripe_subscription_id in (${live}) returning stripe_subscription_id id`,
    )),
    ...(await drift(
      `update public.user_subscriptions set current_period_end = current_period_end - interval '1 month' where stripe_subscription_id in (${live}) returning stripe_subscription_id id`,
    )),
    ...(await drift(
      `update public.user_subscriptions set cancel_at_period_end = true where stripe_subscription_id in (${live}) returning stripe_subscription_id id`,
    )),
    ...(await drift(`delete from public.user_subscriptions where stripe_subscription_id in (${live}) returning stripe_subscription_id id`)),
  ]
  const stamps: number[] = []
  const onRequest = () => stamps.push(Date.now())
  appStripe.on("request", onRequest)
  t = performance.now()
  const report = await reconcileAll({ trigger: "cli" })
  const reconcileSeconds = secs(t)
  appStripe.off("request", onRequest)
  let busiest = 0
  for (let i = 0, j = 0; j < stamps.length; j++) {
    while ((stamps[j] ?? 0) - (stamps[i] ?? 0) >= 1000) i++
    busiest = Math.max(busiest, j - i + 1)
  }
  const findings = report.runId ? await runFindings(report.runId, 1000) : []
  const foundIds = new Set(findings.flatMap((f) => (f.differences as { subscription?: string }[]).map((d) => d.subscription)))
  // Afterwards (not counted): the whole account compared again, page by page; nothing may differ.
  let left = 0
  for (let cursor: string | null = null; ;) {
    const page = await listSubscriptionPage(cursor)
    left += (await compareWithRows(page.subscriptions)).length
    cursor = page.last
    if (!page.hasMore) break
  }
  log(
    `\nreconciliation: ${report.checked} subscriptions compared in ${reconcileSeconds} s, ${stamps.length} Stripe calls ` +
      `(${(stamps.length / reconcileSeconds).toFixed(2)}/s, busiest second ${busiest}); ${drifted.length} drifts injected, ` +
      `${drifted.filter((id) => foundIds.has(id)).length} found, ${report.drifted} customers drifted, ${report.fixed} fixed; ${left} customers differ afterwards`,
  )

  // The usage ledger, after the reconciliation (its usage phase spends one meter-summaries call per customer
  // with usage: 10,000 calls would be ~21 minutes at 8 a second, a run of its own): each customer's user
  // records USAGE_PER_CUSTOMER recordings through the app's own recordUsage (the allowance read, then
  // record_usage: the idempotency row, the period's counter and the outbox row), 8 at a time.
  t = performance.now()
  const { recordUsage } = await import("../lib/billing/usage/ledger")
  const USAGE_PER_CUSTOMER = 3
  const meterKeys = Object.keys(USAGE_METERS) as MeterKey[]
  const recordings = customerRows.flatMap((c, i) =>
    Array.from({ length: USAGE_PER_CUSTOMER }, (_, k) => ({
      userId: c.user,
      meter: pickOf(meterKeys),
      value: 1 + ((i * 31 + k * 17) % 120),
      idempotencyKey: `bench-${i}-${k}`,
    })),
  )
  const usageOutcomes: Record<string, number> = {}
  for (let next = 0; next < recordings.length;) {
    const batch = recordings.slice(next, (next += 8))
    for (const a of await Promise.all(batch.map((r) => recordUsage(r)))) {
      const k = a.ok ? "recorded" : a.code
      usageOutcomes[k] = (usageOutcomes[k] ?? 0) + 1
    }
  }
  await admin.query("vacuum analyze public.usage_records, public.usage_counters, public.usage_outbox")
  const usageSeconds = secs(t)
  for (const r of (
    await admin.query<{ relname: string; n: string }>(
      `select relname, n_live_tup n from pg_stat_user_tables where schemaname = 'public' and relname like 'usage%'`,
    )
  ).rows)
    rowsOf[r.relname] = Number(r.n)
  counts.push(
    ...Object.entries(rowsOf)
      .filter(([k]) => k.startsWith("usage"))
      .map(([relname, n]) => ({ relname, n: String(n) })),
  )
  log(`usage ledger: ${recordings.length} recordings through recordUsage in ${usageSeconds} s: ${JSON.stringify(usageOutcomes)}`)

  // What the cron does each minute: the metrics' per-group totals folded (the triggers added a delta per
  // group for each write statement of the seed and the reconciliation).
  const { compactSubscriptionTotals } = await import("../lib/billing/admin/metrics")
  const folded = await compactSubscriptionTotals()
  const totalsRows = Number((await admin.query("select count(*) n from public.subscription_totals")).rows[0].n)
  log(`subscription_totals: ${folded} deltas folded into ${totalsRows} rows`)

  // 3. The admin queries: timed, and each statement they send EXPLAIN ANALYZEd.
  const { searchCustomers, getCustomerDetail } = await import("../lib/billing/admin/customers")
  const { listEvents, getEvent, inboxSummary } = await import("../lib/billing/admin/events")
  const { computeMetrics, metricsCsv } = await import("../lib/billing/admin/metrics")
  const sample = (
    await admin.query<{ user_id: string; email: string; stripe_customer_id: string }>(
      "select user_id, email, stripe_customer_id from public.billing_customers order by md5(stripe_customer_id) limit 100",
    )
  ).rows
  const eventIds = (
    await admin.query<{ id: string }>("select stripe_event_id id from public.subscription_events order by md5(stripe_event_id) limit 100")
  ).rows.map((r) => r.id)
  const pick = <T>(xs: T[], i: number) => xs[((i % xs.length) + xs.length) % xs.length] as T
  const EVENT_TYPES = [...TYPES, "invoice.paid", "invoice.payment_failed"]
  const OUTCOMES = ["synced", "synced_past_due", "synced_canceled", "ignored", "synced_trialing"]
  const queries: Record<string, (i: number) => Promise<unknown>> = {
    "events: counts": () => inboxSummary(),
    "events: newest": () => listEvents({}),
    "events: by type": (i) => listEvents({ type: pick(EVENT_TYPES, i) }),
    "events: by customer": (i) => listEvents({ customer: pick(sample, i).stripe_customer_id }),
    "events: dead": () => listEvents({ state: "dead" }),
    "events: retrying": () => listEvents({ state: "retrying" }),
    "events: by outcome": (i) => listEvents({ outcome: pick(OUTCOMES, i) }),
    "events: type + outcome": (i) => listEvents({ type: "customer.subscription.updated", outcome: pick(OUTCOMES, i) }),
    "events: one": (i) => getEvent(pick(eventIds, i)),
    "customers: by email": (i) => searchCustomers(pick(sample, i).email.slice(0, 6)),
    "customers: by Stripe id": (i) => searchCustomers(pick(sample, i).stripe_customer_id.slice(0, 10)),
    "customers: one": (i) => getCustomerDetail(pick(sample, i).user_id),
    metrics: () => computeMetrics(),
    "metrics: CSV export": async () => metricsCsv(await computeMetrics()),
    reconciliation: async () => {
      const runs = await recentRuns()
      return runs[0] ? runFindings(runs[0].id) : []
    },
  }
  const recorded: { name: string; text: string; values: unknown[] }[] = []
  let recording: string | null = null
  type Query = (...a: unknown[]) => Promise<unknown>
  const recordingQuery =
    (orig: Query): Query =>
    (...a: unknown[]) => {
      const q = a[0] as string | { text: string; values?: unknown[] }
      if (recording)
        recorded.push({
          name: recording,
          text: typeof q === "string" ? q : q.text,
          values: ((typeof q === "string" ? a[1] : (q.values ?? a[1])) as unknown[] | undefined) ?? [],
        })
      return orig(...a)
    }
  ;(pool as unknown as { query: Query }).query = recordingQuery(pool.query.bind(pool) as Query)
  // A transaction's statements go through a client the pool lends: recorded too (pool.query itself borrows
  // with a callback, left as it was).
  const origConnect = pool.connect.bind(pool) as (...a: unknown[]) => unknown
  ;(pool as unknown as { connect: (...a: unknown[]) => unknown }).connect = (...a: unknown[]) => {
    if (a.length) return origConnect(...a)
    return (origConnect() as Promise<pg.PoolClient>).then((c) => {
      const own = c as unknown as { query: Query; __recorded?: true }
      if (!own.__recorded) {
        own.query = recordingQuery(c.query.bind(c) as Query)
        own.__recorded = true
      }
      return c
    })
  }
  // Each query's statements are recorded for three different inputs (a rare type or outcome plans differently).
  const RECORDED_INPUTS = 3
  for (const [name, run] of Object.entries(queries)) {
    for (let i = 0; i < RECORDED_INPUTS; i++) {
      recording = `${name}#${i}`
      await run(-1 - i)
    }
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
  // The tables' sizes now (the usage ledger was added and the totals folded since the seed's count).
  await admin.query("analyze")
  const sizes = (
    await admin.query<{ relname: string; n: string }>(`select relname, n_live_tup n from pg_stat_user_tables where schemaname = 'public'`)
  ).rows
  const BIG = new Set(sizes.filter((r) => Number(r.n) >= 500).map((r) => r.relname))
  const seqScans: { query: string; table: string; rows: number }[] = []
  const walk = (node: Record<string, unknown>, name: string) => {
    if (node["Node Type"] === "Seq Scan" && BIG.has(String(node["Relation Name"])))
      seqScans.push({ query: name, table: String(node["Relation Name"]), rows: Number(node["Actual Rows"] ?? 0) })
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child, name)
  }
  // Postgres's own time for each query (the sum of its statements' Execution Time), the worst of its inputs.
  const dbMs: Record<string, number> = {}
  const seen = new Set<string>()
  const client = await admin.connect()
  try {
    for (const r of recorded) {
      if (!/^\s*(select|with)/i.test(r.text)) continue
      const key = `${r.name} ${r.text} ${JSON.stringify(r.values)}`
      if (seen.has(key)) continue
      seen.add(key)
      const [name = r.name, input = "0"] = r.name.split("#")
      const plan = (await client.query(`explain (analyze, format json) ${r.text}`, r.values)).rows[0]["QUERY PLAN"][0]
      walk(plan.Plan, name)
      const perInput = `${name}#${input}`
      dbMs[perInput] = (dbMs[perInput] ?? 0) + Number(plan["Execution Time"] ?? 0)
      if (args.explain) {
        const text = (await client.query(`explain (analyze, buffers) ${r.text}`, r.values)).rows.map((x) => x["QUERY PLAN"]).join("\n")
        log(`\n--- ${r.name}\n${r.text.replace(/\s+/g, " ").slice(0, 400)}\n${JSON.stringify(r.values).slice(0, 200)}\n${text}`)
      }
    }
  } finally {
    client.release()
  }
  const dbWorst: Record<string, number> = {}
  for (const [k, v] of Object.entries(dbMs)) {
    const name = k.split("#")[0] ?? k
    dbWorst[name] = Number(Math.max(dbWorst[name] ?? 0, v).toFixed(2))
  }
  const uniqueSeqScans = [...new Map(seqScans.map((x) => [`${x.query} ${x.table}`, x])).values()]
  log("\nadmin queries (ms)            p50     p95")
  for (const [name, x] of Object.entries(timings)) log(`  ${name.padEnd(26)} ${String(x.p50).padStart(6)}  ${String(x.p95).padStart(6)}`)
  log(
    `EXPLAIN ANALYZE: ${seen.size} statements; Seq Scans on tables of ≥ 500 rows (${[...BIG].join(", ")}): ${seqScans.length ? JSON.stringify(seqScans) : "none"}`,
  )

  const p95max = Math.max(...Object.values(timings).map((x) => x.p95))
  const result = {
    customers: CUSTOMERS,
    events: rowsOf.subscription_events ?? 0,
    rows: rowsOf,
    stripe_status_mix: statusMix,
    seed_seconds: seedSeconds,
    usage_recordings: recordings.length,
    usage_seed_seconds: usageSeconds,
    stripe_seed_seconds: stripeSeedSeconds,
    runs_per_query: RUNS,
    query_p95_ms: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, v.p95])),
    worst_p95_ms: p95max,
    p95_target_met: p95max <= 200,
    every_query_on_an_index: uniqueSeqScans.length === 0,
    query_postgres_ms: dbWorst,
    explained_statements: seen.size,
    seq_scans_on_big_tables: uniqueSeqScans,
    reconcile_compared: report.checked,
    reconcile_seconds: reconcileSeconds,
    reconcile_stripe_calls: stamps.length,
    reconcile_calls_per_s: Number((stamps.length / reconcileSeconds).toFixed(2)),
    reconcile_busiest_second: busiest,
    reconcile_within_pace: busiest <= 8,
    drift_injected: drifted.length,
    drift_found: drifted.filter((id) => foundIds.has(id)).length,
    customers_drifted: report.drifted,
    customers_fixed: report.fixed,
    customers_differing_after: left,
    timed: "the admin pages' query functions in process (no page render)",
  }
  console.log(`RESULT ${JSON.stringify(result)}`)
  await pool.end()
  if (args.hold) {
    log(`holding: ${stack.databaseUrl} (Ctrl-C to stop)`)
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()))
  }
} finally {
  await admin.end()
  await stack.stop()
}

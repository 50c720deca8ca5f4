// /admin/metrics: the subscription business in numbers, computed in SQL from the rows the sync keeps.
//   MRR        live paying subscriptions (active, past_due): unit amount × quantity, minus a discount still
//              in force (percent off, or amount off per invoice), normalised to a month (year ÷ 12,
//              week × 52 ÷ 12, day × 365 ÷ 12); per currency, in cents. Trials are not revenue yet.
//   Active     subscriptions not ended, by plan and status.
//   Trials     trialing now; trials that ended in the window, and how many converted (active or past_due now).
//   Churn      subscriptions that ended in the last 30 days ÷ those live at the window's start; voluntary =
//              cancellation_details.reason cancellation_requested, involuntary = payment_failed / payment_disputed
//              (a trial that ends unconverted counts in the trial conversion, not here).
//   Recovered  invoices with a failed payment in the window, and how many were paid later (from the
//              webhook inbox: invoice.payment_failed then invoice.paid for the same invoice).
//   Reasons    the customers' cancellation feedback in the window.
import "server-only"
import { sql } from "drizzle-orm"
import { db, type Executor } from "@/lib/db/client"

export type Metrics = {
  asOf: Date
  windowDays: number
  mrr: { currency: string; cents: number; subscriptions: number }[]
  active: { plan: string; status: string; count: number }[]
  trials: { trialing: number; ended: number; converted: number; conversionRate: number | null }
  churn: { liveAtStart: number; voluntary: number; involuntary: number; other: number; rate: number | null }
  failedPayments: { failed: number; recovered: number; recoveryRate: number | null }
  cancellationReasons: { reason: string; count: number }[]
}

const LIVE = sql`('active', 'past_due')`
/** A trial that ended without converting is counted by the trial conversion, not as churn. */
const PAID_END = sql`(trial_end is null or ended_at > trial_end)`
const NOT_ENDED = sql`('trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete')`

/**
 * Folds the triggers' deltas in public.subscription_totals into one row per group (the cron, each minute):
 * the metrics read a few dozen rows, however many subscriptions changed. Returns the rows folded.
 */
export async function compactSubscriptionTotals(tx: Executor = db): Promise<number> {
  const { rows } = await tx.execute<{ n: number }>(sql`select public.compact_subscription_totals() n`)
  return rows[0]?.n ?? 0
}

export async function computeMetrics(now = new Date(), windowDays = 30, tx: Executor = db): Promise<Metrics> {
  const at = now.toISOString()
  const from = sql`(${at}::timestamptz - make_interval(days => ${windowDays}))`
  /** Created, and out of any trial, before the window: a subscription that counts in the churn's denominator. */
  const STARTED_BEFORE = sql`stripe_created_at < ${from} and coalesce(trial_end, '-infinity') < ${from} and status not in ('incomplete', 'incomplete_expired')`
  const { rows } = await tx.execute<{
    mrr: { currency: string; cents: number; subscriptions: number }[] | null
    active: { plan: string; status: string; count: number }[] | null
    trialing: number
    trials_ended: number
    converted: number
    live_at_start: number
    voluntary: number
    involuntary: number
    other: number
    failed: number
    recovered: number
    reasons: { reason: string; count: number }[] | null
  }>(sql`
    with groups as (
      -- Every subscription's count and gross amount per group, kept by the triggers (public.subscription_totals).
      select status, plan_id, currency, interval, unended, sum(n)::int n, sum(gross) gross
      from public.subscription_totals group by 1, 2, 3, 4, 5
    ), discounted as (
      -- The live subscriptions with a discount in force, each amount less its discount (user_subscriptions_discounted_idx).
      select coalesce(currency, 'usd') currency, interval,
        sum(greatest(0, coalesce(unit_amount, 0) * quantity * (1 - coalesce(discount_percent_off::numeric, 0) / 100) - coalesce(discount_amount_off, 0))
          - greatest(0, coalesce(unit_amount, 0)::bigint * quantity)) correction
      from public.user_subscriptions
      where (discount_percent_off is not null or discount_amount_off is not null) and status in ${LIVE}
        and (discount_ends_at is null or discount_ends_at > ${at}::timestamptz)
      group by 1, 2
    ), yearly as (
      -- Twelve months of each interval's amount, so MRR is one exact division by 12.
      select currency, case interval when 'year' then 1 when 'week' then 52 when 'day' then 365 else 12 end * amount amount, n
      from (select currency, interval, gross amount, n from groups where status in ${LIVE}
            union all select currency, interval, correction, 0 from discounted) x
    ), ended as (
      -- One index-only pass over the subscriptions ended since the window's start (user_subscriptions_ended_cover_idx).
      select count(*) filter (where ${STARTED_BEFORE})::int live_at_start,
        count(*) filter (where ended_at <= ${at}::timestamptz and ${PAID_END} and cancellation_reason = 'cancellation_requested')::int voluntary,
        count(*) filter (where ended_at <= ${at}::timestamptz and ${PAID_END} and cancellation_reason in ('payment_failed', 'payment_disputed'))::int involuntary,
        count(*) filter (where ended_at <= ${at}::timestamptz and ${PAID_END} and status = 'canceled'
          and (cancellation_reason is null or cancellation_reason not in ('cancellation_requested', 'payment_failed', 'payment_disputed')))::int other
      from public.user_subscriptions where ended_at >= ${from}
    ), trials as (
      -- The trials that ended in the window (user_subscriptions_trial_cover_idx).
      select count(*)::int ended, count(*) filter (where status in ${LIVE})::int converted
      from public.user_subscriptions where trial_start is not null and trial_end >= ${from} and trial_end <= ${at}::timestamptz
    ), failed as (
      select distinct payload->'data'->'object'->>'id' invoice from public.subscription_events
      where type = 'invoice.payment_failed' and stripe_created_at >= ${from} and stripe_created_at <= ${at}::timestamptz
    )
    select
      (select json_agg(m order by m.currency) from (select currency, round(sum(amount) / 12)::bigint cents, sum(n)::int subscriptions
         from yearly group by currency having sum(n) > 0) m) mrr,
      (select json_agg(a order by a.plan, a.status) from (select coalesce(plan_id, '(no plan)') plan, status, sum(n)::int count
         from groups where status in ${NOT_ENDED} group by 1, 2 having sum(n) > 0) a) active,
      (select coalesce(sum(n), 0)::int from groups where status = 'trialing') trialing,
      trials.ended trials_ended,
      trials.converted,
      -- Live at the window's start: not ended (the totals) less those not ended that started inside the window
      -- (user_subscriptions_unended_created_idx, user_subscriptions_unended_trial_idx), plus ended inside it.
      (select coalesce(sum(n), 0)::int from groups where unended and status not in ('incomplete', 'incomplete_expired'))
      - (select count(*)::int from public.user_subscriptions where ended_at is null and stripe_created_at >= ${from}
           and status not in ('incomplete', 'incomplete_expired'))
      - (select count(*)::int from public.user_subscriptions where ended_at is null and trial_end >= ${from} and stripe_created_at < ${from}
           and status not in ('incomplete', 'incomplete_expired'))
      + ended.live_at_start live_at_start,
      ended.voluntary,
      ended.involuntary,
      ended.other,
      (select count(*)::int from failed where invoice is not null) failed,
      -- Each failed invoice's payment looked up by invoice id (subscription_events_paid_invoice_idx).
      (select count(*)::int from failed f where exists (select 1 from public.subscription_events p where p.type = 'invoice.paid'
         and p.stripe_created_at >= ${from} and p.payload->'data'->'object'->>'id' = f.invoice)) recovered,
      (select json_agg(r order by r.count desc, r.reason) from (select coalesce(cancellation_feedback, '(none given)') reason, count(*)::int count
         from public.user_subscriptions where canceled_at >= ${from} and canceled_at <= ${at}::timestamptz group by 1) r) reasons
    from ended, trials`)
  const r = rows[0]
  if (!r) throw new Error("metrics query returned no row")
  const rate = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : null)
  const churned = r.voluntary + r.involuntary + r.other
  return {
    asOf: now,
    windowDays,
    mrr: (r.mrr ?? []).map((m) => ({ ...m, cents: Number(m.cents) })),
    active: r.active ?? [],
    trials: { trialing: r.trialing, ended: r.trials_ended, converted: r.converted, conversionRate: rate(r.converted, r.trials_ended) },
    churn: {
      liveAtStart: r.live_at_start,
      voluntary: r.voluntary,
      involuntary: r.involuntary,
      other: r.other,
      rate: rate(churned, r.live_at_start),
    },
    failedPayments: { failed: r.failed, recovered: r.recovered, recoveryRate: rate(r.recovered, r.failed) },
    cancellationReasons: r.reasons ?? [],
  }
}

/** The metrics as CSV rows (metric, dimension, value), for the export. */
export function metricsCsv(m: Metrics): string {
  const rows: (string | number | null)[][] = [["metric", "dimension", "value"]]
  for (const x of m.mrr) rows.push(["mrr_cents", x.currency, x.cents], ["mrr_subscriptions", x.currency, x.subscriptions])
  for (const x of m.active) rows.push(["active_subscriptions", `${x.plan}/${x.status}`, x.count])
  rows.push(
    ["trials_trialing", "", m.trials.trialing],
    ["trials_ended", `${m.windowDays}d`, m.trials.ended],
    ["trials_converted", `${m.windowDays}d`, m.trials.converted],
    ["trial_conversion_rate", `${m.windowDays}d`, m.trials.conversionRate],
    ["churn_live_at_start", `${m.windowDays}d`, m.churn.liveAtStart],
    ["churn_voluntary", `${m.windowDays}d`, m.churn.voluntary],
    ["churn_involuntary", `${m.windowDays}d`, m.churn.involuntary],
    ["churn_other", `${m.windowDays}d`, m.churn.other],
    ["churn_rate", `${m.windowDays}d`, m.churn.rate],
    ["failed_payments", `${m.windowDays}d`, m.failedPayments.failed],
    ["failed_payments_recovered", `${m.windowDays}d`, m.failedPayments.recovered],
  )
  for (const x of m.cancellationReasons) rows.push(["cancellation_reason", x.reason, x.count])
  const cell = (v: string | number | null) => {
    const s = v === null ? "" : String(v)
    // Quoted when needed; a leading =, +, - or @ is defused so a spreadsheet never runs it as a formula.
    const safe = /^[=+\-@]/.test(s) && typeof v === "string" ? `'${s}` : s
    return /[",\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
  }
  return `${rows.map((r) => r.map(cell).join(",")).join("\n")}\n`
}

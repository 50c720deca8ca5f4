// Reconciliation: does Postgres agree with Stripe for customers no event touched? One run lists every
// Stripe subscription (subscriptions.list, status=all, 100 a page: listing endpoints, not one call per
// customer), compares each with its user_subscriptions row through the sync's own mapper, then finds rows
// Stripe no longer listed, then compares the usage ledger with the meters (reconcileUsage). A customer that
// differs is re-synced through the eager sync (syncUserNow: the drain's per-customer path under its lease)
// and compared again; the report (reconcile_findings) says what differed and whether it was fixed.
//
// The run is paced (≤ `rps` Stripe requests in any second, 8 by default: below Stripe's 25/s test-mode and
// 100/s live limits, leaving room for the app) and spends at most `maxCalls` per step; the cursor is kept in
// reconcile_runs, so the next step (the next cron minute) resumes where this one stopped.
import "server-only"
import { sql } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { log } from "@/lib/log"
import { listSubscriptionPage } from "@/lib/stripe"
import { newOwner } from "./apply"
import { syncUserNow } from "./eager"
import { planIdForPrice } from "./plans"
import { subscriptionRow } from "./rows"
import { USAGE_METERS, type MeterKey } from "../catalog"
import { calendarMonth } from "../usage/allowance"
import { reconcileUsage } from "../usage/reconcile"
import type { SubscriptionState } from "../types"

export type Trigger = "cron" | "admin" | "cli" | "test"
export type Difference = { subscription: string; field: string; ours: unknown; stripe: unknown }
export type StepOptions = {
  trigger?: Trigger
  /** Stripe requests this step may spend (list pages, re-syncs at 3 each, usage summaries). */
  maxCalls?: number
  /** Stripe requests in any one second. */
  rps?: number
  /** Start a new run when none is open (the cron passes false unless a day has passed). */
  start?: boolean
  now?: () => Date
  /** Subscriptions per list page (Stripe's maximum, 100, unless a test pages by fewer). */
  pageSize?: number
}
export type StepReport = {
  runId: number | null
  phase: string
  calls: number
  checked: number
  drifted: number
  fixed: number
  finished: boolean
  /** Why nothing ran: another step holds the run, or no run is open and none was to start. */
  skipped?: "busy" | "idle"
}

export const RECONCILE_DEFAULTS = { maxCalls: 60, rps: 8 } as const
const LEASE_SECONDS = 120
/** A re-sync reads the customer, their subscriptions and their entitlements: three requests. */
const RESYNC_CALLS = 3
/** The fields compared: what the pages and entitlements read. */
const COMPARED = [
  "status",
  "planId",
  "stripePriceId",
  "interval",
  "quantity",
  "unitAmount",
  "cancelAtPeriodEnd",
  "cancelAt",
  "canceledAt",
  "endedAt",
  "currentPeriodStart",
  "currentPeriodEnd",
  "trialEnd",
  "discountLabel",
] as const

/**
 * A sliding one-second window over Stripe requests: `take(n)` waits until n more fit, and returns
 * `done`, called when they have finished. A request counts in the window until it has finished (its
 * actual start lies between the reservation and the end), so the requests Stripe sees never exceed `rps`
 * in any second, however long the database work between reserving and sending takes.
 */
/**
 * The requests of this process's reconciliation in the last second, shared by every step's budget: steps
 * run back to back (the test's, the CLI's, the cron's), so a window kept per step would let the end of
 * one step and the start of the next exceed the pace together.
 */
let recentSlots: { until: number }[] = []

export class CallBudget {
  used = 0
  constructor(
    readonly max: number,
    readonly rps: number,
  ) {}
  fits(n: number) {
    return this.used + n <= this.max
  }
  async take(n = 1): Promise<() => void> {
    if (!this.fits(n)) throw new Error("reconcile budget exhausted")
    for (;;) {
      const now = Date.now()
      recentSlots = recentSlots.filter((s) => s.until > now - 1000)
      if (recentSlots.length + n <= this.rps) {
        const mine = Array.from({ length: n }, () => ({ until: Infinity }))
        recentSlots.push(...mine)
        this.used += n
        return () => {
          const end = Date.now()
          for (const s of mine) s.until = end
        }
      }
      const finished = recentSlots.filter((s) => s.until !== Infinity).map((s) => s.until)
      const wait = finished.length ? Math.max(5, Math.min(...finished) + 1001 - now) : 20
      await new Promise((r) => setTimeout(r, wait))
    }
  }
}

type Phase = "subscriptions" | "orphans" | "usage" | "done"
type Run = { id: number; phase: Phase; cursor: string | null; started_at: string }
type Drifted = { customer: string; userId: string | null; differences: unknown[] }

/** One step of the open run (or a new one): at most `maxCalls` Stripe requests, then the cursor is saved. */
export async function reconcileStep(opts: StepOptions = {}): Promise<StepReport> {
  const { trigger = "cli", maxCalls = RECONCILE_DEFAULTS.maxCalls, rps = RECONCILE_DEFAULTS.rps, start = true } = opts
  const owner = newOwner()
  const run = await leaseRun(owner, trigger, start)
  if (!run)
    return { runId: null, phase: "none", calls: 0, checked: 0, drifted: 0, fixed: 0, finished: false, skipped: start ? "busy" : "idle" }
  const budget = new CallBudget(maxCalls, rps)
  let { phase, cursor } = run
  let saved = 0
  const save = async (checked = 0) => {
    await db.execute(sql`update public.reconcile_runs set phase = ${phase}, cursor = ${cursor},
      stripe_calls = stripe_calls + ${budget.used - saved}, subscriptions_checked = subscriptions_checked + ${checked},
      lease_until = now() + make_interval(secs => ${LEASE_SECONDS}) where id = ${run.id} and lease_owner = ${owner}`)
    saved = budget.used
  }
  try {
    while (phase !== "done") {
      // Customers found different and not re-synced yet (the budget ran out): first.
      if (!(await resyncPending(run.id, budget))) break
      if (phase === "subscriptions") {
        if (!budget.fits(1)) break
        const done = await budget.take(1)
        const page = await listSubscriptionPage(cursor, opts.pageSize).finally(done)
        const states = page.subscriptions
        if (states.length)
          await db.execute(sql`insert into public.reconcile_seen (run_id, stripe_subscription_id)
            select ${run.id}, unnest(${textArray(states.map((s) => s.id))}) on conflict do nothing`)
        await recordDrift(run.id, await compareWithRows(states))
        cursor = page.last ?? cursor
        if (!page.hasMore) [phase, cursor] = ["orphans", null]
        await save(states.length)
      } else if (phase === "orphans") {
        // Rows whose subscription Stripe did not list in this pass (rows written before the run started).
        const { rows } = await db.execute<{ customer: string; user_id: string; subscriptions: string[] }>(sql`
          select s.stripe_customer_id customer, s.user_id, array_agg(s.stripe_subscription_id order by s.stripe_subscription_id) subscriptions
          from public.user_subscriptions s
          where s.created_at < ${run.started_at}::timestamptz and s.stripe_customer_id > ${cursor ?? ""}
            and not exists (select 1 from public.reconcile_seen r where r.run_id = ${run.id} and r.stripe_subscription_id = s.stripe_subscription_id)
          group by 1, 2 order by 1 limit 100`)
        await recordDrift(
          run.id,
          rows.map((r) => ({
            customer: r.customer,
            userId: r.user_id,
            differences: r.subscriptions.map((id) => ({ subscription: id, field: "listed", ours: true, stripe: false })),
          })),
        )
        cursor = rows.at(-1)?.customer ?? cursor
        if (rows.length < 100) [phase, cursor] = ["usage", null]
        await save()
      } else {
        // Usage: this month's ledger against the meters' summaries, customer by customer after the cursor.
        const now = opts.now?.() ?? new Date()
        const { start: from } = calendarMonth(now)
        const room = maxCalls - budget.used
        if (room < 2) break
        let more = false
        for (const meter of Object.keys(USAGE_METERS) as MeterKey[]) {
          const result = await reconcileUsage(meter, from, now, {
            after: cursor,
            limit: Math.max(1, maxCalls - budget.used - 1),
            beforeCall: () => budget.take(1),
          })
          for (const d of result.drift)
            await recordFinding(
              run.id,
              {
                customer: d.customer,
                userId: null,
                differences: [{ meter: d.meter, ledger: d.ledger, stripe: d.stripe, unsent: d.unsent }],
              },
              false,
              "usage drift is reported, not re-synced: the usage outbox is the only writer of meter events",
            )
          if (result.more) {
            more = true
            cursor = result.last ?? cursor
            break
          }
        }
        if (!more) [phase, cursor] = ["done", null]
        await save()
        if (more) break
      }
    }
  } catch (err) {
    log.error("reconciliation step failed; the next step resumes from the cursor", { runId: run.id, error: err })
    throw err
  } finally {
    await db.execute(sql`update public.reconcile_runs set stripe_calls = stripe_calls + ${budget.used - saved},
      lease_owner = null, lease_until = null, finished_at = case when phase = 'done' then coalesce(finished_at, now()) end
      where id = ${run.id} and lease_owner = ${owner}`)
    if (phase === "done") await db.execute(sql`delete from public.reconcile_seen where run_id = ${run.id}`)
  }
  const totals = (
    await db.execute<{ stripe_calls: number; subscriptions_checked: number; drifted: number; fixed: number }>(
      sql`select stripe_calls, subscriptions_checked, drifted, fixed from public.reconcile_runs where id = ${run.id}`,
    )
  ).rows[0]
  return {
    runId: run.id,
    phase,
    calls: budget.used,
    checked: totals?.subscriptions_checked ?? 0,
    drifted: totals?.drifted ?? 0,
    fixed: totals?.fixed ?? 0,
    finished: phase === "done",
  }
}

/** Runs steps until the run finishes (npm run billing:reconcile, the benchmark). */
export async function reconcileAll(opts: StepOptions = {}): Promise<StepReport> {
  let report = await reconcileStep(opts)
  while (!report.finished && !report.skipped) report = await reconcileStep({ ...opts, start: false })
  return report
}

/** The open run, leased to `owner`; or a new one when `start`. Null when another step holds it. */
async function leaseRun(owner: string, trigger: Trigger, start: boolean): Promise<Run | null> {
  if (start)
    await db.execute(sql`insert into public.reconcile_runs (trigger) select ${trigger}
      where not exists (select 1 from public.reconcile_runs where finished_at is null) on conflict do nothing`)
  const { rows } = await db.execute<Run>(sql`update public.reconcile_runs set lease_owner = ${owner},
      lease_until = now() + make_interval(secs => ${LEASE_SECONDS})
    where finished_at is null and (lease_until is null or lease_until < now())
    returning id, phase, cursor, started_at`)
  return rows[0] ?? null
}

/**
 * Opens a run for the cron to work through (the /admin button: the Stripe calls happen in the cron's
 * steps, never on the request). An open run is kept, not replaced. Returns the open run's id.
 */
export async function requestReconcileRun(trigger: Trigger): Promise<{ runId: number; created: boolean }> {
  const { rows } = await db.execute<{ id: number }>(sql`insert into public.reconcile_runs (trigger) select ${trigger}
    where not exists (select 1 from public.reconcile_runs where finished_at is null) on conflict do nothing returning id`)
  if (rows[0]) return { runId: Number(rows[0].id), created: true }
  const open = await db.execute<{ id: number }>(sql`select id from public.reconcile_runs where finished_at is null`)
  return { runId: Number(open.rows[0]?.id), created: false }
}

/** When the cron starts a run: none open and the last one started more than a day ago (or never). */
export async function reconcileDue(everyHours = 24): Promise<boolean> {
  const { rows } = await db.execute<{ due: boolean }>(sql`
    select not exists (select 1 from public.reconcile_runs where finished_at is null
      or started_at > now() - make_interval(hours => ${everyHours})) as due`)
  return rows[0]?.due === true
}

/**
 * Each listed subscription of a customer we map, compared field by field with its row (the row the sync
 * would write, through subscriptionRow): what differs, per customer. Customers that are not ours are skipped.
 */
export async function compareWithRows(states: SubscriptionState[]): Promise<Drifted[]> {
  if (!states.length) return []
  const customers = [...new Set(states.map((s) => s.customerId))]
  const { rows } = await db.execute<{ customer: string; user_id: string; rows: Record<string, unknown>[] | null }>(sql`
    select b.stripe_customer_id customer, b.user_id,
      (select json_agg(to_json(s)) from public.user_subscriptions s where s.stripe_customer_id = b.stripe_customer_id) rows
    from public.billing_customers b
    where b.stripe_customer_id = any(${textArray(customers)}) and b.stripe_customer_deleted_at is null`)
  const ours = new Map(rows.map((r) => [r.customer, r]))
  const byCustomer = new Map<string, Drifted>()
  for (const s of states) {
    const mine = ours.get(s.customerId)
    if (!mine) continue
    const row = mine.rows?.find((r) => r.stripe_subscription_id === s.id)
    const differences: Difference[] = []
    if (!row) differences.push({ subscription: s.id, field: "row", ours: null, stripe: s.status })
    else {
      const want = subscriptionRow(s, mine.user_id, await planIdForPrice(db, s.priceId)) as Record<string, unknown>
      for (const field of COMPARED) {
        const ourValue = normalise(row[snake(field)])
        const stripeValue = normalise(want[field])
        if (ourValue !== stripeValue) differences.push({ subscription: s.id, field, ours: ourValue, stripe: stripeValue })
      }
    }
    if (!differences.length) continue
    const d = byCustomer.get(s.customerId) ?? { customer: s.customerId, userId: mine.user_id, differences: [] }
    d.differences.push(...differences)
    byCustomer.set(s.customerId, d)
  }
  return [...byCustomer.values()]
}

/** A text[] parameter (Drizzle would spread a JS array into a row of parameters). */
const textArray = (values: string[]) => sql`array(select json_array_elements_text(${JSON.stringify(values)}::json))`
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
/** Dates (a Date, or a JSON timestamp from Postgres) as epoch ms; absent as null. */
function normalise(v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null
  if (v instanceof Date) return v.getTime()
  if (typeof v === "string" && /^\d{4}-\d\d-\d\d[T ]\d\d:/.test(v)) return new Date(v).getTime()
  return v as string | number | boolean
}

async function recordDrift(runId: number, drifted: Drifted[]) {
  for (const d of drifted) await recordFinding(runId, d, null, null)
}

async function recordFinding(runId: number, d: Drifted, fixed: boolean | null, error: string | null) {
  await db.execute(sql`with f as (insert into public.reconcile_findings (run_id, stripe_customer_id, user_id, differences, fixed, error)
      values (${runId}, ${d.customer}, ${d.userId}, ${JSON.stringify(d.differences)}::jsonb, ${fixed}, ${error}) returning 1)
    update public.reconcile_runs set drifted = drifted + 1 where id = ${runId}`)
}

/**
 * Re-syncs the run's findings still waiting (fixed is null), each through syncUserNow (forced: the
 * drain's path, under the customer's lease), while the budget has room for a re-sync. False when it ran out.
 */
async function resyncPending(runId: number, budget: CallBudget): Promise<boolean> {
  for (;;) {
    const { rows } = await db.execute<{ id: number; user_id: string | null; customer: string; differences: Difference[] }>(sql`
      select id, user_id, stripe_customer_id customer, differences from public.reconcile_findings
      where run_id = ${runId} and fixed is null order by id limit 20`)
    if (!rows.length) return true
    for (const f of rows) {
      if (!budget.fits(RESYNC_CALLS)) return false
      let fixed = false
      let error: string | null = null
      if (!f.user_id) error = "the customer is not mapped to a user"
      else {
        const done = await budget.take(RESYNC_CALLS)
        const result = await syncUserNow(f.user_id, { force: true }).finally(done)
        if (result.status !== "synced") error = `re-sync ${result.status}${result.error ? `: ${result.error.message}` : ""}`
        else {
          error = await stillDiffers(f.differences)
          fixed = error === null
        }
      }
      await db.execute(sql`with f as (update public.reconcile_findings set fixed = ${fixed}, error = ${error} where id = ${f.id} returning 1)
        update public.reconcile_runs set fixed = fixed + ${fixed ? 1 : 0} where id = ${runId}`)
      if (!fixed) log.warn("reconciliation could not fix a customer", { customer: f.customer, error })
    }
  }
}

/**
 * After a re-sync, does each recorded difference now read as Stripe said? Null when it does, else what
 * is left. A row Stripe does not list is kept by the sync (it writes what it reads, never deletes rows it
 * did not read), so it stays a finding for an operator.
 */
async function stillDiffers(differences: Difference[]): Promise<string | null> {
  const ids = [...new Set(differences.map((d) => d.subscription))]
  const { rows } = await db.execute<Record<string, unknown>>(
    sql`select * from public.user_subscriptions where stripe_subscription_id = any(${textArray(ids)})`,
  )
  const byId = new Map(rows.map((r) => [String(r.stripe_subscription_id), r]))
  const left: string[] = []
  for (const d of differences) {
    const row = byId.get(d.subscription)
    if (d.field === "listed") {
      if (row) left.push(`${d.subscription}: Stripe does not list it; the row is kept (check the Dashboard, then delete it)`)
    } else if (d.field === "row") {
      if (!row) left.push(`${d.subscription}: still no row`)
    } else if (!row || normalise(row[snake(d.field)]) !== d.stripe) left.push(`${d.subscription}.${d.field} still differs`)
  }
  return left.length ? left.join("; ") : null
}

export type RunSummary = {
  id: number
  trigger: string
  phase: string
  stripeCalls: number
  checked: number
  drifted: number
  fixed: number
  startedAt: Date
  finishedAt: Date | null
}

/** The newest runs and the findings of one, for /admin/reconciliation. */
export async function recentRuns(limit = 10): Promise<RunSummary[]> {
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    select id, trigger, phase, stripe_calls, subscriptions_checked, drifted, fixed, started_at, finished_at
    from public.reconcile_runs order by started_at desc limit ${limit}`)
  return rows.map((r) => ({
    id: Number(r.id),
    trigger: String(r.trigger),
    phase: String(r.phase),
    stripeCalls: Number(r.stripe_calls),
    checked: Number(r.subscriptions_checked),
    drifted: Number(r.drifted),
    fixed: Number(r.fixed),
    startedAt: new Date(String(r.started_at)),
    finishedAt: r.finished_at ? new Date(String(r.finished_at)) : null,
  }))
}

export async function runFindings(runId: number, limit = 200) {
  const { rows } = await db.execute<{
    id: number
    stripe_customer_id: string
    user_id: string | null
    differences: unknown[]
    fixed: boolean | null
    error: string | null
  }>(sql`select id, stripe_customer_id, user_id, differences, fixed, error from public.reconcile_findings
    where run_id = ${runId} order by id limit ${limit}`)
  return rows.map((r) => ({
    id: Number(r.id),
    customer: r.stripe_customer_id,
    userId: r.user_id,
    differences: r.differences,
    fixed: r.fixed,
    error: r.error,
  }))
}

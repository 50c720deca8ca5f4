// /admin/metrics against a fixture computed by hand: the sums below are written out, not derived from
// the code. The fixture replaces every subscription and event inside a transaction that is rolled back,
// so the other tests' rows neither count nor change. Also the CSV export: admins only, audited.
import { afterAll, describe, expect, it, vi } from "vitest"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { adminClient, startTestAuth, uniqueEmail } from "../support/auth-emulator"
import { createUser, sql } from "../support/helpers"
import { jar } from "../support/cookie-jar"

vi.mock("next/headers", () => import("../support/cookie-jar"))

const auth = await startTestAuth()
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { computeMetrics, metricsCsv } = await import("@/lib/billing/admin/metrics")
const { exportMetrics } = await import("@/lib/billing/admin/metrics-export")
const { grantAdmin } = await import("@/lib/auth/admin-grant")
const { createClient } = await import("@/lib/supabase/server")
const { db, pool } = await import("@/lib/db/client")
const { sql: q } = await import("drizzle-orm")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

const NOW = new Date("2026-12-01T00:00:00Z")
type Sub = {
  id: string
  plan: "pro" | "team"
  interval?: "day" | "week" | "month" | "year"
  quantity?: number
  currency?: string
  unit: number
  status: string
  created: string
  trialStart?: string
  trialEnd?: string
  canceledAt?: string
  endedAt?: string
  percentOff?: number
  amountOff?: number
  discountEnds?: string
  reason?: string
  feedback?: string
}

const FIXTURE: Sub[] = [
  { id: "A", plan: "pro", unit: 1200, status: "active", created: "2026-10-01" }, // 1200
  { id: "B", plan: "team", unit: 1000, quantity: 3, percentOff: 20, status: "active", created: "2026-10-01" }, // 3000 × 0.8 = 2400
  { id: "C", plan: "pro", interval: "year", unit: 12000, amountOff: 1200, status: "active", created: "2026-10-01" }, // (12000 − 1200) / 12 = 900
  { id: "D", plan: "pro", unit: 1200, status: "past_due", created: "2026-10-01" }, // 1200
  { id: "E", plan: "pro", unit: 1200, status: "trialing", created: "2026-11-25", trialStart: "2026-11-25", trialEnd: "2026-12-09" }, // not revenue
  { id: "F", plan: "pro", unit: 1200, status: "active", created: "2026-11-06", trialStart: "2026-11-06", trialEnd: "2026-11-20" }, // 1200, converted
  {
    id: "G",
    plan: "pro",
    unit: 1200,
    status: "canceled",
    created: "2026-11-02",
    trialStart: "2026-11-02",
    trialEnd: "2026-11-15",
    canceledAt: "2026-11-15",
    endedAt: "2026-11-15",
    reason: "cancellation_requested",
    feedback: "unused",
  }, // trial not converted: not churn
  {
    id: "H",
    plan: "pro",
    unit: 1200,
    status: "canceled",
    created: "2026-09-01",
    canceledAt: "2026-11-10",
    endedAt: "2026-11-10",
    reason: "cancellation_requested",
    feedback: "too_expensive",
  }, // voluntary churn
  {
    id: "I",
    plan: "pro",
    unit: 1200,
    status: "canceled",
    created: "2026-08-01",
    canceledAt: "2026-11-20",
    endedAt: "2026-11-20",
    reason: "payment_failed",
  }, // involuntary
  {
    id: "J",
    plan: "pro",
    unit: 1200,
    status: "canceled",
    created: "2026-06-01",
    canceledAt: "2026-10-15",
    endedAt: "2026-10-15",
    reason: "cancellation_requested",
  }, // before the window
  {
    id: "K",
    plan: "pro",
    interval: "year",
    unit: 24000,
    percentOff: 50,
    discountEnds: "2026-11-01",
    status: "active",
    created: "2026-10-01",
  }, // discount over: 2000
]
// MRR = 1200 + 2400 + 900 + 1200 + 1200 + 2000 = 8900 over 6 subscriptions.
// Live at the window's start (2026-11-01): A B C D K H I = 7; churned H (voluntary), I (involuntary): 2 / 7.
// Trials ended in the window: F (converted), G (not): 1 / 2; E is trialing.
// Invoices: in_1 failed twice then paid, in_2 failed, in_3 failed before the window: 1 recovered of 2.

const EVENTS: [string, string, string][] = [
  ["invoice.payment_failed", "in_1", "2026-11-10"],
  ["invoice.payment_failed", "in_1", "2026-11-11"],
  ["invoice.payment_failed", "in_2", "2026-11-12"],
  ["invoice.paid", "in_1", "2026-11-13"],
  ["invoice.payment_failed", "in_3", "2026-10-20"],
]

async function withFixture<T>(
  run: (tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) => Promise<T>,
  subs: Sub[] = FIXTURE,
  events = EVENTS,
): Promise<T> {
  const user = await createUser()
  let out: T | undefined
  await db
    .transaction(async (tx) => {
      await tx.execute(q`delete from public.user_subscriptions`)
      await tx.execute(q`delete from public.subscription_events`)
      for (const s of subs)
        await tx.execute(q`insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, interval,
            quantity, unit_amount, currency, status, trial_start, trial_end, canceled_at, ended_at, discount_percent_off, discount_amount_off,
            discount_ends_at, cancellation_reason, cancellation_feedback, stripe_created_at)
          values (${`sub_fx${s.id}`}, ${user.id}, 'cus_fixture', ${s.plan}, ${s.interval ?? "month"}, ${s.quantity ?? 1}, ${s.unit}, ${s.currency ?? "usd"}, ${s.status},
            ${s.trialStart ?? null}, ${s.trialEnd ?? null}, ${s.canceledAt ?? null}, ${s.endedAt ?? null}, ${s.percentOff ?? null},
            ${s.amountOff ?? null}, ${s.discountEnds ?? null}, ${s.reason ?? null}, ${s.feedback ?? null}, ${s.created})`)
      for (const [i, [type, invoice, at]] of events.entries())
        await tx.execute(q`insert into public.subscription_events (stripe_event_id, type, stripe_created_at, payload, customer_id, processed_at)
          values (${`evt_fx${i}`}, ${type}, ${at}, ${JSON.stringify({ data: { object: { id: invoice, object: "invoice" } } })}::jsonb, 'cus_fixture', now())`)
      out = await run(tx)
      throw new Rollback()
    })
    .catch((err: unknown) => {
      if (!(err instanceof Rollback)) throw err
    })
  return out as T
}
class Rollback extends Error {}

describe("the metrics", () => {
  it("equal the fixture computed by hand", async () => {
    const m = await withFixture((tx) => computeMetrics(NOW, 30, tx))
    expect(m).toEqual({
      asOf: NOW,
      windowDays: 30,
      mrr: [{ currency: "usd", cents: 8900, subscriptions: 6 }],
      active: [
        { plan: "pro", status: "active", count: 4 },
        { plan: "pro", status: "past_due", count: 1 },
        { plan: "pro", status: "trialing", count: 1 },
        { plan: "team", status: "active", count: 1 },
      ],
      trials: { trialing: 1, ended: 2, converted: 1, conversionRate: 0.5 },
      churn: { liveAtStart: 7, voluntary: 1, involuntary: 1, other: 0, rate: 0.2857 },
      failedPayments: { failed: 2, recovered: 1, recoveryRate: 0.5 },
      cancellationReasons: [
        { reason: "(none given)", count: 1 },
        { reason: "too_expensive", count: 1 },
        { reason: "unused", count: 1 },
      ],
    })
    const csv = metricsCsv(m)
    expect(csv.split("\n")[0]).toBe("metric,dimension,value")
    expect(csv).toContain("mrr_cents,usd,8900\n")
    expect(csv).toContain("churn_involuntary,30d,1\n")
    expect(metricsCsv({ ...m, cancellationReasons: [{ reason: "=cmd()", count: 1 }] })).toContain("cancellation_reason,'=cmd(),1")
  })

  it("MRR is exact (a yearly 1,206 is 100.5 a month, rounded half up to 101, where a float said 100.49999…); live at the start counts every row not ended", async () => {
    const m = await withFixture(
      (tx) => computeMetrics(NOW, 30, tx),
      [
        { id: "Y", plan: "pro", interval: "year", unit: 1206, status: "active", created: "2026-10-01" },
        // In euros, three weekly 2s: 3 × 2 × 52 / 12 = 26; a weekly 6 at 50% off: 3 × 52 / 12 = 13.
        { id: "W1", plan: "pro", interval: "week", currency: "eur", unit: 2, quantity: 3, status: "past_due", created: "2026-10-01" },
        { id: "W2", plan: "pro", interval: "week", currency: "eur", unit: 6, percentOff: 50, status: "active", created: "2026-10-01" },
        // Canceled without an end (Stripe never sends it; the rows count as they always did): live at the start.
        { id: "Z", plan: "team", unit: 1000, status: "canceled", created: "2026-09-01" },
        // Not ended but created inside the window, and one still in its trial at the window's start: not counted.
        { id: "N", plan: "pro", unit: 1200, status: "trialing", created: "2026-11-05", trialStart: "2026-11-05", trialEnd: "2026-12-05" },
        { id: "T", plan: "pro", unit: 1200, status: "unpaid", created: "2026-10-20", trialStart: "2026-10-20", trialEnd: "2026-11-03" },
      ],
      [],
    )
    expect(m.mrr).toEqual([
      { currency: "eur", cents: 39, subscriptions: 2 },
      { currency: "usd", cents: 101, subscriptions: 1 },
    ])
    // Y, W1, W2, Z; N was created after 2026-11-01 and T was in its trial then.
    expect(m.churn).toEqual({ liveAtStart: 4, voluntary: 0, involuntary: 0, other: 0, rate: 0 })
    expect(m.failedPayments).toEqual({ failed: 0, recovered: 0, recoveryRate: null })
  })

  it("export as CSV only for an admin (a 404 otherwise), audited", async () => {
    jar.clear()
    expect((await exportMetrics()).status).toBe(404)
    const email = uniqueEmail("metrics")
    const created = await (await adminClient(auth.url)).auth.admin.createUser({ email, password: "password-123", email_confirm: true })
    if (created.error) throw created.error
    await grantAdmin(email)
    const signed = await (await createClient()).auth.signInWithPassword({ email, password: "password-123" })
    if (signed.error) throw signed.error
    const res = await exportMetrics()
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8")
    expect(await res.text()).toMatch(/^metric,dimension,value\n/)
    const audit = await sql().query("select target from admin_audit_log where action = 'metrics.export' and actor_email = $1", [email])
    expect(audit.rows).toEqual([{ target: "metrics.csv" }])
  })
})

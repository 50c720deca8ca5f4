// Credit packs end to end on the real Postgres and the emulator (issue 19, item 4): stripe:setup's one-time
// price; "Buy credits" opens Checkout mode=payment; the paid session's webhook, delivered twice and drained
// by two drains at once, becomes exactly one purchase row and one Stripe credit grant (also when the grant
// call is retried after a crash: the idempotency key); the cached balance; Free's hard limit lifted by the
// packs and exact under concurrency; the renewal invoice's overage line net of credits under a test clock.
import { afterAll, describe, expect, inject, it } from "vitest"
import { setupStripe } from "../../scripts/lib/stripe-setup"
import { createUser, customerOnTestClock, eventsFor, signedRequest, sql, stripeClient, advanceTestClock } from "../support/helpers"
import { must } from "../support/must"

const { CREDIT_PACKS, USAGE_METERS, meteredLookupKey, creditGrantCents } = await import("@/lib/billing/catalog")
const { startCreditCheckout } = await import("@/lib/billing/credits/buy")
const { flushCreditGrants, creditGrantsOutbox } = await import("@/lib/billing/credits/purchases")
const { env } = await import("@/lib/env")
const { receiveStripeWebhook } = await import("@/lib/billing/sync/ingest")
const { drainBillingEvents } = await import("@/lib/billing/sync/drain")
const { recordUsage, getUsage } = await import("@/lib/billing/usage/ledger")
const { flushUsageOutbox } = await import("@/lib/billing/usage/outbox")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
})

const PACK = CREDIT_PACKS.reports_200
const FREE = USAGE_METERS.reports.free.included

/** Opens the pack's Checkout as the app does and pays it on the emulator's hosted page; returns the session id. */
async function buyPack(user: { id: string; email: string | null }) {
  const started = await startCreditCheckout(user as never, { pack: PACK.id, from: "dashboard" })
  if (!started.ok) throw new Error(started.message)
  const sessionId = must(/\/(cs_[A-Za-z0-9_]+)/.exec(started.url)?.[1], "session id")
  const paid = await fetch(started.url, {
    method: "POST",
    body: new URLSearchParams({ email: user.email ?? "", cardnumber: "4242424242424242", exp: "12 / 34", cvc: "123" }),
    redirect: "manual",
  })
  expect(paid.status).toBe(303)
  expect(paid.headers.get("location")).toBe("http://localhost:3999/dashboard?credits=purchased")
  return sessionId
}

/** Every event of the customer, each delivered `times` times at once, then drained by `drains` drains at once. */
async function deliver(customer: string, { times = 1, drains = 1 } = {}) {
  const events = await eventsFor(stripeClient(), customer)
  await Promise.all(
    events.flatMap((e) =>
      Array.from({ length: times }, () => receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })),
    ),
  )
  await Promise.all(Array.from({ length: drains }, () => drainBillingEvents()))
}

const purchasesOf = async (userId: string) =>
  (
    await sql().query<{
      stripe_checkout_session_id: string
      stripe_credit_grant_id: string | null
      units: number
      grant_cents: number
      expires_at: Date
      paid_at: Date
    }>("select * from credit_purchases where user_id = $1 order by id", [userId])
  ).rows

describe("the credit pack's price", () => {
  it("stripe:setup makes the one-time price by lookup key once; a stale one is replaced", async () => {
    const stripe = stripeClient()
    const [price] = (await stripe.prices.list({ lookup_keys: [PACK.lookupKey] })).data
    expect(price).toMatchObject({ type: "one_time", unit_amount: PACK.priceCents, currency: "usd", active: true, recurring: null })
    await stripe.prices.update(must(price, "price").id, { active: false })
    const again = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    expect(again.changes.filter((c) => c.includes("credits"))).toEqual([
      expect.stringMatching(new RegExp(`^created price ${PACK.lookupKey} `)),
    ])
    expect((await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")).changes).toEqual([])
  })
})

describe("buying a credit pack", () => {
  it("the paid session, delivered twice and drained twice at once, is one purchase and one grant; the balance is cached", async () => {
    const stripe = stripeClient()
    const user = await createUser()
    const { customer } = await customerOnTestClock(user)
    const sessionId = await buyPack(user)
    const session = await stripe.checkout.sessions.retrieve(sessionId)
    expect(session).toMatchObject({ mode: "payment", payment_status: "paid", amount_total: PACK.priceCents, customer: customer.id })
    // Nothing granted on the request path: only the drain grants.
    expect((await stripe.billing.creditGrants.list({ customer: customer.id })).data).toEqual([])
    await deliver(customer.id, { times: 2, drains: 2 })
    const rows = await purchasesOf(user.id)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ stripe_checkout_session_id: sessionId, units: PACK.units, grant_cents: creditGrantCents(PACK) })
    const grants = (await stripe.billing.creditGrants.list({ customer: customer.id })).data
    expect(grants).toHaveLength(1)
    const grant = must(grants[0], "grant")
    expect(grant).toMatchObject({
      id: rows[0]?.stripe_credit_grant_id,
      category: "paid",
      amount: { type: "monetary", monetary: { currency: "usd", value: PACK.units * USAGE_METERS.reports.pro.overageCents } },
      applicability_config: { scope: { price_type: "metered" } },
      metadata: { checkout_session: sessionId, credit_pack: PACK.id },
    })
    // Expires the catalog's 12 months after the payment.
    const paid = must(rows[0], "row").paid_at
    const expected = new Date(paid)
    expected.setUTCMonth(expected.getUTCMonth() + PACK.expiresAfterMonths)
    expect(grant.expires_at).toBe(Math.floor(expected.getTime() / 1000))
    // The grant's own event (billing.credit_grant.created) is delivered too: the balance is read again, still one grant.
    await deliver(customer.id)
    const balance = (await sql().query("select available_cents, stale from credit_balances where stripe_customer_id = $1", [customer.id]))
      .rows[0]
    expect(balance).toEqual({ available_cents: String(creditGrantCents(PACK)), stale: false })
    const outcomes = (
      await sql().query<{ outcome: string }>(
        "select outcome from subscription_events where customer_id = $1 and type = 'checkout.session.completed'",
        [customer.id],
      )
    ).rows
    expect(outcomes).toEqual([{ outcome: "credit_purchase_recorded" }])
    // Free: the pack lifts the hard limit by its units.
    expect(await getUsage(user.id, "reports")).toMatchObject({
      plan: "free",
      credits: PACK.units,
      remaining: FREE + PACK.units,
      creditCents: null,
    })
  })

  it("a grant call retried after a crash (row written back as not granted) gets the same grant: Stripe's idempotency key", async () => {
    const stripe = stripeClient()
    const user = await createUser()
    const { customer } = await customerOnTestClock(user)
    await buyPack(user)
    await deliver(customer.id)
    const [row] = await purchasesOf(user.id)
    // As if the drain died after Stripe made the grant and before it recorded it.
    await sql().query("update credit_purchases set status = 'pending', sent_at = null, stripe_credit_grant_id = null where user_id = $1", [
      user.id,
    ])
    expect((await flushCreditGrants()).granted).toBeGreaterThanOrEqual(1)
    const grants = (await stripe.billing.creditGrants.list({ customer: customer.id })).data
    expect(grants.map((g) => g.id)).toEqual([row?.stripe_credit_grant_id])
    expect((await purchasesOf(user.id))[0]?.stripe_credit_grant_id).toBe(row?.stripe_credit_grant_id)
  })
})

describe("a grant Stripe refuses", () => {
  it("is retried with backoff, dead after the maximum attempts, listed, and made due again by --retry-dead", async () => {
    const user = await createUser()
    const session = `cs_test_missing_${crypto.randomUUID()}`
    await sql().query(
      `insert into credit_purchases (stripe_checkout_session_id, user_id, stripe_customer_id, pack_id, meter, units, amount_paid, currency,
         grant_cents, paid_at, expires_at) values ($1, $2, 'cus_does_not_exist', $3, 'reports', 200, 1000, 'usd', 1000, now(), now() + interval '1 year')`,
      [session, user.id, PACK.id],
    )
    const row = async () =>
      (
        await sql().query(
          "select attempts, status, next_attempt_at > now() later, last_error from credit_purchases where stripe_checkout_session_id = $1",
          [session],
        )
      ).rows[0]
    expect((await flushCreditGrants()).failed).toBeGreaterThanOrEqual(1)
    expect(await row()).toMatchObject({
      attempts: 1,
      status: "pending",
      later: true,
      last_error: expect.stringMatching(/cus_does_not_exist/),
    })
    await sql().query("update credit_purchases set attempts = $2, next_attempt_at = now() where stripe_checkout_session_id = $1", [
      session,
      env.billing.maxAttempts - 1,
    ])
    expect((await flushCreditGrants()).dead).toBeGreaterThanOrEqual(1)
    expect((await row())?.status).toBe("dead")
    expect((await creditGrantsOutbox.summary<{ session: string }>()).dead.rows.map((d) => d.session)).toContain(session)
    expect(await creditGrantsOutbox.retryDead()).toBeGreaterThanOrEqual(1)
    expect(await row()).toMatchObject({ attempts: 0, status: "pending", later: false })
  })
})

/** A pack row as the drain records and grants it (the Free rules need no Stripe). */
async function packFor(userId: string, units: number, expiresAt = new Date(Date.now() + 86_400_000 * 300)) {
  await sql().query(
    `insert into credit_purchases (stripe_checkout_session_id, user_id, stripe_customer_id, pack_id, meter, units, amount_paid, currency,
       grant_cents, paid_at, expires_at, status, sent_at) values ($1, $2, 'cus_free_credits', $3, 'reports', $4, 1000, 'usd', 1000, now(), $5, 'sent', now())`,
    [`cs_test_free_${crypto.randomUUID()}`, userId, PACK.id, units, expiresAt],
  )
}

describe("Free's hard limit with credits", () => {
  it("64 concurrent callers: exactly the allowance plus the packs' units are recorded, drawn from the pack expiring first", async () => {
    const user = await createUser()
    await packFor(user.id, 30, new Date(Date.now() + 86_400_000 * 200))
    await packFor(user.id, 20, new Date(Date.now() + 86_400_000 * 100)) // expires first: drawn first
    await packFor(user.id, 500, new Date(Date.now() - 1000)) // expired: gives nothing
    let next = 0
    let ok = 0
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < 200) {
          const i = next++
          const a = await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: `c${i}` })
          if (a.ok) ok++
        }
      }),
    )
    expect(ok).toBe(FREE + 50)
    expect(await getUsage(user.id, "reports")).toMatchObject({ used: FREE + 50, remaining: 0, credits: 0 })
    const used = (await sql().query("select units, units_used from credit_purchases where user_id = $1 order by expires_at", [user.id]))
      .rows
    expect(used).toEqual([
      { units: 500, units_used: 0 },
      { units: 20, units_used: 20 },
      { units: 30, units_used: 30 },
    ])
    const refused = await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: "after" })
    expect(refused).toMatchObject({ ok: false, code: "limit_reached", remaining: 0 })
    if (!refused.ok) expect(refused.message).toMatch(/Upgrade your plan or buy credits/)
  })

  it("a request larger than what is left is refused whole; a repeated key is counted once and draws once", async () => {
    const user = await createUser()
    await packFor(user.id, 10)
    expect(await recordUsage({ userId: user.id, meter: "reports", value: FREE + 11, idempotencyKey: "big" })).toMatchObject({
      ok: false,
      used: 0,
    })
    const first = await recordUsage({ userId: user.id, meter: "reports", value: FREE + 4, idempotencyKey: "k" })
    expect(first).toMatchObject({ ok: true, used: FREE + 4, remaining: 6 })
    const again = await Promise.all(
      Array.from({ length: 8 }, () => recordUsage({ userId: user.id, meter: "reports", value: FREE + 4, idempotencyKey: "k" })),
    )
    expect(again.every((a) => a.duplicate && a.used === FREE + 4)).toBe(true)
    expect((await sql().query("select units_used from credit_purchases where user_id = $1", [user.id])).rows).toEqual([{ units_used: 4 }])
    expect(await getUsage(user.id, "reports")).toMatchObject({ credits: 6, remaining: 6 })
  })
})

describe("the renewal invoice with credits", () => {
  it("Pro's overage line is paid from the pack's grant before the card, under a test clock", async () => {
    const stripe = stripeClient()
    const user = await createUser()
    const { customer, clock } = await customerOnTestClock(user)
    const [plan] = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data
    const [metered] = (await stripe.prices.list({ lookup_keys: [meteredLookupKey("pro", "reports", "month")] })).data
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: must(plan, "plan").id }, { price: must(metered, "metered").id }],
    })
    await deliver(customer.id)
    expect(await getUsage(user.id, "reports")).toMatchObject({ plan: "pro", credits: 0, creditCents: 0 })
    await buyPack(user)
    await deliver(customer.id)
    const cents = creditGrantCents(PACK)
    expect(await getUsage(user.id, "reports")).toMatchObject({ plan: "pro", creditCents: cents, credits: PACK.units })
    // 300 over the allowance at 5 cents = $15.00: $10.00 from the credits, $5.00 on the card.
    const included = USAGE_METERS.reports.pro.included
    expect(await recordUsage({ userId: user.id, meter: "reports", value: included + 300, idempotencyKey: "renewal" })).toMatchObject({
      ok: true,
    })
    await sql().query(
      "update public.usage_outbox set next_attempt_at = now() + interval '1 day' where stripe_customer_id <> $1 and status = 'pending'",
      [customer.id],
    )
    expect((await flushUsageOutbox()).failed).toBe(0)
    const end = must(sub.items.data[0], "item").current_period_end
    await advanceTestClock(stripe, clock.id, end + 3600)
    const invoices = (await stripe.invoices.list({ customer: customer.id, limit: 5 })).data
    const renewal = must(
      invoices.find((i) => i.billing_reason === "subscription_cycle"),
      "renewal invoice",
    )
    const overage = renewal.lines.data.filter(
      (l) => l.amount > 0 && l.parent?.subscription_item_details?.subscription_item === sub.items.data[1]?.id,
    )
    expect(overage.map((l) => [l.quantity, l.amount])).toEqual([[300, 1500]])
    expect(overage[0]?.pretax_credit_amounts?.map((c) => c.amount)).toEqual([cents])
    expect(renewal).toMatchObject({ status: "paid", amount_due: 1500 + 1500 - cents })
    // The invoice's events mark the cached balance stale; the drain reads it again: nothing left.
    await deliver(customer.id)
    expect(await getUsage(user.id, "reports")).toMatchObject({ creditCents: 0, credits: 0 })
  })
})

import fc from "fast-check"
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest"
import type Stripe from "stripe"
import { drainBillingEvents } from "@/lib/billing/sync/drain"
import { inboxSummary, listNoticedEvents, retryDeadEvents } from "@/lib/billing/sync/inbox-admin"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { pool } from "@/lib/db/client"
import { admin, clearStripeBackoff, eventsFor, faults, permutations, signedRequest, sql } from "../support/helpers"
import { planPrice, subscribedUser } from "../support/billing"

afterAll(() => pool.end())

const noSchedule = () => {}
const deliver = async (event: Stripe.Event) => receiveStripeWebhook(signedRequest(JSON.stringify(event)), { schedule: noSchedule })
const rowOf = async (subId: string) =>
  (await sql().query("select * from user_subscriptions where stripe_subscription_id = $1", [subId])).rows[0]
const eventRow = async (id: string) => (await sql().query("select * from subscription_events where stripe_event_id = $1", [id])).rows[0]
const eventCount = async () => Number((await sql().query("select count(*) from subscription_events")).rows[0].count)
const forget = async (events: Stripe.Event[], subId: string) => {
  await sql().query("delete from subscription_events where stripe_event_id = any($1)", [events.map((e) => e.id)])
  await sql().query("delete from user_subscriptions where stripe_subscription_id = $1", [subId])
}

/** The row must say what Stripe says now. */
async function expectConverged(stripe: Stripe, subId: string) {
  const sub = await stripe.subscriptions.retrieve(subId)
  const row = await rowOf(subId)
  const item = sub.items.data[0]
  expect(item).toBeDefined()
  expect({
    status: row?.status,
    price: row?.stripe_price_id,
    quantity: row?.quantity,
    cancelAtPeriodEnd: row?.cancel_at_period_end,
    periodEnd: row?.current_period_end?.getTime(),
    endedAt: row?.ended_at?.getTime() ?? null,
  }).toEqual({
    status: sub.status,
    price: item?.price.id,
    quantity: item?.quantity,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    periodEnd: (item?.current_period_end ?? 0) * 1000,
    endedAt: sub.ended_at ? sub.ended_at * 1000 : null,
  })
}

beforeEach(async () => {
  await admin("webhooks/chaos", {})
  await faults.clear()
})

describe("webhook ingest", () => {
  it("rejects missing, forged and stale signatures with 400 and stores nothing", async () => {
    const payload = JSON.stringify({
      id: "evt_forged",
      object: "event",
      type: "customer.subscription.updated",
      created: 1,
      data: { object: { id: "sub_x", customer: "cus_x" } },
    })
    const before = await eventCount()
    expect((await receiveStripeWebhook(signedRequest(payload, { signature: null }), { schedule: noSchedule })).status).toBe(400)
    expect((await receiveStripeWebhook(signedRequest(payload, { secret: "whsec_attacker" }), { schedule: noSchedule })).status).toBe(400)
    expect(
      (await receiveStripeWebhook(signedRequest(payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), { schedule: noSchedule }))
        .status,
    ).toBe(400)
    expect((await receiveStripeWebhook(signedRequest(payload, { signature: "t=1,v1=deadbeef" }), { schedule: noSchedule })).status).toBe(
      400,
    )
    expect(await eventCount()).toBe(before)
  })

  it("refuses a signed body that is not an event with 400 and stores nothing", async () => {
    const before = await eventCount()
    expect((await receiveStripeWebhook(signedRequest("{not json"), { schedule: noSchedule })).status).toBe(400)
    expect(
      (await receiveStripeWebhook(signedRequest(JSON.stringify({ id: "evt_nodata", type: "invoice.paid" })), { schedule: noSchedule }))
        .status,
    ).toBe(400)
    expect(await eventCount()).toBe(before)
  })

  it("refuses an oversized body by its declared length, and one streamed without a length, with 413", async () => {
    const declared = signedRequest("{}")
    const withLength = new Request(declared.url, {
      method: "POST",
      headers: { ...Object.fromEntries(declared.headers), "content-length": String(600 * 1024) },
      body: "{}",
    })
    expect(withLength.headers.get("content-length")).toBe(String(600 * 1024)) // the pre-read check really sees it
    expect((await receiveStripeWebhook(withLength, { schedule: noSchedule })).status).toBe(413)
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024))
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(chunk)
        c.close()
      },
    })
    const streamed = new Request(declared.url, {
      method: "POST",
      headers: { "stripe-signature": declared.headers.get("stripe-signature") ?? "" },
      body: stream,
      duplex: "half",
    } as RequestInit)
    expect(streamed.headers.get("content-length")).toBeNull()
    expect((await receiveStripeWebhook(streamed, { schedule: noSchedule })).status).toBe(413)
  })

  it("stores an event type we do not apply as processed and ignored, with no drain scheduled", async () => {
    const event = {
      id: `evt_unknown_${Date.now()}`,
      object: "event",
      type: "issuing_card.created",
      created: Math.floor(Date.now() / 1000),
      data: { object: {} },
    }
    let scheduled = 0
    const res = await receiveStripeWebhook(signedRequest(JSON.stringify(event)), { schedule: () => scheduled++ })
    expect(res.status).toBe(200)
    expect(scheduled).toBe(0)
    expect(await eventRow(event.id)).toMatchObject({ outcome: "ignored_type", attempts: 0 })
    expect((await eventRow(event.id)).processed_at).not.toBeNull()
  })
})

describe("webhook ingest under a burst", () => {
  const ignoredEvent = (id: string, note = "x") => ({
    id,
    object: "event",
    type: "issuing_card.created",
    created: Math.floor(Date.now() / 1000),
    data: { object: { note } },
  })

  it("deliveries arriving together share round trips; an id delivered twice in one statement is stored once", async () => {
    const run = `evt_burst_${Date.now()}`
    const events = Array.from({ length: 30 }, (_, i) => ignoredEvent(`${run}_${i}`))
    const query = vi.spyOn(pool, "query")
    let answers: { stored: boolean }[]
    try {
      const sent = [...events, events[7], events[7]] as typeof events
      const res = await Promise.all(sent.map((e) => receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: noSchedule })))
      expect(res.map((r) => r.status)).toEqual(sent.map(() => 200))
      answers = await Promise.all(res.map((r) => r.json() as Promise<{ stored: boolean }>))
      // One insert per delivery would be 32.
      expect(query.mock.calls.length).toBeLessThan(10)
    } finally {
      query.mockRestore()
    }
    expect(answers.filter((a) => a.stored)).toHaveLength(30)
    const rows = await sql().query("select count(*)::int n from subscription_events where stripe_event_id like $1", [`${run}_%`])
    expect(rows.rows[0]?.n).toBe(30)
  })

  it("a delivery Postgres refuses fails alone (503, Stripe retries it); the rest of its statement is stored", async () => {
    const run = `evt_refused_${Date.now()}`
    // Valid JSON and correctly signed, but jsonb has no \u0000.
    const events = Array.from({ length: 6 }, (_, i) => ignoredEvent(`${run}_${i}`, i === 3 ? "nul \u0000 here" : "x"))
    const bodies = events.map((e) => JSON.stringify(e))
    expect(bodies[3]).toContain("\\u0000")
    const res = await Promise.all(bodies.map((b) => receiveStripeWebhook(signedRequest(b), { schedule: noSchedule })))
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 503, 200, 200])
    const rows = await sql().query("select stripe_event_id from subscription_events where stripe_event_id like $1", [`${run}_%`])
    expect(rows.rows.map((r) => r.stripe_event_id as string).sort()).toEqual([0, 1, 2, 4, 5].map((i) => `${run}_${i}`))
  })
})

describe("webhook apply (the drain)", () => {
  it("stores one event delivered five times at once once, and applies it once", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const [created] = (await eventsFor(stripe, customerId)).filter((e) => e.type === "customer.subscription.created")
    if (!created) throw new Error("no customer.subscription.created event")
    await forget([created], subscriptionId)
    const stored = await Promise.all(
      Array.from({ length: 5 }, async () => ((await (await deliver(created)).json()) as { stored: boolean }).stored),
    )
    expect(stored.filter(Boolean)).toHaveLength(1)
    // The cheap path (another instance's copy, Stripe's retry): 200, stored: false, no drain asked for.
    let scheduled = 0
    const again = await receiveStripeWebhook(signedRequest(JSON.stringify(created)), { schedule: () => scheduled++ })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ received: true, stored: false })
    expect(scheduled).toBe(0)
    await drainBillingEvents()
    const row = await eventRow(created.id)
    expect(row.processed_at).not.toBeNull()
    expect(row.outcome).toBe("synced_active")
    await expectConverged(stripe, subscriptionId)
  })

  it("converges whatever the order of a checkout's events, applied one delivery at a time (all 24 orders)", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const types = ["customer.subscription.created", "invoice.paid", "customer.subscription.updated", "checkout.session.completed"]
    const events = (await eventsFor(stripe, customerId)).filter((e) => types.includes(e.type))
    expect(events.map((e) => e.type).sort()).toEqual([...types].sort())
    for (const order of permutations(events)) {
      await forget(events, subscriptionId)
      for (const e of order) {
        expect((await deliver(e)).status).toBe(200)
        await drainBillingEvents()
      }
      await expectConverged(stripe, subscriptionId)
      expect((await rowOf(subscriptionId)).status).toBe("active")
    }
  })

  it("a burst of deliveries shares one scheduled drain per instance, which applies them all", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const events = (await eventsFor(stripe, customerId)).filter(
      (e) => e.type.startsWith("customer.subscription") || e.type === "invoice.paid",
    )
    await forget(events, subscriptionId)
    const tasks: (() => Promise<unknown>)[] = []
    for (const e of events) await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: (task) => tasks.push(task) })
    expect(tasks.length).toBe(events.length) // after() is asked every time…
    const runs = tasks.map((task) => task())
    expect(new Set(runs).size).toBe(1) // …and every ask joins the one drain already waiting
    await Promise.all(runs)
    const { rows } = await sql().query(
      "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is null",
      [events.map((e) => e.id)],
    )
    expect(rows[0].n).toBe(0)
    await expectConverged(stripe, subscriptionId)
  })

  it("a delivery that joins the scheduled drain after its claim is applied by the drain going round again", async () => {
    const first = await subscribedUser()
    const second = await subscribedUser()
    const [a] = (await eventsFor(first.stripe, first.customerId)).filter((e) => e.type === "customer.subscription.updated")
    const [b] = (await eventsFor(second.stripe, second.customerId)).filter((e) => e.type === "customer.subscription.updated")
    if (!a || !b) throw new Error("no customer.subscription.updated events")
    await forget([a], first.subscriptionId)
    await forget([b], second.subscriptionId)
    const runs: Promise<unknown>[] = []
    const schedule = (task: () => Promise<unknown>) => void runs.push(task())
    // a is due 300 ms after it is stored; b arrives 200 ms later, so it is not due yet when the drain claims a.
    await receiveStripeWebhook(signedRequest(JSON.stringify(a)), { schedule, coalesceMs: 300 })
    await new Promise((r) => setTimeout(r, 200))
    await receiveStripeWebhook(signedRequest(JSON.stringify(b)), { schedule, coalesceMs: 300 })
    expect(new Set(runs).size).toBe(1)
    await Promise.all(runs)
    expect((await eventRow(a.id)).processed_at).not.toBeNull()
    expect((await eventRow(b.id)).processed_at).not.toBeNull()
  })

  it("a delivery for a customer another applier holds is applied once that applier lets go", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const [a] = (await eventsFor(stripe, customerId)).filter((e) => e.type === "customer.subscription.updated")
    if (!a) throw new Error("no customer.subscription.updated event")
    await forget([a], subscriptionId)
    // A page's sync holds the customer: it read the customer's events before this one arrived.
    await sql().query(
      `insert into customer_syncs (stripe_customer_id, lease_owner, lease_until) values ($1, 'page-sync', now() + interval '90 seconds')
       on conflict (stripe_customer_id) do update set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until`,
      [customerId],
    )
    const runs: Promise<unknown>[] = []
    await receiveStripeWebhook(signedRequest(JSON.stringify(a)), { schedule: (task) => void runs.push(task()), coalesceMs: 0 })
    await new Promise((r) => setTimeout(r, 600)) // the drain has claimed, found only the held customer, and looked again
    expect((await eventRow(a.id)).processed_at).toBeNull()
    await sql().query("update customer_syncs set lease_owner = null, lease_until = null where stripe_customer_id = $1", [customerId])
    await expect.poll(async () => (await eventRow(a.id)).processed_at, { timeout: 10_000 }).not.toBeNull()
    await Promise.all(runs)
    await expectConverged(stripe, subscriptionId)
  }, 60_000)

  it("coalesces a customer's burst into one Stripe read", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const events = (await eventsFor(stripe, customerId)).filter(
      (e) => e.type.startsWith("customer.subscription") || e.type === "invoice.paid",
    )
    await forget(events, subscriptionId)
    for (const e of events) await deliver(e)
    const before = await faults.calls()
    const report = await drainBillingEvents()
    expect(report.events).toBe(events.length)
    // One subscriptions.list for the whole group; its invoice events name the latest invoice, which that
    // list expands (public.invoices), so no invoices.list.
    expect(await faults.calls()).toBe(before + 1)
    await expectConverged(stripe, subscriptionId)
  })

  it("converges after a whole life (renewal, plan change, cancel, end) delivered shuffled and duplicated (seeded property)", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const team = await planPrice(stripe, "subkit_team_monthly")
    const sub = await stripe.subscriptions.retrieve(subscriptionId)
    await admin("clock/advance", { days: 32 }) // renewal
    const itemId = sub.items.data[0]?.id
    await stripe.subscriptions.update(subscriptionId, {
      items: [{ id: itemId, price: team.id, quantity: 3 }],
      proration_behavior: "always_invoice",
    })
    await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true })
    await admin("clock/advance", { days: 32 }) // ends at period end
    const events = await eventsFor(stripe, customerId)
    expect(events.some((e) => e.type === "customer.subscription.deleted")).toBe(true)
    const deliveries = fc.tuple(
      fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
      fc.subarray(events),
      fc.array(fc.boolean(), { minLength: events.length * 2, maxLength: events.length * 2 }),
    )
    await fc.assert(
      fc.asyncProperty(deliveries, async ([order, duplicates, drainAfter]) => {
        await forget(events, subscriptionId)
        const all = [...order, ...duplicates]
        for (const [i, e] of all.entries()) {
          expect((await deliver(e)).status).toBe(200)
          if (drainAfter[i]) await drainBillingEvents()
        }
        await drainBillingEvents()
        await expectConverged(stripe, subscriptionId)
      }),
      { numRuns: 8, seed: Number(process.env.FC_SEED ?? 20261125) },
    )
    expect((await rowOf(subscriptionId)).status).toBe("canceled")
  })
})

describe("customer details", () => {
  it("syncs the billing email, name and address the customer changed in the portal (customer.updated)", async () => {
    const { customerId, stripe, user } = await subscribedUser()
    const since = (await eventsFor(stripe, customerId)).at(-1)?.id
    await stripe.customers.update(customerId, {
      email: "billing@example.com",
      name: "Ada Lovelace",
      address: { line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
    })
    const [updated] = (await eventsFor(stripe, customerId, since)).filter((e) => e.type === "customer.updated")
    if (!updated) throw new Error("no customer.updated event")
    expect((await deliver(updated)).status).toBe(200)
    await drainBillingEvents()
    const { rows } = await sql().query("select email, name, address from billing_customers where user_id = $1", [user.id])
    expect(rows[0]).toMatchObject({
      email: "billing@example.com",
      name: "Ada Lovelace",
      address: { line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
    })
  })

  it("a second live subscription made outside the app is stored and reported (outcome, billing:events notice)", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const since = (await eventsFor(stripe, customerId)).at(-1)?.id
    const price = await planPrice(stripe, "subkit_team_monthly")
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customerId })
    const second = await stripe.subscriptions.create({
      customer: customerId,
      items: [{ price: price.id, quantity: 2 }],
      default_payment_method: pm.id,
    })
    const [created] = (await eventsFor(stripe, customerId, since)).filter((e) => e.type === "customer.subscription.created")
    if (!created) throw new Error("no customer.subscription.created event")
    await deliver(created)
    await drainBillingEvents()
    expect((await eventRow(created.id)).outcome).toBe("synced_active; customer has more than one live subscription")
    expect((await rowOf(subscriptionId))?.status).toBe("active")
    expect((await rowOf(second.id))?.status).toBe("active")
    expect((await listNoticedEvents()).map((n) => n.id)).toContain(created.id)
  })

  it("a customer deleted at Stripe marks the mapping, cancels its subscription row, and the next checkout replaces it", async () => {
    const { customerId, subscriptionId, stripe, user } = await subscribedUser()
    const since = (await eventsFor(stripe, customerId)).at(-1)?.id
    await stripe.customers.del(customerId)
    const deleted = (await eventsFor(stripe, customerId, since)).filter(
      (e) => e.type === "customer.deleted" || e.type.startsWith("customer.subscription"),
    )
    expect(deleted.some((e) => e.type === "customer.deleted")).toBe(true)
    for (const e of deleted) await deliver(e)
    await drainBillingEvents()
    const { rows } = await sql().query("select stripe_customer_id, stripe_customer_deleted_at from billing_customers where user_id = $1", [
      user.id,
    ])
    expect(rows[0].stripe_customer_deleted_at).not.toBeNull()
    // Stripe canceled the subscription with the customer, and no longer lists it.
    expect((await rowOf(subscriptionId))?.status).toBe("canceled")
    const { startCheckout } = await import("@/lib/billing/checkout/start-checkout")
    const again = await startCheckout(user, { plan: "pro", interval: "month" })
    expect(again.ok).toBe(true)
    const after = (
      await sql().query("select stripe_customer_id, stripe_customer_deleted_at from billing_customers where user_id = $1", [user.id])
    ).rows[0]
    expect(after.stripe_customer_id).not.toBe(customerId)
    expect(after.stripe_customer_deleted_at).toBeNull()
  })
})

/** A subscriber whose customer.subscription.updated is stored again, unapplied, and its row forgotten. */
async function oneStoredUpdate() {
  const { customerId, subscriptionId, stripe } = await subscribedUser()
  const [updated] = (await eventsFor(stripe, customerId)).filter((e) => e.type === "customer.subscription.updated")
  if (!updated) throw new Error("no customer.subscription.updated event")
  await forget([updated], subscriptionId)
  await deliver(updated)
  return { updated, subscriptionId, stripe }
}

describe("webhook apply failures", () => {
  it("retries with backoff when Stripe fails, records the error, and applies once Stripe answers", async () => {
    const { updated, subscriptionId, stripe } = await oneStoredUpdate()
    await faults.add({ status: 500, count: 1, path: "/v1/subscriptions" })
    expect((await drainBillingEvents()).failed).toBe(1)
    const failed = await eventRow(updated.id)
    expect(failed).toMatchObject({ attempts: 1, processed_at: null, dead_at: null })
    expect(failed.error).toMatch(/Injected 500 from the Stripe proxy/)
    expect(failed.next_attempt_at.getTime()).toBeGreaterThan(Date.now()) // backoff, not at once
    expect(await rowOf(subscriptionId)).toBeUndefined()
    await sql().query("update subscription_events set next_attempt_at = now() where stripe_event_id = $1", [updated.id])
    await drainBillingEvents()
    expect(await eventRow(updated.id)).toMatchObject({ outcome: "synced_active", error: null })
    await expectConverged(stripe, subscriptionId)
  })

  it("makes an event dead after the last attempt, lists it, and applies it when retried", async () => {
    const { updated, subscriptionId, stripe } = await oneStoredUpdate()
    await sql().query("update subscription_events set attempts = 15 where stripe_event_id = $1", [updated.id]) // one attempt left of 16
    await faults.add({ status: 429, count: 1, path: "/v1/subscriptions" })
    await drainBillingEvents()
    await clearStripeBackoff() // the 429 holds every drain back (stripe-backoff.test.ts); not what this test is about
    expect((await eventRow(updated.id)).dead_at).not.toBeNull()
    expect((await inboxSummary()).dead.count).toBeGreaterThanOrEqual(1)
    expect(await retryDeadEvents(updated.id)).toBe(1)
    await drainBillingEvents()
    expect(await eventRow(updated.id)).toMatchObject({ outcome: "synced_active", dead_at: null })
    await expectConverged(stripe, subscriptionId)
  })
})

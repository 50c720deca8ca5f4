import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { sql as dsql } from "drizzle-orm"
import type Stripe from "stripe"
import type { Executor } from "@/lib/db/client"
import { processEvent } from "@/lib/billing/process-event"
import { pool } from "@/lib/db/client"
import { receiveStripeWebhook } from "@/lib/stripe/receive-webhook"
import { admin, eventsFor, permutations, signedRequest, sql } from "../support/helpers"
import { planPrice, subscribedUser } from "../support/billing"

afterAll(() => pool.end())

const deliver = async (event: Stripe.Event) => receiveStripeWebhook(signedRequest(JSON.stringify(event)))
const rowOf = async (subId: string) => (await sql().query("select * from user_subscriptions where stripe_subscription_id = $1", [subId])).rows[0]
const eventCount = async () => Number((await sql().query("select count(*) from subscription_events")).rows[0].count)
const forget = async (events: Stripe.Event[], subId: string) => {
  await sql().query("delete from subscription_events where stripe_event_id = any($1)", [events.map((e) => e.id)])
  await sql().query("delete from user_subscriptions where stripe_subscription_id = $1", [subId])
}

/** The row must say what Stripe says now. */
async function expectConverged(stripe: Stripe, subId: string) {
  const sub = await stripe.subscriptions.retrieve(subId)
  const row = await rowOf(subId)
  const item = sub.items.data[0]!
  expect({
    status: row.status,
    price: row.stripe_price_id,
    quantity: row.quantity,
    cancelAtPeriodEnd: row.cancel_at_period_end,
    periodEnd: row.current_period_end?.getTime(),
    endedAt: row.ended_at?.getTime() ?? null,
  }).toEqual({
    status: sub.status,
    price: item.price.id,
    quantity: item.quantity,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    periodEnd: item.current_period_end * 1000,
    endedAt: sub.ended_at ? sub.ended_at * 1000 : null,
  })
}

beforeEach(async () => {
  await admin("webhooks/chaos", {})
})

describe("webhook endpoint", () => {
  it("rejects missing, forged and stale signatures with 400 and writes nothing", async () => {
    const payload = JSON.stringify({ id: "evt_forged", object: "event", type: "customer.subscription.updated", created: 1, data: { object: { id: "sub_x", customer: "cus_x" } } })
    const before = await eventCount()
    expect((await receiveStripeWebhook(signedRequest(payload, { signature: null }))).status).toBe(400)
    expect((await receiveStripeWebhook(signedRequest(payload, { secret: "whsec_attacker" }))).status).toBe(400)
    expect((await receiveStripeWebhook(signedRequest(payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 }))).status).toBe(400)
    expect((await receiveStripeWebhook(signedRequest(payload, { signature: "t=1,v1=deadbeef" }))).status).toBe(400)
    expect(await eventCount()).toBe(before)
  })

  it("refuses oversized bodies before reading them", async () => {
    const big = JSON.stringify({ pad: "x".repeat(600 * 1024) })
    expect((await receiveStripeWebhook(signedRequest(big))).status).toBe(413)
  })

  it("acknowledges unknown event types and records them", async () => {
    const event = { id: `evt_unknown_${Date.now()}`, object: "event", type: "issuing_card.created", created: Math.floor(Date.now() / 1000), data: { object: {} } }
    const res = await deliver(event as unknown as Stripe.Event)
    expect(res.status).toBe(200)
    expect((await res.json()).outcome).toBe("ignored_type")
  })

  it("processes one event delivered five times exactly once", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const [created] = (await eventsFor(stripe, customerId)).filter((e) => e.type === "customer.subscription.created")
    await forget([created!], subscriptionId)
    const outcomes = await Promise.all(Array.from({ length: 5 }, async () => (await (await deliver(created!)).json()).outcome as string))
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(4)
    const { rows } = await sql().query("select attempts, processed_at, outcome from subscription_events where stripe_event_id = $1", [created!.id])
    expect(rows).toHaveLength(1)
    expect(rows[0].processed_at).not.toBeNull()
    await expectConverged(stripe, subscriptionId)
  })

  it("converges whatever the order of a checkout's events (all 24 orders)", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const types = ["customer.subscription.created", "invoice.paid", "customer.subscription.updated", "checkout.session.completed"]
    const events = (await eventsFor(stripe, customerId)).filter((e) => types.includes(e.type))
    expect(events.map((e) => e.type).sort()).toEqual([...types].sort())
    for (const order of permutations(events)) {
      await forget(events, subscriptionId)
      for (const e of order) expect((await deliver(e)).status).toBe(200)
      await expectConverged(stripe, subscriptionId)
      expect((await rowOf(subscriptionId)).status).toBe("active")
    }
  })

  it("converges after a whole life (renewal, plan change, cancel, end) delivered shuffled and duplicated", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const team = await planPrice(stripe, "subkit_team_monthly")
    const sub = await stripe.subscriptions.retrieve(subscriptionId)
    await admin("clock/advance", { days: 32 }) // renewal
    await stripe.subscriptions.update(subscriptionId, { items: [{ id: sub.items.data[0]!.id, price: team.id, quantity: 3 }], proration_behavior: "always_invoice" })
    await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true })
    const midLife = await eventsFor(stripe, customerId)
    await admin("clock/advance", { days: 32 }) // ends at period end
    const events = await eventsFor(stripe, customerId)
    expect(events.some((e) => e.type === "customer.subscription.deleted")).toBe(true)
    for (let trial = 0; trial < 10; trial++) {
      await forget(events, subscriptionId)
      const shuffled = [...events, ...events.filter(() => Math.random() < 0.3)].sort(() => Math.random() - 0.5)
      for (const e of shuffled) expect((await deliver(e)).status).toBe(200)
      await expectConverged(stripe, subscriptionId)
    }
    expect((await rowOf(subscriptionId)).status).toBe("canceled")
    expect(midLife.length).toBeLessThan(events.length)
  })

  it("answers 5xx when processing fails, leaves nothing half-written, and a retry succeeds", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const [updated] = (await eventsFor(stripe, customerId)).filter((e) => e.type === "customer.subscription.updated")
    await forget([updated!], subscriptionId)
    const writeThenFail = {
      "customer.subscription.updated": async (e: Stripe.Event, tx: Executor) => {
        await tx.execute(
          dsql`insert into user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, status, stripe_created_at)
            select ${subscriptionId}, user_id, stripe_customer_id, 'active', now() from billing_customers where stripe_customer_id = ${customerId}`,
        )
        throw new Error(`handler failed after writing for ${e.id}`)
      },
    }
    await expect(processEvent(updated!, { handlers: writeThenFail })).rejects.toThrow(/handler failed/)
    expect(await rowOf(subscriptionId)).toBeUndefined() // rolled back
    const logged = (await sql().query("select processed_at, error, attempts from subscription_events where stripe_event_id = $1", [updated!.id])).rows[0]
    expect(logged.processed_at).toBeNull()
    expect(logged.error).toMatch(/handler failed/)
    const retry = await deliver(updated!)
    expect(retry.status).toBe(200)
    await expectConverged(stripe, subscriptionId)
    const after = (await sql().query("select processed_at, error, attempts from subscription_events where stripe_event_id = $1", [updated!.id])).rows[0]
    expect(after.error).toBeNull()
    expect(after.attempts).toBe(2)
  })

  it("answers 500 through the route when Stripe cannot give the object", async () => {
    const { customerId } = await subscribedUser()
    const event = { id: `evt_missing_${Date.now()}`, object: "event", type: "customer.subscription.updated", created: Math.floor(Date.now() / 1000), data: { object: { id: "sub_does_not_exist", object: "subscription", customer: customerId } } }
    const res = await deliver(event as unknown as Stripe.Event)
    expect(res.status).toBe(500)
    const logged = (await sql().query("select processed_at, error from subscription_events where stripe_event_id = $1", [event.id])).rows[0]
    expect(logged.processed_at).toBeNull()
    expect(logged.error).toMatch(/No such subscription/)
  })
})

// Entitlements end to end below the browser: the emulator's Entitlements API, stripe:setup's features,
// and the sync keeping active_entitlements right across subscribe, upgrade and cancel.
import type Stripe from "stripe"
import { afterAll, describe, expect, it } from "vitest"
import { CATALOG, planById } from "@/lib/billing/catalog"
import { drainBillingEvents } from "@/lib/billing/sync/drain"
import { entitlementKeys, hasEntitlement } from "@/lib/billing/views/entitlements"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { pool } from "@/lib/db/client"
import { advanceTestClock, eventsFor, signedRequest, sql, stripeClient } from "../support/helpers"
import { planPrice, subscribedUser } from "../support/billing"

afterAll(() => pool.end())

const keysOf = (plan: "pro" | "team") => [...(planById(plan)?.entitlements ?? [])].sort()
const rows = async (customerId: string) =>
  (
    await sql().query<{ lookup_key: string }>(
      "select lookup_key from active_entitlements where stripe_customer_id = $1 order by lookup_key",
      [customerId],
    )
  ).rows.map((r) => r.lookup_key)

/** Delivers what Stripe sent about the customer since `since`, then applies it. Returns the last event id. */
async function deliverSince(stripe: Stripe, customerId: string, since?: string) {
  const events = await eventsFor(stripe, customerId, since)
  for (const e of events) expect((await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })).status).toBe(200)
  await drainBillingEvents()
  return { last: events.at(-1)?.id ?? since, types: events.map((e) => e.type) }
}

describe("emulated Entitlements API", () => {
  it("creates, lists and retrieves features; refuses a second feature with the same lookup key", async () => {
    const stripe = stripeClient()
    const key = `test_${Date.now()}`
    const f = await stripe.entitlements.features.create({ lookup_key: key, name: "Test feature" })
    expect(f).toMatchObject({ object: "entitlements.feature", lookup_key: key, name: "Test feature", active: true })
    expect((await stripe.entitlements.features.retrieve(f.id)).id).toBe(f.id)
    expect((await stripe.entitlements.features.list({ lookup_key: key })).data.map((x) => x.id)).toEqual([f.id])
    await expect(stripe.entitlements.features.create({ lookup_key: key, name: "Again" })).rejects.toMatchObject({
      statusCode: 400,
      param: "lookup_key",
    })
    await expect(stripe.entitlements.features.retrieve("feat_missing")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing" })
  })

  it("attaches, lists and detaches product features; a feature attaches once", async () => {
    const stripe = stripeClient()
    const product = await stripe.products.create({ name: "Entitlement test product" })
    const f = await stripe.entitlements.features.create({ lookup_key: `attach_${Date.now()}`, name: "Attach me" })
    const pf = await stripe.products.createFeature(product.id, { entitlement_feature: f.id })
    expect(pf).toMatchObject({ object: "product_feature", entitlement_feature: { id: f.id, lookup_key: f.lookup_key } })
    await expect(stripe.products.createFeature(product.id, { entitlement_feature: f.id })).rejects.toMatchObject({
      statusCode: 400,
      param: "entitlement_feature",
    })
    expect((await stripe.products.listFeatures(product.id)).data.map((x) => x.id)).toEqual([pf.id])
    expect(await stripe.products.deleteFeature(product.id, pf.id)).toMatchObject({ id: pf.id, deleted: true })
    expect((await stripe.products.listFeatures(product.id)).data).toEqual([])
  })

  it("stripe:setup attached each plan's catalog features to its product", async () => {
    const stripe = stripeClient()
    for (const plan of CATALOG) {
      const attached = (await stripe.products.listFeatures(`subkit_${plan.id}`, { limit: 100 })).data.map(
        (pf) => pf.entitlement_feature.lookup_key,
      )
      expect(attached.sort()).toEqual([...plan.entitlements].sort())
    }
  })
})

describe("active entitlements sync", () => {
  it("follows subscribe → upgrade to Team → cancel, through the summary event and the drain", async () => {
    const { user, customerId, subscriptionId, stripe } = await subscribedUser({ plan: "pro" })
    expect((await stripe.entitlements.activeEntitlements.list({ customer: customerId })).data.map((e) => e.lookup_key).sort()).toEqual(
      keysOf("pro"),
    )

    let step = await deliverSince(stripe, customerId)
    expect(step.types).toContain("entitlements.active_entitlement_summary.updated")
    expect(await rows(customerId)).toEqual(keysOf("pro"))
    expect(await hasEntitlement(user.id, "advanced_analytics")).toBe(true)
    expect(await hasEntitlement(user.id, "shared_workspaces")).toBe(false)

    const sub = await stripe.subscriptions.retrieve(subscriptionId)
    const team = await planPrice(stripe, "subkit_team_monthly")
    await stripe.subscriptions.update(subscriptionId, {
      items: [{ id: sub.items.data[0]?.id, price: team.id, quantity: 2 }],
      proration_behavior: "none",
    })
    step = await deliverSince(stripe, customerId, step.last)
    expect(step.types).toContain("entitlements.active_entitlement_summary.updated")
    expect(await rows(customerId)).toEqual(keysOf("team"))
    expect(await hasEntitlement(user.id, "shared_workspaces")).toBe(true)

    await stripe.subscriptions.cancel(subscriptionId)
    step = await deliverSince(stripe, customerId, step.last)
    expect(step.types).toContain("entitlements.active_entitlement_summary.updated")
    expect(await rows(customerId)).toEqual([])
    expect(await hasEntitlement(user.id, "advanced_analytics")).toBe(false)
    expect((await entitlementKeys(user.id)).size).toBe(0)
  })

  it("a summary event delivered late or twice still leaves Stripe's current list", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser({ plan: "pro" })
    const granted = (await eventsFor(stripe, customerId)).filter((e) => e.type === "entitlements.active_entitlement_summary.updated")
    await stripe.subscriptions.cancel(subscriptionId)
    await deliverSince(stripe, customerId) // everything, including the cancel's summary
    expect(await rows(customerId)).toEqual([])
    // The grant's summary again (a redelivery, out of order): the list Stripe has now is empty.
    const replay = { ...granted[0], id: `${granted[0]?.id}_replay` }
    expect((await receiveStripeWebhook(signedRequest(JSON.stringify(replay)), { schedule: () => {} })).status).toBe(200)
    await drainBillingEvents()
    expect(await rows(customerId)).toEqual([])
  })

  it("an eager page sync reads the entitlements too (the success page shows them before any webhook)", async () => {
    const { user, customerId } = await subscribedUser({ plan: "pro" })
    const { syncUserNow } = await import("@/lib/billing/sync/eager")
    expect(await rows(customerId)).toEqual([])
    expect((await syncUserNow(user.id)).status).toBe("synced")
    expect(await rows(customerId)).toEqual(keysOf("pro"))
  })
})

describe("product feature changes reach existing subscriptions at their next renewal", () => {
  // Stripe: "Existing subscriptions will create active entitlements for any product feature changes at the
  // start of the next billing period." A new subscription gets the product's features as they are now.
  const keys = async (stripe: Stripe, customer: string) =>
    (await stripe.entitlements.activeEntitlements.list({ customer })).data.map((e) => e.lookup_key).sort()
  // The summary events about the customer that are not in `seen` (ids): not "since an event id", as other
  // files' test clocks date their events in the future and the event list is in `created` order.
  const summaries = async (stripe: Stripe, customer: string, seen: Stripe.Event[] = []) =>
    (await eventsFor(stripe, customer)).filter(
      (e) => e.type === "entitlements.active_entitlement_summary.updated" && !seen.some((x) => x.id === e.id),
    )

  async function setup(name: string) {
    const stripe = stripeClient()
    const tag = `${name}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`
    const product = await stripe.products.create({ name: `Feature change ${tag}` })
    const price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1000, recurring: { interval: "month" } })
    const base = await stripe.entitlements.features.create({ lookup_key: `${tag}_base`, name: "Base" })
    const extra = await stripe.entitlements.features.create({ lookup_key: `${tag}_extra`, name: "Extra" })
    await stripe.products.createFeature(product.id, { entitlement_feature: base.id })
    const start = Math.floor(Date.now() / 1000)
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: tag })
    const subscribe = async () => {
      const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: "pm_card_visa" })
      const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]
      const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm?.id })
      return { customer: customer.id, sub }
    }
    const advancePast = (at: number) => advanceTestClock(stripe, clock.id, at + 3600)
    return { stripe, product, base, extra, subscribe, advancePast }
  }

  it("an attached feature: not for the existing subscription until it renews; at once for a new one", async () => {
    const { stripe, product, base, extra, subscribe, advancePast } = await setup("attach")
    const early = await subscribe()
    expect(await keys(stripe, early.customer)).toEqual([base.lookup_key])

    const before = await summaries(stripe, early.customer)
    await stripe.products.createFeature(product.id, { entitlement_feature: extra.id })
    expect(await keys(stripe, early.customer)).toEqual([base.lookup_key])
    expect(await summaries(stripe, early.customer, before)).toEqual([])

    // A subscription created after the change gets the product's features as they are now.
    const late = await subscribe()
    expect(await keys(stripe, late.customer)).toEqual([base.lookup_key, extra.lookup_key].sort())

    const renewal = await summaries(stripe, early.customer)
    await advancePast(early.sub.items.data[0]?.current_period_end ?? 0)
    expect(await keys(stripe, early.customer)).toEqual([base.lookup_key, extra.lookup_key].sort())
    const sent = await summaries(stripe, early.customer, renewal)
    expect(sent).toHaveLength(1)
    const summary = sent[0]?.data.object as Stripe.Entitlements.ActiveEntitlementSummary
    expect(summary.entitlements.data.map((e) => e.lookup_key).sort()).toEqual([base.lookup_key, extra.lookup_key].sort())
  })

  it.each([
    {
      how: "detached",
      remove: (stripe: Stripe, product: string, attached: string) => stripe.products.deleteFeature(product, attached),
    },
    {
      how: "archived",
      remove: (stripe: Stripe, _product: string, _attached: string, feature: string) =>
        stripe.entitlements.features.update(feature, { active: false }),
    },
  ])("a $how feature: kept by the existing subscription until it renews; not granted to a new one", async ({ how, remove }) => {
    const { stripe, product, base, extra, subscribe, advancePast } = await setup(how === "detached" ? "detach" : "archive")
    const pf = await stripe.products.createFeature(product.id, { entitlement_feature: extra.id })
    const early = await subscribe()
    expect(await keys(stripe, early.customer)).toEqual([base.lookup_key, extra.lookup_key].sort())

    const before = await summaries(stripe, early.customer)
    await remove(stripe, product.id, pf.id, extra.id)
    expect(await keys(stripe, early.customer)).toEqual([base.lookup_key, extra.lookup_key].sort())
    expect(await summaries(stripe, early.customer, before)).toEqual([])

    const late = await subscribe()
    expect(await keys(stripe, late.customer)).toEqual([base.lookup_key])

    const renewal = await summaries(stripe, early.customer)
    await advancePast(early.sub.items.data[0]?.current_period_end ?? 0)
    expect(await keys(stripe, early.customer)).toEqual([base.lookup_key])
    const sent = await summaries(stripe, early.customer, renewal)
    expect(sent).toHaveLength(1)
    const summary = sent[0]?.data.object as Stripe.Entitlements.ActiveEntitlementSummary
    expect(summary.entitlements.data.map((e) => e.lookup_key)).toEqual([base.lookup_key])
  })
})

describe("livemode on the rows (issue 23, item 7)", () => {
  it("the sync records Stripe's livemode; rows of the other mode than the app's key grant nothing", async () => {
    const s = await subscribedUser({ plan: "pro" })
    await deliverSince(s.stripe, s.customerId)
    expect(await hasEntitlement(s.user.id, "advanced_analytics")).toBe(true)
    const modes = async () =>
      (
        await sql().query(
          `select (select array_agg(distinct livemode) from user_subscriptions where stripe_customer_id = $1) as subs,
                  (select array_agg(distinct livemode) from billing_customers where stripe_customer_id = $1) as customers,
                  (select array_agg(distinct livemode) from active_entitlements where stripe_customer_id = $1) as entitlements`,
          [s.customerId],
        )
      ).rows[0]
    expect(await modes()).toEqual({ subs: [false], customers: [false], entitlements: [false] })
    // The app runs with a test key: rows a live key wrote (a shared database, a swapped key) grant nothing.
    await sql().query("update active_entitlements set livemode = true where stripe_customer_id = $1", [s.customerId])
    await sql().query("update user_subscriptions set livemode = true where stripe_customer_id = $1", [s.customerId])
    expect(await hasEntitlement(s.user.id, "advanced_analytics")).toBe(false)
    expect(await entitlementKeys(s.user.id)).toEqual(new Set())
  })
})

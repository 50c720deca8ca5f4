// The emulator behaves as Stripe documents at 2026-10-28.endive: its key, its validation errors,
// declines that create nothing, idempotency, previous_attributes, defaults instead of example values,
// test clocks and the portal's adjustable quantity. Every response here also passes the contract check.
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startCheckedEmulator } from "./support"

let em: Awaited<ReturnType<typeof startCheckedEmulator>>
let stripe: Stripe
let price: Stripe.Price

beforeAll(async () => {
  em = await startCheckedEmulator("stripe-fidelity", { secretKey: "sk_test_fidelity" })
  stripe = em.client()
  const product = await stripe.products.create({ name: "Pro" })
  price = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1500, recurring: { interval: "month" } })
})
afterAll(() => em.stop())

const raw = async (path: string, init: RequestInit & { key?: string } = {}) => {
  const res = await fetch(`${em.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${init.key ?? "sk_test_fidelity"}`,
      "content-type": "application/x-www-form-urlencoded",
      ...init.headers,
    },
  })
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { error?: Record<string, string> } & Record<string, unknown>,
  }
}

describe("authentication", () => {
  it("accepts only the configured secret key", async () => {
    expect(em.secretKey).toBe("sk_test_fidelity")
    const other = await raw("/v1/customers", { key: "sk_test_someone_else" })
    expect(other.status).toBe(401)
    expect(other.body.error).toMatchObject({ type: "invalid_request_error" })
    expect(other.body.error?.message).toMatch(/^Invalid API Key provided: sk_test_\*+else$/)
    expect((await raw("/v1/customers")).status).toBe(200)
  })
})

describe("list limits", () => {
  it("limit is an integer from 1 to 100", async () => {
    expect((await raw("/v1/customers?limit=1000")).body.error).toMatchObject({
      param: "limit",
      message: "This value must be less than or equal to 100 (it currently is '1000').",
    })
    expect((await raw("/v1/customers?limit=0")).body.error).toMatchObject({ param: "limit" })
    expect((await raw("/v1/customers?limit=abc")).body.error).toMatchObject({ code: "parameter_invalid_integer", param: "limit" })
    expect((await raw("/v1/customers?limit=100")).status).toBe(200)
  })
})

describe("test clocks", () => {
  it("create, attach a customer, advance (advancing → ready) through a renewal, list, delete", async () => {
    const start = Math.floor(Date.now() / 1000)
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: "renewal" })
    expect(clock).toMatchObject({ object: "test_helpers.test_clock", status: "ready", frozen_time: start, name: "renewal" })
    const customer = await stripe.customers.create({ email: "clock@example.com", test_clock: clock.id, payment_method: "pm_card_visa" })
    expect(customer.test_clock).toBe(clock.id)
    const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm?.id })
    expect(sub.test_clock).toBe(clock.id)
    const periodEnd = sub.items.data[0]?.current_period_end ?? 0

    // Advancing the emulator's own clock does not move a customer on a test clock.
    em.advance(40 * 86_400)
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.current_period_end).toBe(periodEnd)

    const advancing = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 3600 })
    expect(advancing.status).toBe("advancing")
    let now = advancing
    for (let i = 0; i < 100 && now.status !== "ready"; i++) {
      await new Promise((r) => setTimeout(r, 20))
      now = await stripe.testHelpers.testClocks.retrieve(clock.id)
    }
    expect(now).toMatchObject({ status: "ready", frozen_time: periodEnd + 3600 })
    const renewed = await stripe.subscriptions.retrieve(sub.id)
    expect(renewed.items.data[0]?.current_period_start).toBe(periodEnd)
    expect((await stripe.invoices.list({ customer: customer.id })).data.map((i) => i.billing_reason)).toEqual([
      "subscription_cycle",
      "subscription_create",
    ])
    const types = (await stripe.events.list({ limit: 100, type: "test_helpers.test_clock.*" })).data.map((e) => e.type)
    expect(types).toEqual(
      expect.arrayContaining(["test_helpers.test_clock.created", "test_helpers.test_clock.advancing", "test_helpers.test_clock.ready"]),
    )
    expect((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toContain(clock.id)
    expect((await stripe.subscriptions.list({ test_clock: clock.id })).data.map((s) => s.id)).toEqual([sub.id])

    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start })).rejects.toMatchObject({ param: "frozen_time" })
    expect(await stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({ id: clock.id, deleted: true })
    await expect(stripe.customers.retrieve(customer.id)).resolves.toMatchObject({ deleted: true })
    await expect(stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({ code: "resource_missing" })
  })
})

describe("a customer on a test clock", () => {
  it("is updated, previewed, changed in the portal and canceled at the clock's time, not the emulator's", async () => {
    const start = Math.floor(Date.now() / 1000)
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: "clock time" })
    const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: "pm_card_visa" })
    const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id, quantity: 2 }],
      default_payment_method: pm?.id,
    })
    const item = sub.items.data[0]
    if (!item) throw new Error("no item")
    // The emulator's own time runs 10 days ahead; the clock is moved 5 days.
    em.advance(10 * 86_400)
    const frozen = start + 5 * 86_400
    let now = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen })
    for (let i = 0; i < 100 && now.status !== "ready"; i++) now = await stripe.testHelpers.testClocks.retrieve(clock.id)
    const prorationStart = async () => {
      const [latest] = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data
      return latest?.lines.data.find((l) => l.parent?.subscription_item_details?.proration)?.period.start
    }

    const preview = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, quantity: 3 }], proration_behavior: "always_invoice" },
    })
    expect(preview.lines.data.map((l) => l.period.start)).toEqual([frozen, frozen])
    await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, quantity: 3 }], proration_behavior: "always_invoice" })
    expect(await prorationStart()).toBe(frozen)

    const cfg = await stripe.billingPortal.configurations.create({
      features: {
        subscription_update: {
          enabled: true,
          default_allowed_updates: ["quantity"],
          proration_behavior: "always_invoice",
          products: [
            { product: price.product as string, prices: [price.id], adjustable_quantity: { enabled: true, minimum: 1, maximum: 10 } },
          ],
        },
      },
    })
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: cfg.id,
      return_url: "http://app.test/back",
    })
    const confirmed = await fetch(`${session.url}/confirm`, {
      method: "POST",
      body: new URLSearchParams({ subscription: sub.id, price: price.id, quantity: "4" }),
      redirect: "manual",
    })
    expect(confirmed.status).toBe(303)
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(4)
    expect(await prorationStart()).toBe(frozen)

    expect(await stripe.subscriptions.cancel(sub.id)).toMatchObject({ status: "canceled", canceled_at: frozen, ended_at: frozen })
    await stripe.testHelpers.testClocks.del(clock.id)
  })
})

describe("portal adjustable_quantity", () => {
  it("is stored as Stripe documents it and enforced in the hosted portal", async () => {
    const team = await stripe.products.create({ name: "Team" })
    const seat = await stripe.prices.create({ product: team.id, currency: "usd", unit_amount: 800, recurring: { interval: "month" } })
    const cfg = await stripe.billingPortal.configurations.create({
      features: {
        subscription_update: {
          enabled: true,
          default_allowed_updates: ["price", "quantity"],
          proration_behavior: "none",
          products: [
            { product: price.product as string, prices: [price.id], adjustable_quantity: { enabled: false } },
            { product: team.id, prices: [seat.id], adjustable_quantity: { enabled: true, minimum: 2, maximum: 50 } },
          ],
        },
      },
    })
    const products = (
      cfg.features.subscription_update as { products?: Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product[] }
    ).products
    expect(products?.map((p) => p.adjustable_quantity)).toEqual([
      { enabled: false, minimum: 1, maximum: null },
      { enabled: true, minimum: 2, maximum: 50 },
    ])
    await expect(
      stripe.billingPortal.configurations.create({
        features: {
          subscription_update: {
            enabled: true,
            default_allowed_updates: ["quantity"],
            products: [{ product: team.id, prices: [seat.id], adjustable_quantity: { enabled: true, minimum: 5, maximum: 2 } }],
          },
        },
      }),
    ).rejects.toMatchObject({ param: "features[subscription_update][products][0][adjustable_quantity][maximum]" })

    const customer = await stripe.customers.create({ email: "seats@example.com", payment_method: "pm_card_visa" })
    const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: seat.id, quantity: 3 }],
      default_payment_method: pm?.id,
    })
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: cfg.id,
      return_url: "http://app.test/back",
    })
    const post = (quantity: number, priceId: string) =>
      fetch(`${session.url}/confirm`, {
        method: "POST",
        body: new URLSearchParams({ subscription: sub.id, price: priceId, quantity: String(quantity) }),
        redirect: "manual",
      })

    const form = await (await fetch(`${session.url}/update?subscription=${sub.id}`)).text()
    expect(form).toMatch(/name="quantity" type="number" min="2" max="50"/)
    expect((await post(1, seat.id)).status).toBe(400) // Team below its minimum
    expect((await post(51, seat.id)).status).toBe(400) // and above its maximum
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(3)
    expect((await post(10, seat.id)).status).toBe(303)
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.quantity).toBe(10)
    // Pro is fixed: switching to it ends with 1, whatever quantity the form sends.
    expect((await post(7, price.id)).status).toBe(303)
    const pro = (await stripe.subscriptions.retrieve(sub.id)).items.data[0]
    expect([pro?.price.id, pro?.quantity]).toEqual([price.id, 1])
  })
})

describe("how far a test clock may be advanced at once", () => {
  // Stripe: "Cannot be more than two intervals in the future from the shortest subscription in this test
  // clock. If there are no subscriptions in this test clock, it cannot be more than two years in the future."
  const advanceAndWait = async (clock: string, to: number) => {
    let now = await stripe.testHelpers.testClocks.advance(clock, { frozen_time: to })
    for (let i = 0; i < 100 && now.status !== "ready"; i++) {
      await new Promise((r) => setTimeout(r, 20))
      now = await stripe.testHelpers.testClocks.retrieve(clock)
    }
    return now
  }
  const at = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 1000

  it("without subscriptions: at most two years; with one: two of its intervals from frozen_time; the shortest live one counts", async () => {
    const start = at(2027, 1, 15)
    const empty = await stripe.testHelpers.testClocks.create({ frozen_time: start })
    await expect(stripe.testHelpers.testClocks.advance(empty.id, { frozen_time: at(2029, 1, 15) + 1 })).rejects.toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      param: "frozen_time",
    })
    expect(await advanceAndWait(empty.id, at(2029, 1, 15))).toMatchObject({ status: "ready", frozen_time: at(2029, 1, 15) })

    const quarterly = await stripe.prices.create({
      product: price.product as string,
      currency: "usd",
      unit_amount: 4000,
      recurring: { interval: "month", interval_count: 3 },
    })
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start })
    const customer = await stripe.customers.create({ test_clock: clock.id, payment_method: "pm_card_visa" })
    const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]?.id
    const longer = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: quarterly.id }],
      default_payment_method: pm,
    })
    // One 3-month subscription: six months from frozen_time.
    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: at(2027, 7, 15) + 1 })).rejects.toMatchObject({
      statusCode: 400,
      param: "frozen_time",
    })
    const monthly = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm })
    // The monthly one is the shortest: two months, measured from the clock's frozen_time as it moves.
    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: at(2027, 3, 15) + 1 })).rejects.toMatchObject({
      statusCode: 400,
      param: "frozen_time",
    })
    expect(await advanceAndWait(clock.id, at(2027, 3, 15))).toMatchObject({ status: "ready" })
    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: at(2027, 5, 15) + 1 })).rejects.toMatchObject({
      param: "frozen_time",
    })
    expect(await advanceAndWait(clock.id, at(2027, 5, 15))).toMatchObject({ status: "ready" })
    // A canceled subscription no longer counts: the quarterly one sets the limit again.
    await stripe.subscriptions.cancel(monthly.id)
    expect(await advanceAndWait(clock.id, at(2027, 11, 15))).toMatchObject({ status: "ready", frozen_time: at(2027, 11, 15) })
    expect((await stripe.subscriptions.retrieve(longer.id)).status).toBe("active")
  })
})

describe("a Checkout Session's expires_at", () => {
  const create = (expires_at?: number) =>
    stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost/ok",
      ...(expires_at === undefined ? {} : { expires_at }),
    })

  it("is 30 minutes to 24 hours after creation (default 24 hours); outside that range it is refused", async () => {
    const now = Number((await (await fetch(`${em.url}/_emulator/clock`)).json()).now)
    for (const bad of [now + 29 * 60, now + 86_400 + 120, now - 60])
      await expect(create(bad)).rejects.toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", param: "expires_at" })
    expect((await create(now + 31 * 60)).expires_at).toBe(now + 31 * 60)
    expect((await create(now + 23 * 3600)).expires_at).toBe(now + 23 * 3600)
    const dflt = await create()
    expect(dflt.expires_at - dflt.created).toBe(86_400)
  })
})

describe("listing Checkout Sessions", () => {
  it("filters by status, customer, customer_details[email], payment_intent, payment_link and created; refuses other filters", async () => {
    const make = (customer?: string) =>
      stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: "http://localhost/ok",
        ...(customer ? { customer } : {}),
      })
    const mine = (list: Stripe.ApiList<Stripe.Checkout.Session>, ids: string[]) =>
      list.data.map((s) => s.id).filter((id) => ids.includes(id))
    const customer = await stripe.customers.create({ email: "listed@example.com" })
    const open = await make(customer.id)
    const expired = await stripe.checkout.sessions.expire((await make()).id)
    const paidOne = await make()
    const paid = await fetch(paidOne.url ?? "", {
      method: "POST",
      body: new URLSearchParams({ email: "payer@example.com", cardnumber: "4242424242424242", exp: "12 / 40", cvc: "123", name: "P" }),
      redirect: "manual",
    })
    expect(paid.status).toBe(303)
    const ids = [open.id, expired.id, paidOne.id]
    const list = (p: Stripe.Checkout.SessionListParams) => stripe.checkout.sessions.list({ limit: 100, ...p })

    expect(mine(await list({ status: "open" }), ids)).toEqual([open.id])
    expect(mine(await list({ status: "expired" }), ids)).toEqual([expired.id])
    expect(mine(await list({ status: "complete" }), ids)).toEqual([paidOne.id])
    await expect(list({ status: "paid" as never })).rejects.toMatchObject({ statusCode: 400, param: "status" })
    expect(mine(await list({ customer: customer.id }), ids)).toEqual([open.id])
    expect(mine(await list({ customer_details: { email: "payer@example.com" } }), ids)).toEqual([paidOne.id])
    expect(mine(await list({ customer_details: { email: "nobody@example.com" } }), ids)).toEqual([])
    await expect(list({ customer_details: { phone: "1" } as never })).rejects.toMatchObject({ param: "customer_details[phone]" })
    expect(mine(await list({ payment_intent: "pi_none" }), ids)).toEqual([])
    expect(mine(await list({ payment_link: "plink_none" }), ids)).toEqual([])
    expect(mine(await list({ created: { gte: open.created } }), ids)).toEqual(ids.slice().reverse())
    expect(mine(await list({ created: { lt: open.created } }), ids)).toEqual([])
    expect(mine(await list({ created: open.created }), ids)).toContain(open.id)
    await expect(list({ created: { after: open.created } as never })).rejects.toMatchObject({ statusCode: 400, param: "created[after]" })
    await expect(list({ customer_account: "acct_1" })).rejects.toMatchObject({ statusCode: 400, param: "customer_account" })
  })
})

// The emulator behaves as Stripe documents at 2026-10-28.endive: its key, its validation errors,
// declines that create nothing, idempotency, previous_attributes, defaults instead of example values,
// test clocks and the portal's adjustable quantity. Every response here also passes the contract check.
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startCheckedEmulator } from "../support/contract"

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
  const res = await fetch(`${em.url}${path}`, { ...init, headers: { authorization: `Bearer ${init.key ?? "sk_test_fidelity"}`, "content-type": "application/x-www-form-urlencoded", ...init.headers } })
  return { status: res.status, headers: res.headers, body: (await res.json()) as { error?: Record<string, string> } & Record<string, unknown> }
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

describe("validation as Stripe words it", () => {
  it("limit is an integer from 1 to 100", async () => {
    expect((await raw("/v1/customers?limit=1000")).body.error).toMatchObject({ param: "limit", message: "This value must be less than or equal to 100 (it currently is '1000')." })
    expect((await raw("/v1/customers?limit=0")).body.error).toMatchObject({ param: "limit" })
    expect((await raw("/v1/customers?limit=abc")).body.error).toMatchObject({ code: "parameter_invalid_integer", param: "limit" })
    expect((await raw("/v1/customers?limit=100")).status).toBe(200)
  })

  it("refuses expand paths that are not expandable, and deeper than 4 levels", async () => {
    const c = await stripe.customers.create({ email: "expand@example.com" })
    await expect(stripe.customers.retrieve(c.id, { expand: ["nothing_here"] })).rejects.toMatchObject({ statusCode: 400, param: "expand[0]", message: "This property cannot be expanded (nothing_here)." })
    await expect(stripe.customers.retrieve(c.id, { expand: ["email"] })).rejects.toMatchObject({ param: "expand[0]" })
    await expect(stripe.subscriptions.list({ expand: ["data.a.b.c.d"] })).rejects.toMatchObject({ param: "expand[0]" })
  })

  it("refuses unknown parameters on list and retrieve endpoints too", async () => {
    await expect(stripe.products.list({ colour: "red" } as never)).rejects.toMatchObject({ code: "parameter_unknown", param: "colour" })
    await expect(stripe.webhookEndpoints.list({ colour: "red" } as never)).rejects.toMatchObject({ code: "parameter_unknown", param: "colour" })
    await expect(stripe.prices.retrieve(price.id, { colour: "red" } as never)).rejects.toMatchObject({ code: "parameter_unknown", param: "colour" })
  })

  it("names missing parameters (parameter_missing) and bad integers (parameter_invalid_integer)", async () => {
    await expect(stripe.products.create({} as never)).rejects.toMatchObject({ statusCode: 400, code: "parameter_missing", param: "name", message: "Missing required param: name." })
    await expect(stripe.prices.create({ product: price.product as string, currency: "usd", unit_amount: "x" as never })).rejects.toMatchObject({ code: "parameter_invalid_integer", param: "unit_amount" })
    await expect(stripe.testHelpers.testClocks.create({} as never)).rejects.toMatchObject({ code: "parameter_missing", param: "frozen_time" })
  })

  it("answers resource_missing with the parameter that named the missing object", async () => {
    await expect(stripe.customers.retrieve("cus_nope")).rejects.toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" })
    await expect(stripe.subscriptions.create({ customer: "cus_nope", items: [{ price: price.id }] })).rejects.toMatchObject({ code: "resource_missing", param: "customer" })
  })
})

describe("declines", () => {
  it("payment_behavior=error_if_incomplete: 402 card_error with decline_code, and nothing is created", async () => {
    const customer = await stripe.customers.create({ email: "decline@example.com" })
    const pm = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })
    const before = (await stripe.events.list({ limit: 100 })).data.length
    const err = await stripe.subscriptions
      .create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id, payment_behavior: "error_if_incomplete" })
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ type: "StripeCardError", statusCode: 402, code: "card_declined", decline_code: "generic_decline" })
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(0)
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(0)
    expect((await stripe.events.list({ limit: 100 })).data.length).toBe(before)
  })
})

describe("idempotency", () => {
  it("does not save a request refused by validation; a saved one replays, other parameters are refused", async () => {
    const key = `idem-${Math.random()}`
    await expect(stripe.products.create({ name: "A", colour: "red" } as never, { idempotencyKey: key })).rejects.toMatchObject({ param: "colour" })
    const ok = await stripe.products.create({ name: "A" }, { idempotencyKey: key })
    expect(ok.name).toBe("A")
    const again = await raw("/v1/products", { method: "POST", body: "name=A", headers: { "idempotency-key": key } })
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(again.body.id).toBe(ok.id)
    await expect(stripe.products.create({ name: "B" }, { idempotencyKey: key })).rejects.toMatchObject({ type: "StripeIdempotencyError", statusCode: 400 })
  })
})

describe("objects and events", () => {
  it("fields nobody set carry Stripe's defaults, not the fixtures' example values", async () => {
    const customer = await stripe.customers.create({})
    const session = await stripe.checkout.sessions.create({ mode: "subscription", customer: customer.id, line_items: [{ price: price.id }], success_url: "http://app.test/ok" })
    expect(session.total_details).toBeNull()
    expect(session.ui_mode).toBe("hosted_page")
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id })
    expect(sub.pending_invoice_item_interval).toBeNull()
    expect(sub.items.data[0]).toHaveProperty("current_trial", null)
    const product = await stripe.products.retrieve(price.product as string)
    expect(product).toHaveProperty("tax_details")
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string)
    expect(invoice).not.toHaveProperty("subscription") // moved to parent.subscription_details at this version
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id)
  })

  it("every *.updated event carries previous_attributes with the old values", async () => {
    const p = await stripe.prices.create({ product: price.product as string, currency: "usd", unit_amount: 100, recurring: { interval: "month" } })
    await stripe.prices.update(p.id, { nickname: "renamed" })
    const c = await stripe.customers.create({ name: "Old" })
    await stripe.customers.update(c.id, { name: "New" })
    const cfg = await stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } })
    await stripe.billingPortal.configurations.update(cfg.id, { features: { invoice_history: { enabled: false } } })
    const updated = (await stripe.events.list({ limit: 100 })).data.filter((e) => e.type.endsWith(".updated"))
    expect(updated.map((e) => e.type)).toEqual(expect.arrayContaining(["price.updated", "customer.updated", "billing_portal.configuration.updated"]))
    for (const e of updated) expect(e.data.previous_attributes, e.type).toBeTruthy()
    expect(updated.find((e) => e.type === "price.updated")?.data.previous_attributes).toMatchObject({ nickname: null })
    expect(updated.find((e) => e.type === "customer.updated")?.data.previous_attributes).toMatchObject({ name: "Old" })
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
    expect((await stripe.invoices.list({ customer: customer.id })).data.map((i) => i.billing_reason)).toEqual(["subscription_cycle", "subscription_create"])
    const types = (await stripe.events.list({ limit: 100, type: "test_helpers.test_clock.*" })).data.map((e) => e.type)
    expect(types).toEqual(expect.arrayContaining(["test_helpers.test_clock.created", "test_helpers.test_clock.advancing", "test_helpers.test_clock.ready"]))
    expect((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toContain(clock.id)
    expect((await stripe.subscriptions.list({ test_clock: clock.id })).data.map((s) => s.id)).toEqual([sub.id])

    await expect(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start })).rejects.toMatchObject({ param: "frozen_time" })
    expect(await stripe.testHelpers.testClocks.del(clock.id)).toMatchObject({ id: clock.id, deleted: true })
    await expect(stripe.customers.retrieve(customer.id)).resolves.toMatchObject({ deleted: true })
    await expect(stripe.testHelpers.testClocks.retrieve(clock.id)).rejects.toMatchObject({ code: "resource_missing" })
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
    const products = (cfg.features.subscription_update as { products?: Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product[] }).products
    expect(products?.map((p) => p.adjustable_quantity)).toEqual([{ enabled: false, minimum: 1, maximum: null }, { enabled: true, minimum: 2, maximum: 50 }])
    await expect(
      stripe.billingPortal.configurations.create({ features: { subscription_update: { enabled: true, default_allowed_updates: ["quantity"], products: [{ product: team.id, prices: [seat.id], adjustable_quantity: { enabled: true, minimum: 5, maximum: 2 } }] } } }),
    ).rejects.toMatchObject({ param: "features[subscription_update][products][0][adjustable_quantity][maximum]" })

    const customer = await stripe.customers.create({ email: "seats@example.com", payment_method: "pm_card_visa" })
    const pm = (await stripe.customers.listPaymentMethods(customer.id)).data[0]
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: seat.id, quantity: 3 }], default_payment_method: pm?.id })
    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: cfg.id, return_url: "http://app.test/back" })
    const post = (quantity: number, priceId: string) =>
      fetch(`${session.url}/confirm`, { method: "POST", body: new URLSearchParams({ subscription: sub.id, price: priceId, quantity: String(quantity) }), redirect: "manual" })

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

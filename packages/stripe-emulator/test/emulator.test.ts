import http from "node:http"
import type { AddressInfo } from "node:net"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startCheckedEmulator, must } from "./support"

let em: Awaited<ReturnType<typeof startCheckedEmulator>>
let stripe: Stripe
let price: Stripe.Price
let yearly: Stripe.Price

beforeAll(async () => {
  em = await startCheckedEmulator("stripe-emulator", { webhooks: { retryDelaysMs: [30, 60, 90] } })
  stripe = em.client()
  const product = await stripe.products.create({ name: "Pro" })
  price = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 1500,
    recurring: { interval: "month" },
    lookup_key: "pro_m",
  })
  yearly = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 15000, recurring: { interval: "year" } })
})
afterAll(() => em.stop())

async function pay(sessionUrl: string, card: string, email = "buyer@example.com") {
  return fetch(sessionUrl, {
    method: "POST",
    body: new URLSearchParams({ email, cardnumber: card, exp: "12 / 34", cvc: "123" }),
    redirect: "manual",
  })
}
async function checkout(card = "4242424242424242", extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  const customer = await stripe.customers.create({ email: `c${Math.random()}@example.com` })
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: "http://app.test/ok?id={CHECKOUT_SESSION_ID}",
    cancel_url: "http://app.test/cancel",
    ...extra,
  })
  const res = await pay(must(session.url, "session.url"), card)
  return { customer, session, res }
}

describe("API semantics", () => {
  it("answers 401 without a key and 404 resource_missing for unknown ids", async () => {
    const res = await fetch(`${em.url}/v1/customers`)
    expect(res.status).toBe(401)
    await expect(stripe.subscriptions.retrieve("sub_missing")).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
      param: "id",
    })
  })

  it("rejects unknown and invalid parameters with their name", async () => {
    await expect(stripe.customers.create({ colour: "red" } as never)).rejects.toMatchObject({
      statusCode: 400,
      type: "StripeInvalidRequestError",
      param: "colour",
    })
    await expect(stripe.prices.create({ product: "prod_nope", currency: "usd", unit_amount: 1 })).rejects.toMatchObject({
      param: "product",
    })
    await expect(stripe.subscriptions.list({ status: "sleeping" as never })).rejects.toMatchObject({ param: "status" })
  })

  it("replays an Idempotency-Key and refuses it with a different body", async () => {
    const a = await stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: "same" })
    const b = await stripe.customers.create({ email: "idem@example.com" }, { idempotencyKey: "same" })
    expect(b.id).toBe(a.id)
    await expect(stripe.customers.create({ email: "other@example.com" }, { idempotencyKey: "same" })).rejects.toMatchObject({
      type: "StripeIdempotencyError",
    })
  })

  it("paginates lists with has_more and starting_after, newest first", async () => {
    for (let i = 0; i < 5; i++) await stripe.customers.create({ email: `page${i}@example.com`, metadata: { batch: "p" } })
    const first = await stripe.customers.list({ limit: 2 })
    expect(first.has_more).toBe(true)
    const next = await stripe.customers.list({ limit: 2, starting_after: must(first.data[1], "first.data[1]").id })
    expect(must(next.data[0], "next.data[0]").id).not.toBe(must(first.data[1], "first.data[1]").id)
    const all: string[] = []
    for await (const c of stripe.customers.list({ limit: 3 })) all.push(c.id)
    expect(new Set(all).size).toBe(all.length)
    expect((await stripe.customers.search({ query: "metadata['batch']:'p'" })).data).toHaveLength(5)
  })

  it("finds prices by lookup key and expands their product", async () => {
    const list = await stripe.prices.list({ lookup_keys: ["pro_m"], expand: ["data.product"] })
    expect((must(list.data[0], "list.data[0]").product as Stripe.Product).name).toBe("Pro")
  })
})

describe("hosted Checkout", () => {
  it("declines 0002 in Stripe's words and creates nothing", async () => {
    const customersBefore = (await stripe.customers.list({ limit: 100 })).data.length
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer_email: "decline@example.com",
      line_items: [{ price: price.id }],
      success_url: "http://app.test/ok",
    })
    const res = await pay(must(session.url, "session.url"), "4000 0000 0000 0002", "decline@example.com")
    expect(res.status).toBe(402)
    expect(await res.text()).toContain("Your card was declined.")
    expect((await pay(must(session.url, "session.url"), "4000000000009995", "decline@example.com")).status).toBe(402)
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open")
    expect((await stripe.customers.list({ limit: 100 })).data.length).toBe(customersBefore)
  })

  it("completes: subscription active, invoice paid, success URL with the session id", async () => {
    const { session, res } = await checkout()
    expect(res.status).toBe(303)
    expect(res.headers.get("location")).toBe(`http://app.test/ok?id=${session.id}`)
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription.latest_invoice"] })
    const sub = done.subscription as Stripe.Subscription
    expect(done.status).toBe("complete")
    expect(sub.status).toBe("active")
    expect((sub.latest_invoice as Stripe.Invoice).status).toBe("paid")
    expect(must(sub.items.data[0], "sub.items.data[0]").current_period_end).toBeGreaterThan(
      must(sub.items.data[0], "sub.items.data[0]").current_period_start,
    )
    const items = await stripe.checkout.sessions.listLineItems(session.id)
    expect(must(items.data[0]?.price, "the line item's price").id).toBe(price.id)
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ["line_items"] })
    expect(expanded.line_items?.data[0]?.quantity).toBe(1)
  })

  it("starts trials without charging", async () => {
    const { session } = await checkout("4242424242424242", { subscription_data: { trial_period_days: 14 } })
    const sub = (await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] })).subscription as Stripe.Subscription
    expect(sub.status).toBe("trialing")
    expect(must(sub.trial_end, "sub.trial_end") - must(sub.trial_start, "sub.trial_start")).toBe(14 * 86400)
  })

  it("expires sessions", async () => {
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id }],
      success_url: "http://app.test/ok",
    })
    await stripe.checkout.sessions.expire(s.id)
    expect((await fetch(must(s.url, "s.url"))).status).toBe(410)
  })
})

describe("subscriptions over time", () => {
  it("renews, and a card failing at renewal goes past_due then canceled after the retries", async () => {
    const { session } = await checkout("4000000000000341") // attaches, fails when charged later
    // 0341 fails the first charge too; Checkout refuses it like Stripe.
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open")
    const customer = await stripe.customers.create({ email: "renew@example.com" })
    const pm = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } })
    const good = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: good.id })
    expect(sub.status).toBe("active")
    await stripe.subscriptions.update(sub.id, { default_payment_method: pm.id })
    em.advance(31 * 86400)
    const pastDue = await stripe.subscriptions.retrieve(sub.id, { expand: ["latest_invoice"] })
    expect(pastDue.status).toBe("past_due")
    expect((pastDue.latest_invoice as Stripe.Invoice).next_payment_attempt).not.toBeNull()
    em.advance(20 * 86400)
    const ended = await stripe.subscriptions.retrieve(sub.id)
    expect(ended.status).toBe("canceled")
    expect(ended.cancellation_details?.reason).toBe("payment_failed")
  })

  it("ends a subscription canceled at period end, with customer.subscription.deleted", async () => {
    const { session } = await checkout()
    const subId = (await stripe.checkout.sessions.retrieve(session.id)).subscription as string
    const updated = await stripe.subscriptions.update(subId, { cancel_at_period_end: true })
    expect(updated.cancel_at).toBe(must(updated.items.data[0], "updated.items.data[0]").current_period_end)
    em.advance(32 * 86400)
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe("canceled")
    const deleted = await stripe.events.list({ type: "customer.subscription.deleted" })
    expect(deleted.data.some((e) => (e.data.object as Stripe.Subscription).id === subId)).toBe(true)
    expect(
      (await stripe.subscriptions.list({ customer: (await stripe.subscriptions.retrieve(subId)).customer as string })).data,
    ).toHaveLength(0)
  })

  it("switches price and quantity with an invoice for the difference", async () => {
    const { session } = await checkout()
    const sub = await stripe.subscriptions.retrieve((await stripe.checkout.sessions.retrieve(session.id)).subscription as string)
    const changed = await stripe.subscriptions.update(sub.id, {
      items: [{ id: must(sub.items.data[0], "sub.items.data[0]").id, price: yearly.id, quantity: 2 }],
      proration_behavior: "always_invoice",
    })
    expect(must(changed.items.data[0], "changed.items.data[0]").price.id).toBe(yearly.id)
    expect(must(changed.items.data[0], "changed.items.data[0]").quantity).toBe(2)
    const invoice = await stripe.invoices.retrieve(changed.latest_invoice as string)
    expect(invoice.billing_reason).toBe("subscription_update")
    expect(invoice.status).toBe("paid")
    expect(invoice.total).toBeGreaterThan(0)
    const page = await fetch(must(invoice.hosted_invoice_url, "invoice.hosted_invoice_url"))
    expect(await page.text()).toContain(must(invoice.number, "invoice.number"))
    const pdf = await fetch(must(invoice.invoice_pdf, "invoice.invoice_pdf"))
    expect(pdf.headers.get("content-type")).toBe("application/pdf")
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-")
  })
})

describe("Customer Portal", () => {
  it("validates configurations and sessions as Stripe does", async () => {
    const customer = await stripe.customers.create({})
    await expect(stripe.billingPortal.sessions.create({ customer: customer.id })).rejects.toMatchObject({ param: "configuration" })
    const cfg = await stripe.billingPortal.configurations.create({
      features: { payment_method_update: { enabled: true }, invoice_history: { enabled: true }, subscription_cancel: { enabled: false } },
    })
    expect(cfg.is_default).toBe(true)
    await expect(
      stripe.billingPortal.sessions.create({
        customer: customer.id,
        flow_data: { type: "subscription_cancel", subscription_cancel: { subscription: "sub_x" } },
      }),
    ).rejects.toMatchObject({ param: "flow_data[type]" })
    const s = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "http://app.test/back" })
    expect(s.url).toContain(`/p/session/${s.id}`)
    expect(s.configuration).toBe(cfg.id)
  })
})

describe("webhooks", () => {
  it("signs deliveries, retries non-2xx with back-off, and can duplicate and reorder", async () => {
    const seen: { id: string; ok: boolean }[] = []
    let failFirst = true
    let secret = ""
    const server = http.createServer((req, res) => void receive(req, res))
    const receive = async (req: http.IncomingMessage, res: http.ServerResponse) => {
      let body = ""
      for await (const chunk of req) body += chunk
      const event = stripe.webhooks.constructEvent(body, String(req.headers["stripe-signature"]), secret)
      const ok = !(failFirst && event.type === "customer.created")
      if (!ok) failFirst = false
      seen.push({ id: event.id, ok })
      res.statusCode = ok ? 200 : 500
      res.end()
    }
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    const endpoint = await stripe.webhookEndpoints.create({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      enabled_events: ["customer.created", "customer.updated"],
    })
    secret = must(endpoint.secret, "endpoint.secret")
    try {
      const c = await stripe.customers.create({ email: "hook@example.com" })
      await em.webhooks.idle()
      const created = seen.filter((s) => s.ok === false || s.id === must(seen[0], "seen[0]").id)
      expect(created.map((s) => s.ok)).toEqual([false, true]) // retried after the 500
      em.webhooks.chaos = { duplicate: 1, reorder: true, delayMs: [0, 20] }
      for (let i = 0; i < 5; i++) await stripe.customers.update(c.id, { name: `n${i}` })
      await em.webhooks.idle()
      const updates = seen.slice(2)
      expect(updates).toHaveLength(10) // every event twice
      expect(new Set(updates.map((u) => u.id)).size).toBe(5)
      const log = em.webhooks.deliveries.filter((d) => d.endpoint.endsWith("/hook"))
      expect(log.some((d) => d.status === 500 && d.attempt === 1)).toBe(true)
    } finally {
      em.webhooks.chaos = { duplicate: 0, reorder: false, delayMs: [0, 0] }
      await stripe.webhookEndpoints.update(endpoint.id, { disabled: true })
      server.close()
    }
  })
})

describe("branding", () => {
  it("shows a neutral account by default and the configured name and colour when given; refuses a non-hex colour", async () => {
    const page = async (s: Stripe.Checkout.Session) => (await fetch(must(s.url, "session url"))).text()
    const session = (client: Stripe, p: string) =>
      client.checkout.sessions.create({ mode: "subscription", line_items: [{ price: p }], success_url: "http://app.test/ok" })
    const neutral = await page(await session(stripe, price.id))
    expect(neutral).toContain("<span>Test account</span>")
    expect(neutral).not.toMatch(/subkit/i)

    const acme = await startCheckedEmulator("stripe-emulator-branding", { branding: { accountName: "Acme & Co", primaryColor: "#0a7cff" } })
    try {
      const client = acme.client()
      const product = await client.products.create({ name: "Plus" })
      const p = await client.prices.create({ product: product.id, currency: "usd", unit_amount: 900, recurring: { interval: "month" } })
      const html = await page(await session(client, p.id))
      expect(html).toContain("<span>Acme &amp; Co</span>")
      expect(html).toContain("you allow Acme &amp; Co to charge you")
      expect(html).toContain(":root{--brand:#0a7cff}")
      const customer = await client.customers.create({ email: "a@example.com", payment_method: "pm_card_visa" })
      const pm = must((await client.paymentMethods.list({ customer: customer.id })).data[0], "pm").id
      await client.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } })
      const sub = await client.subscriptions.create({ customer: customer.id, items: [{ price: p.id }], expand: ["latest_invoice"] })
      expect((sub.latest_invoice as Stripe.Invoice).account_name).toBe("Acme & Co")
    } finally {
      await acme.stop()
    }
    await expect(
      startCheckedEmulator("stripe-emulator-bad-colour", { branding: { primaryColor: "red;}body{display:none" } }),
    ).rejects.toThrow(/hex colour/)
  })
})

describe("Checkout in payment mode", () => {
  it("a one-time price: the hosted page charges it once through a PaymentIntent; completed with payment_status paid", async () => {
    const product = await stripe.products.create({ name: "Credit pack" })
    const once = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1000 })
    const customer = await stripe.customers.create({ email: `pack${Math.random()}@example.com` })
    await expect(
      stripe.checkout.sessions.create({
        mode: "payment",
        customer: customer.id,
        line_items: [{ price: price.id }],
        success_url: "http://app.test/ok",
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "line_items[0][price]", message: expect.stringMatching(/recurring price/) })
    await expect(
      stripe.checkout.sessions.create({
        mode: "subscription",
        customer: customer.id,
        line_items: [{ price: once.id }],
        success_url: "http://app.test/ok",
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "line_items[0][price]" })
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: customer.id,
      line_items: [{ price: once.id, quantity: 1 }],
      payment_intent_data: { metadata: { pack: "p1" } },
      metadata: { pack: "p1" },
      success_url: "http://app.test/ok?id={CHECKOUT_SESSION_ID}",
    })
    expect(session).toMatchObject({
      mode: "payment",
      payment_intent: null,
      payment_status: "unpaid",
      amount_total: 1000,
      subscription: null,
    })
    const page = await (await fetch(must(session.url, "url"))).text()
    expect(page).toContain(">Pay<")
    expect(page).not.toContain("per month")
    const declined = await pay(must(session.url, "url"), "4000000000000002")
    expect(declined.status).toBe(402)
    const res = await pay(must(session.url, "url"), "4242424242424242")
    expect(res.headers.get("location")).toBe(`http://app.test/ok?id=${session.id}`)
    const done = await stripe.checkout.sessions.retrieve(session.id)
    expect(done).toMatchObject({ status: "complete", payment_status: "paid", customer: customer.id, subscription: null, invoice: null })
    const pi = await stripe.paymentIntents.retrieve(must(done.payment_intent as string | null, "payment_intent"))
    expect(pi).toMatchObject({
      status: "succeeded",
      amount: 1000,
      amount_received: 1000,
      currency: "usd",
      customer: customer.id,
      metadata: { pack: "p1" },
    })
    // The card paid once; it is not saved to the customer (no setup_future_usage).
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toEqual([])
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toEqual([])
    const events = (await stripe.events.list({ limit: 20 })).data.filter(
      (e) => (e.data.object as { id: string }).id === session.id || (e.data.object as { id: string }).id === pi.id,
    )
    expect(events.map((e) => e.type).reverse()).toEqual([
      "payment_intent.created",
      "payment_intent.succeeded",
      "checkout.session.completed",
    ])
    // Paid: the page redirects to the success URL; a second payment is impossible.
    expect((await pay(must(session.url, "url"), "4242424242424242")).status).toBe(303)
    expect((await stripe.checkout.sessions.list({ payment_intent: pi.id })).data.map((s) => s.id)).toEqual([session.id])
  })
})

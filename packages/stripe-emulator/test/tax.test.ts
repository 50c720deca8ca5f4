// Stripe Tax in the emulator (src/tax.ts): the test-rate table on Checkout (the hosted page's address,
// VAT number and tax line), on subscription invoices, renewals and previews; reverse charge for an EU
// business; requires_location_inputs without an address. Rates are the emulator's TEST rates.
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { advanceTestClock, must, startCheckedEmulator } from "./support"

let em: Awaited<ReturnType<typeof startCheckedEmulator>>
let stripe: Stripe
let exclusive: Stripe.Price
let inclusive: Stripe.Price

beforeAll(async () => {
  em = await startCheckedEmulator("stripe-emulator-tax")
  stripe = em.client()
  const product = await stripe.products.create({ name: "Pro" })
  exclusive = await stripe.prices.create({
    product: product.id,
    currency: "eur",
    unit_amount: 1500,
    recurring: { interval: "month" },
    tax_behavior: "exclusive",
  })
  inclusive = await stripe.prices.create({
    product: product.id,
    currency: "eur",
    unit_amount: 1500,
    recurring: { interval: "month" },
    tax_behavior: "inclusive",
  })
})
afterAll(() => em.stop())

const session = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
  stripe.checkout.sessions.create({
    mode: "subscription",
    customer_email: `tax${Math.random()}@example.com`,
    line_items: [{ price: exclusive.id, quantity: 1 }],
    success_url: "http://app.test/ok?id={CHECKOUT_SESSION_ID}",
    automatic_tax: { enabled: true },
    tax_id_collection: { enabled: true },
    ...extra,
  })

const form = (fields: Record<string, string>) => ({
  method: "POST",
  body: new URLSearchParams({ cardnumber: "4242424242424242", exp: "12 / 34", cvc: "123", ...fields }),
  redirect: "manual" as const,
})

describe("hosted Checkout with automatic tax", () => {
  it("asks for the address, shows the tax for it, charges it and saves the address on the customer", async () => {
    const s = await session()
    const url = must(s.url, "url")
    expect(s.automatic_tax).toMatchObject({ enabled: true, status: "requires_location_inputs" })
    const first = await (await fetch(url)).text()
    expect(first).toContain("Enter address to calculate")
    expect(first).toContain('name="tax_id"')
    // "Update total" with a German address: 19% on top.
    const updated = await (await fetch(url, form({ tax_action: "calculate", email: "x@example.com", country: "DE" }))).text()
    expect(updated).toMatch(/Tax \(19%\)[\s\S]*€2\.85/)
    expect(updated).toContain("€17.85")
    const paid = await fetch(url, form({ email: "de@example.com", country: "DE", address_postal_code: "10115", address_city: "Berlin" }))
    expect(paid.status).toBe(303)
    const done = await stripe.checkout.sessions.retrieve(s.id)
    expect(done).toMatchObject({ amount_subtotal: 1500, amount_total: 1785, total_details: { amount_tax: 285 } })
    expect(done.automatic_tax.status).toBe("complete")
    expect(done.customer_details?.address?.country).toBe("DE")
    const customer = (await stripe.customers.retrieve(done.customer as string)) as Stripe.Customer
    expect(customer.address).toMatchObject({ country: "DE", postal_code: "10115", city: "Berlin" })
    const sub = await stripe.subscriptions.retrieve(done.subscription as string)
    expect(sub.automatic_tax.enabled).toBe(true)
    const inv = await stripe.invoices.retrieve(done.invoice as string)
    expect(inv).toMatchObject({ total: 1785, amount_paid: 1785, total_excluding_tax: 1500 })
    const page = await (await fetch(must(inv.hosted_invoice_url, "hosted"))).text()
    expect(page).toMatch(/VAT 19% · DE[\s\S]*€2\.85/)
    expect(page).not.toContain("Reverse charge")
  })

  it("a German business with a VAT number is reverse charged; the tax id and business name are saved", async () => {
    const s = await session()
    const res = await fetch(
      must(s.url, "url"),
      form({ email: "b2b@example.com", country: "DE", business_name: "Beispiel GmbH", tax_id: "DE 123456789" }),
    )
    expect(res.status).toBe(303)
    const done = await stripe.checkout.sessions.retrieve(s.id)
    expect(done).toMatchObject({ amount_total: 1500, total_details: { amount_tax: 0 } })
    expect(done.customer_details).toMatchObject({ business_name: "Beispiel GmbH", tax_ids: [{ type: "eu_vat", value: "DE123456789" }] })
    const customerId = done.customer as string
    expect(((await stripe.customers.retrieve(customerId)) as Stripe.Customer).name).toBe("Beispiel GmbH")
    expect((await stripe.customers.listTaxIds(customerId)).data).toEqual([
      expect.objectContaining({
        type: "eu_vat",
        value: "DE123456789",
        country: "DE",
        verification: expect.objectContaining({ status: "verified" }),
      }),
    ])
    const inv = await stripe.invoices.retrieve(done.invoice as string)
    expect(inv.total_taxes).toEqual([expect.objectContaining({ amount: 0, taxability_reason: "reverse_charge", taxable_amount: 1500 })])
    expect(inv.customer_tax_ids).toEqual([{ type: "eu_vat", value: "DE123456789" }])
    const page = await (await fetch(must(inv.hosted_invoice_url, "hosted"))).text()
    expect(page).toContain("Reverse charge: VAT to be accounted for by the recipient.")
  })

  it("refuses to complete without an address, and with a malformed VAT number; nothing is created", async () => {
    const s = await session()
    const none = await fetch(must(s.url, "url"), form({ email: "none@example.com", country: "" }))
    expect(none.status).toBe(402)
    expect(await none.text()).toContain("Enter your billing address")
    const bad = await fetch(must(s.url, "url"), form({ email: "none@example.com", country: "FR", tax_id: "FR12" }))
    expect(await bad.text()).toContain("Your tax ID is invalid")
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open")
    expect((await stripe.customers.list({ email: "none@example.com" })).data).toHaveLength(0)
  })

  it("an existing customer with an address: the session's tax is known at creation (US-CA 7.25%)", async () => {
    const customer = await stripe.customers.create({
      email: "ca@example.com",
      address: { country: "US", state: "CA", postal_code: "94103", line1: "1 Market St", city: "San Francisco" },
    })
    const s = await session({ customer: customer.id, customer_email: undefined, customer_update: { address: "auto", name: "auto" } })
    expect(s).toMatchObject({ amount_total: 1609, total_details: { amount_tax: 109 }, automatic_tax: { status: "complete" } })
  })
})

describe("subscription invoices with automatic tax", () => {
  it("an inclusive price: the tax is inside the price; the renewal on a test clock and its preview are taxed too", async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) })
    const customer = await stripe.customers.create({
      test_clock: clock.id,
      payment_method: "pm_card_visa",
      address: { country: "GB", postal_code: "SW1A 1AA" },
    })
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: inclusive.id }],
      default_payment_method: (await stripe.customers.listPaymentMethods(customer.id)).data[0]?.id,
      automatic_tax: { enabled: true },
      expand: ["latest_invoice"],
    })
    const first = sub.latest_invoice as Stripe.Invoice
    // 20% included in 15.00: 15.00 − 15.00 / 1.2 = 2.50.
    expect(first).toMatchObject({ total: 1500, subtotal: 1500, total_excluding_tax: 1250, amount_paid: 1500 })
    expect(first.total_taxes).toEqual([expect.objectContaining({ amount: 250, tax_behavior: "inclusive", taxable_amount: 1250 })])
    const preview = await stripe.invoices.createPreview({ subscription: sub.id })
    expect(preview.total_taxes?.[0]?.amount).toBe(250)
    await advanceTestClock(stripe, clock.id, must(sub.items.data[0], "item").current_period_end + 60)
    const renewal = (await stripe.invoices.list({ subscription: sub.id })).data.find((i) => i.billing_reason === "subscription_cycle")
    expect(renewal).toMatchObject({ total: 1500, total_excluding_tax: 1250, status: "paid" })
    expect(renewal?.automatic_tax).toMatchObject({ enabled: true, status: "complete" })
  })

  it("turning automatic tax off on the subscription: the next preview has none; a preview can ask for it", async () => {
    const customer = await stripe.customers.create({ payment_method: "pm_card_visa", address: { country: "AU", postal_code: "2000" } })
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: exclusive.id }],
      default_payment_method: (await stripe.customers.listPaymentMethods(customer.id)).data[0]?.id,
      automatic_tax: { enabled: true },
    })
    expect((await stripe.invoices.createPreview({ subscription: sub.id })).total).toBe(1650)
    const off = await stripe.subscriptions.update(sub.id, { automatic_tax: { enabled: false } })
    expect(off.automatic_tax.enabled).toBe(false)
    const untaxed = await stripe.invoices.createPreview({ subscription: sub.id })
    expect(untaxed).toMatchObject({ total: 1500, total_taxes: [], automatic_tax: { enabled: false } })
    expect((await stripe.invoices.createPreview({ subscription: sub.id, automatic_tax: { enabled: true } })).total).toBe(1650)
  })
})

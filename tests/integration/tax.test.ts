// Stripe Tax in the app (issue 20, item 6), STRIPE_TAX=on: Checkout opened by the app collects the
// billing address and VAT id and charges the emulator's test rate; the invoice history keeps the tax;
// the plan-change preview shows it; a French business with a valid VAT id is reverse charged; a
// customer Stripe Tax cannot place (no address) gets a clear message instead of a change. Real
// Postgres, the emulator through the SDK, the app's own modules.
import { afterAll, describe, expect, it, vi } from "vitest"
import { CREDIT_PACKS, creditGrantCents } from "@/lib/billing/catalog"
import { startCheckout } from "@/lib/billing/checkout/start-checkout"
import { startCreditCheckout } from "@/lib/billing/credits/buy"
import { flushCreditGrants } from "@/lib/billing/credits/purchases"
import { listInvoices } from "@/lib/billing/invoices/store"
import { confirmPlan, previewPlan } from "@/lib/billing/plan-change/change-plan"
import { syncUserNow } from "@/lib/billing/sync/eager"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { createUser, customerOnTestClock, stripeClient } from "../support/helpers"
import { must } from "../support/must"

vi.hoisted(() => {
  process.env.STRIPE_TAX = "on"
})

afterAll(() => pool.end())

const PACK = CREDIT_PACKS.reports_200

const ok = <T extends { ok: boolean }>(r: T) => {
  expect(r, r.ok ? "" : (r as unknown as { message: string }).message).toMatchObject({ ok: true })
  return r as Extract<T, { ok: true }>
}

/** Pays a session on the emulator's hosted page with a Visa and the billing `fields` entered. */
const payOnHostedPage = (url: string, fields: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    body: new URLSearchParams({ cardnumber: "4242424242424242", exp: "12 / 34", cvc: "123", ...fields }),
    redirect: "manual",
  })

type Preview = Extract<Awaited<ReturnType<typeof previewPlan>>, { ok: true }>["preview"]
/** Confirms the change to Team (monthly) at what the preview said. */
const confirmTeam = (user: Parameters<typeof confirmPlan>[0], preview: Preview) =>
  confirmPlan(user, {
    plan: "team",
    interval: "month",
    itemId: preview.itemId,
    fromPriceId: preview.fromPriceId,
    fromQuantity: preview.fromQuantity,
    prorationDate: preview.prorationDate,
    amountDue: preview.amountDue,
  })

/** Subscribes through the app's Checkout, entering a billing address (and a VAT number) on the hosted page. */
async function subscribeWithAddress(fields: Record<string, string>) {
  const stripe = stripeClient()
  const user = await createUser()
  const started = ok(await startCheckout(user, { plan: "pro", interval: "month" }))
  const sessionId = must(/\/(cs_[A-Za-z0-9_]+)/.exec(started.url)?.[1], "session id")
  const opened = await stripe.checkout.sessions.retrieve(sessionId)
  const res = await payOnHostedPage(started.url, fields)
  const session = await stripe.checkout.sessions.retrieve(sessionId)
  return { stripe, user, opened, res, session }
}

describe("Checkout with STRIPE_TAX=on", () => {
  it("a German customer pays 19% tax: on Checkout, the invoice, the invoice history and the plan-change preview", async () => {
    const { stripe, user, opened, res, session } = await subscribeWithAddress({
      country: "DE",
      address_postal_code: "10115",
      address_city: "Berlin",
    })
    // What the app asked Checkout for.
    expect(opened.automatic_tax.enabled).toBe(true)
    expect(opened.tax_id_collection?.enabled).toBe(true)
    expect(opened.billing_address_collection).toBe("required")
    expect(res.status).toBe(303)
    expect(session).toMatchObject({ status: "complete", amount_total: 1785, total_details: { amount_tax: 285 } })
    const customer = await stripe.customers.retrieve(session.customer as string)
    expect(customer).toMatchObject({ address: { country: "DE", postal_code: "10115" } }) // customer_update[address]=auto
    await deliverCustomerEvents(session.customer as string)
    const history = await listInvoices(user.id)
    expect(history.invoices[0]).toMatchObject({ amountDue: 1785, tax: 285, reverseCharge: false })
    // Pro → Team (2 seats at $12): the prorated difference and the next invoice, each with 19% on top.
    await syncUserNow(user.id, { force: true })
    const { preview } = ok(await previewPlan(user, { plan: "team", interval: "month" }))
    expect(preview.taxNeedsAddress).toBe(false)
    expect(preview.tax).toBe(Math.round(((preview.amountDue - preview.tax) * 19) / 100))
    expect(preview.nextInvoice).toMatchObject({ amount: 2856, tax: 456 })
    ok(await confirmTeam(user, preview))
    const sub = await stripe.subscriptions.retrieve(session.subscription as string)
    const changed = await stripe.invoices.retrieve(sub.latest_invoice as string)
    expect(changed).toMatchObject({ billing_reason: "subscription_update", total: preview.amountDue })
    expect(changed.total_taxes?.reduce((s, t) => s + t.amount, 0)).toBe(preview.tax)
  })

  it("a French business with a valid VAT id is reverse charged: no tax, the VAT id and business name on the customer", async () => {
    const { stripe, user, session } = await subscribeWithAddress({
      country: "FR",
      address_postal_code: "75001",
      business_name: "Exemple SARL",
      tax_id: "FR12345678901",
    })
    expect(session).toMatchObject({ status: "complete", amount_total: 1500, total_details: { amount_tax: 0 } })
    const customerId = session.customer as string
    expect(await stripe.customers.retrieve(customerId)).toMatchObject({ name: "Exemple SARL" }) // customer_update[name]=auto
    expect((await stripe.customers.listTaxIds(customerId)).data).toEqual([expect.objectContaining({ value: "FR12345678901" })])
    const invoice = await stripe.invoices.retrieve(session.invoice as string)
    expect(invoice.total_taxes).toEqual([expect.objectContaining({ amount: 0, taxability_reason: "reverse_charge" })])
    await deliverCustomerEvents(customerId)
    expect((await listInvoices(user.id)).invoices[0]).toMatchObject({ amountDue: 1500, tax: 0, reverseCharge: true })
    await syncUserNow(user.id, { force: true })
    const { preview } = ok(await previewPlan(user, { plan: "team", interval: "month" }))
    expect(preview).toMatchObject({ tax: 0, taxNeedsAddress: false, nextInvoice: { amount: 2400, tax: 0 } })
  })

  it("Checkout will not complete without a billing address: the hosted page says what is missing", async () => {
    const { res, session } = await subscribeWithAddress({ country: "" })
    expect(res.status).toBe(402)
    expect(await res.text()).toContain("Enter your billing address")
    expect(session.status).toBe("open")
  })
})

describe("a credit pack with STRIPE_TAX=on", () => {
  it("Checkout (mode=payment) charges the pack's price plus the German rate; the grant is the pack's value, not the tax", async () => {
    const stripe = stripeClient()
    const user = await createUser()
    const started = ok(await startCreditCheckout(user, { pack: PACK.id, from: "dashboard" }))
    const sessionId = must(/\/(cs_[A-Za-z0-9_]+)/.exec(started.url)?.[1], "session id")
    const opened = await stripe.checkout.sessions.retrieve(sessionId)
    expect(opened).toMatchObject({ mode: "payment", automatic_tax: { enabled: true }, billing_address_collection: "required" })
    const res = await payOnHostedPage(started.url, { country: "DE", address_postal_code: "10115", address_city: "Berlin" })
    expect(res.status).toBe(303)
    const session = await stripe.checkout.sessions.retrieve(sessionId)
    const tax = Math.round(PACK.priceCents * 0.19)
    expect(session).toMatchObject({
      status: "complete",
      payment_status: "paid",
      amount_subtotal: PACK.priceCents,
      amount_total: PACK.priceCents + tax,
      total_details: { amount_tax: tax },
      customer_details: { address: { country: "DE" } },
    })
    const pi = await stripe.paymentIntents.retrieve(session.payment_intent as string)
    expect(pi.amount).toBe(PACK.priceCents + tax)
    // The grant the drain makes is for usage, worth the pack's units: tax is not credit.
    await deliverCustomerEvents(session.customer as string)
    await flushCreditGrants()
    const grants = await stripe.billing.creditGrants.list({ customer: session.customer as string })
    expect(grants.data.map((g) => g.amount.monetary?.value)).toEqual([creditGrantCents(PACK)])
  })
})

describe("a customer Stripe Tax cannot place", () => {
  it("no address (subscribed before STRIPE_TAX): the preview says requires_location_inputs, the change is refused with a clear message", async () => {
    const user = await createUser()
    const { stripe, customer } = await customerOnTestClock(user)
    const monthly = must((await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0], "pro monthly")
    await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id }],
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliverCustomerEvents(customer.id)
    const { preview } = ok(await previewPlan(user, { plan: "team", interval: "month" }))
    expect(preview).toMatchObject({ taxNeedsAddress: true, tax: 0 })
    const refused = await confirmTeam(user, preview)
    expect(refused).toMatchObject({ ok: false, code: "tax_address_required", message: expect.stringMatching(/billing address/) })
    // Nothing changed at Stripe.
    const sub = (await stripe.subscriptions.list({ customer: customer.id })).data[0]
    expect(sub?.items.data[0]?.price.id).toBe(monthly.id)
    // With an address (as the portal's Billing information saves it), the same change goes through, taxed.
    await stripe.customers.update(customer.id, { address: { country: "GB", postal_code: "SW1A 1AA" } })
    const again = ok(await previewPlan(user, { plan: "team", interval: "month" })).preview
    expect(again.taxNeedsAddress).toBe(false)
    expect(again.nextInvoice).toMatchObject({ amount: 2880, tax: 480 })
  })
})

// Coupons and promotion codes in the emulator, through the real `stripe` SDK: creating them, each
// refusal with Stripe's code and message, the discount on the Checkout Session, the subscription and
// its invoices, and the discount's end driven by a test clock. Every response passes the contract check.
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startCheckedEmulator, advanceTestClock } from "./support"

const DAY = 86_400
let em: Awaited<ReturnType<typeof startCheckedEmulator>>
let stripe: Stripe
let pro: Stripe.Price
let team: Stripe.Price

beforeAll(async () => {
  em = await startCheckedEmulator("stripe-promotions", { secretKey: "sk_test_promotions" })
  stripe = em.client()
  const proProduct = await stripe.products.create({ name: "Pro" })
  const teamProduct = await stripe.products.create({ name: "Team" })
  pro = await stripe.prices.create({ product: proProduct.id, currency: "usd", unit_amount: 2000, recurring: { interval: "month" } })
  team = await stripe.prices.create({ product: teamProduct.id, currency: "usd", unit_amount: 5000, recurring: { interval: "month" } })
})
afterAll(() => em.stop())

/** A Stripe error's type, code, param and message, or "no error". */
async function refusal(p: Promise<unknown>) {
  try {
    await p
    return "no error"
  } catch (err) {
    const e = err as Stripe.errors.StripeError
    return { status: e.statusCode, type: e.type, code: e.code, param: e.param, message: e.message }
  }
}

async function customerOnClock(name: string) {
  const start = Math.floor(Date.now() / 1000)
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name })
  const customer = await stripe.customers.create({ email: `${name}@example.com`, test_clock: clock.id, payment_method: "pm_card_visa" })
  const pm = (await stripe.paymentMethods.list({ customer: customer.id })).data[0]
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm?.id ?? "" } })
  return { clock: clock.id, start, customer: customer.id }
}

const must = <T>(v: T | null | undefined): T => {
  if (v === null || v === undefined) throw new Error("expected a value")
  return v
}

const promo = async (coupon: Stripe.CouponCreateParams, code: Partial<Stripe.PromotionCodeCreateParams> = {}) => {
  const c = await stripe.coupons.create(coupon)
  return stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: c.id }, ...code })
}

describe("coupons and promotion codes API", () => {
  it("creates, retrieves and lists a coupon and its promotion code (promotion.coupon at this API version)", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 3, name: "Welcome 20%" })
    expect(coupon).toMatchObject({
      object: "coupon",
      percent_off: 20,
      amount_off: null,
      duration: "repeating",
      duration_in_months: 3,
      times_redeemed: 0,
      valid: true,
      max_redemptions: null,
      redeem_by: null,
    })
    expect(await stripe.coupons.retrieve(coupon.id)).toEqual(coupon)
    expect((await stripe.coupons.list({ limit: 100 })).data.map((c) => c.id)).toContain(coupon.id)

    const pc = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "HELLO20" })
    expect(pc).toMatchObject({
      object: "promotion_code",
      code: "HELLO20",
      active: true,
      promotion: { type: "coupon", coupon: coupon.id },
      times_redeemed: 0,
      restrictions: { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null },
    })
    const expanded = await stripe.promotionCodes.retrieve(pc.id, { expand: ["promotion.coupon"] })
    expect((expanded.promotion.coupon as Stripe.Coupon).percent_off).toBe(20)
    // The `code` filter is case-insensitive; `active` filters too.
    expect((await stripe.promotionCodes.list({ code: "hello20" })).data.map((x) => x.id)).toEqual([pc.id])
    const off = await stripe.promotionCodes.update(pc.id, { active: false })
    expect(off.active).toBe(false)
    expect((await stripe.promotionCodes.list({ code: "HELLO20", active: true })).data).toEqual([])
    expect((await stripe.promotionCodes.list({ code: "HELLO20", active: false })).data.map((x) => x.id)).toEqual([pc.id])
  })

  it("refuses bad coupons and a second active code with the same letters", async () => {
    expect(await refusal(stripe.coupons.create({ duration: "once" }))).toMatchObject({ status: 400, param: "percent_off" })
    expect(await refusal(stripe.coupons.create({ amount_off: 500, duration: "once" }))).toMatchObject({ param: "currency" })
    expect(await refusal(stripe.coupons.create({ percent_off: 10, duration: "repeating" }))).toMatchObject({
      code: "parameter_missing",
      param: "duration_in_months",
    })
    expect(await refusal(stripe.coupons.retrieve("NOPE"))).toMatchObject({
      status: 404,
      code: "resource_missing",
      message: "No such coupon: 'NOPE'",
    })
    await promo({ percent_off: 5, duration: "once" }, { code: "TWICE" })
    expect(await refusal(promo({ percent_off: 5, duration: "once" }, { code: "twice" }))).toMatchObject({ status: 400, param: "code" })
  })
})

describe("redeeming a code (Checkout Session discounts and subscriptions)", () => {
  const session = (discounts: Stripe.Checkout.SessionCreateParams.Discount[], price = pro) =>
    stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost/ok",
      discounts,
    })

  it("applies a code to the session's totals and refuses it together with allow_promotion_codes", async () => {
    const pc = await promo({ percent_off: 25, duration: "once" })
    const s = await session([{ promotion_code: pc.id }])
    expect(s).toMatchObject({ amount_subtotal: 2000, amount_total: 1500, total_details: { amount_discount: 500 } })
    expect(s.discounts).toEqual([{ coupon: null, promotion_code: pc.id }])
    const items = await stripe.checkout.sessions.listLineItems(s.id)
    expect(items.data[0]).toMatchObject({ amount_subtotal: 2000, amount_discount: 500, amount_total: 1500 })
    expect(
      await refusal(
        stripe.checkout.sessions.create({
          mode: "subscription",
          line_items: [{ price: pro.id, quantity: 1 }],
          success_url: "http://localhost/ok",
          allow_promotion_codes: true,
          discounts: [{ promotion_code: pc.id }],
        }),
      ),
    ).toEqual({
      status: 400,
      type: "StripeInvalidRequestError",
      code: undefined,
      param: "allow_promotion_codes",
      message: "You may only specify one of these parameters: allow_promotion_codes, discounts.",
    })
  })

  it("refuses an unknown, inactive, expired, redeemed-out or wrong-product code with Stripe's code and message", async () => {
    expect(await refusal(session([{ promotion_code: "promo_nope" }]))).toMatchObject({
      status: 400,
      code: "resource_missing",
      param: "discounts[0][promotion_code]",
      message: "No such promotion code: 'promo_nope'",
    })
    const inactive = await promo({ percent_off: 10, duration: "once" }, { active: false })
    expect(await refusal(session([{ promotion_code: inactive.id }]))).toMatchObject({
      status: 400,
      param: "discounts[0][promotion_code]",
      message: "This promotion code is not active.",
    })

    const { clock, start, customer } = await customerOnClock("promo-expiry")
    const expiring = await promo({ percent_off: 10, duration: "once" }, { expires_at: start + DAY })
    const redeemable = () =>
      stripe.subscriptions.create({ customer, items: [{ price: pro.id }], discounts: [{ promotion_code: expiring.id }] })
    await advanceTestClock(stripe, clock, start + 2 * DAY)
    expect(await refusal(redeemable())).toMatchObject({
      status: 400,
      param: "discounts[0][promotion_code]",
      message: "This promotion code has expired.",
    })

    const couponEnds = await stripe.coupons.create({ percent_off: 10, duration: "once", redeem_by: start + 3 * DAY })
    await advanceTestClock(stripe, clock, start + 4 * DAY)
    expect(
      await refusal(stripe.subscriptions.create({ customer, items: [{ price: pro.id }], discounts: [{ coupon: couponEnds.id }] })),
    ).toMatchObject({
      status: 400,
      code: "coupon_expired",
      param: "discounts[0][coupon]",
    })
    expect((await stripe.coupons.retrieve(couponEnds.id)).valid).toBe(true) // valid is the emulator's own time, not the customer's clock

    const once = await promo({ percent_off: 10, duration: "once" }, { max_redemptions: 1 })
    const first = await stripe.subscriptions.create({ customer, items: [{ price: pro.id }], discounts: [{ promotion_code: once.id }] })
    expect((await stripe.invoices.retrieve(String(first.latest_invoice))).total).toBe(1800)
    expect((await stripe.promotionCodes.retrieve(once.id)).times_redeemed).toBe(1)
    expect(await refusal(session([{ promotion_code: once.id }]))).toMatchObject({
      status: 400,
      param: "discounts[0][promotion_code]",
      message: "This promotion code cannot be redeemed because it has been used the maximum number of times.",
    })

    const teamOnly = await promo({ percent_off: 10, duration: "once", applies_to: { products: [team.product as string] } })
    expect(await refusal(session([{ promotion_code: teamOnly.id }]))).toMatchObject({
      status: 400,
      code: "coupon_applies_to_nothing",
      param: "discounts[0][promotion_code]",
      message: "This coupon cannot be redeemed because it does not apply to anything in this order.",
    })
    expect((await session([{ promotion_code: teamOnly.id }], team)).amount_total).toBe(4500)

    const capped = await stripe.coupons.create({ amount_off: 300, currency: "usd", duration: "forever", max_redemptions: 1 })
    await stripe.subscriptions.create({ customer, items: [{ price: pro.id }], discounts: [{ coupon: capped.id }] })
    expect(await stripe.coupons.retrieve(capped.id)).toMatchObject({ times_redeemed: 1, valid: false })
    expect(await refusal(session([{ coupon: capped.id }]))).toMatchObject({
      status: 400,
      code: "coupon_expired",
      param: "discounts[0][coupon]",
    })
  })
})

describe("promotion code restrictions", () => {
  it("minimum_amount and first_time_transaction refuse with Stripe's messages", async () => {
    const { customer } = await customerOnClock("promo-restrictions")
    const minimum = await promo(
      { percent_off: 10, duration: "once" },
      { restrictions: { minimum_amount: 3000, minimum_amount_currency: "usd" } },
    )
    const sub = (promotion_code: string, price = pro) =>
      stripe.subscriptions.create({ customer, items: [{ price: price.id }], discounts: [{ promotion_code }] })
    expect(await refusal(sub(minimum.id))).toMatchObject({ status: 400, param: "discounts[0][promotion_code]" })
    expect((await stripe.invoices.retrieve(String((await sub(minimum.id, team)).latest_invoice))).total).toBe(4500)

    const firstTime = await promo({ percent_off: 10, duration: "once" }, { restrictions: { first_time_transaction: true } })
    expect(await refusal(sub(firstTime.id))).toMatchObject({
      status: 400,
      param: "discounts[0][promotion_code]",
      message: "This promotion code cannot be redeemed because the associated customer has prior transactions.",
    })
    const fresh = await customerOnClock("promo-first-time")
    const ok = await stripe.subscriptions.create({
      customer: fresh.customer,
      items: [{ price: pro.id }],
      discounts: [{ promotion_code: firstTime.id }],
    })
    expect((await stripe.invoices.retrieve(String(ok.latest_invoice))).total).toBe(1800)
  })
})

describe("first_time_transaction counts any paid invoice (issue 23, item 2)", () => {
  it("a customer whose only invoice is a trial's $0 one has a prior transaction: a first-time code is refused", async () => {
    const { customer } = await customerOnClock("promo-after-trial")
    const trial = await stripe.subscriptions.create({ customer, items: [{ price: pro.id }], trial_period_days: 14 })
    const invoice = await stripe.invoices.retrieve(String(trial.latest_invoice))
    expect([invoice.status, invoice.amount_paid]).toEqual(["paid", 0])
    // Stripe: "only be redeemed for Customers without any successful payments or invoices".
    const firstTime = await promo(
      { percent_off: 20, duration: "repeating", duration_in_months: 3 },
      { restrictions: { first_time_transaction: true } },
    )
    expect(
      await refusal(stripe.subscriptions.create({ customer, items: [{ price: team.id }], discounts: [{ promotion_code: firstTime.id }] })),
    ).toMatchObject({
      status: 400,
      param: "discounts[0][promotion_code]",
      message: "This promotion code cannot be redeemed because the associated customer has prior transactions.",
    })
  })
})

describe("the discount on the subscription and its invoices", () => {
  it("repeating 20% for 3 months: three discounted invoices, then the discount ends (test clock)", async () => {
    const { clock, start, customer } = await customerOnClock("promo-repeating")
    const pc = await promo({ percent_off: 20, duration: "repeating", duration_in_months: 3 })
    const sub = await stripe.subscriptions.create({
      customer,
      items: [{ price: pro.id }],
      discounts: [{ promotion_code: pc.id }],
      expand: ["discounts"],
    })
    const discount = sub.discounts[0] as Stripe.Discount
    expect(discount).toMatchObject({
      object: "discount",
      subscription: sub.id,
      customer,
      promotion_code: pc.id,
      source: { type: "coupon", coupon: pc.promotion.coupon },
      start,
    })
    const end = discount.end ?? 0
    expect(new Date(end * 1000).getUTCMonth()).toBe((new Date(start * 1000).getUTCMonth() + 3) % 12)

    const first = await stripe.invoices.retrieve(String(sub.latest_invoice))
    expect(first).toMatchObject({
      subtotal: 2000,
      total: 1600,
      amount_due: 1600,
      amount_paid: 1600,
      status: "paid",
      discounts: [discount.id],
    })
    expect(first.total_discount_amounts).toEqual([{ amount: 400, discount: discount.id }])
    expect(first.lines.data[0]).toMatchObject({ amount: 2000, discount_amounts: [{ amount: 400, discount: discount.id }] })
    const hosted = await (await fetch(first.hosted_invoice_url ?? "")).text()
    expect(hosted).toContain(`Discount (${pc.code})`)
    expect(hosted).toContain("−$4.00")
    expect(Buffer.from(await (await fetch(first.invoice_pdf ?? "")).arrayBuffer()).toString("latin1")).toContain(
      `Discount \\(${pc.code}\\)`,
    )

    // Renewals 1 and 2 are discounted; the third renewal falls on the discount's end and is not.
    const totals = async () => (await stripe.invoices.list({ customer, limit: 100 })).data.map((i) => i.total).reverse()
    await advanceTestClock(stripe, clock, end - 60)
    expect(await totals()).toEqual([1600, 1600, 1600])
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([discount.id])
    await advanceTestClock(stripe, clock, end + 60)
    expect(await totals()).toEqual([1600, 1600, 1600, 2000])
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([])
    const deleted = (await stripe.events.list({ type: "customer.discount.deleted", limit: 100 })).data
    expect(deleted.map((e) => (e.data.object as Stripe.Discount).id)).toContain(discount.id)
    const updates = (await stripe.events.list({ type: "customer.subscription.updated", limit: 100 })).data.filter(
      (e) => (e.data.object as Stripe.Subscription).id === sub.id && "discounts" in (e.data.previous_attributes ?? {}),
    )
    expect(updates).toHaveLength(1)
  })

  it("once: only the first invoice; forever amount_off: every invoice; the coupon counts its redemptions", async () => {
    const { clock, start, customer } = await customerOnClock("promo-once")
    const once = await promo({ percent_off: 50, duration: "once" })
    const sub = await stripe.subscriptions.create({ customer, items: [{ price: pro.id }], discounts: [{ promotion_code: once.id }] })
    expect((await stripe.invoices.retrieve(String(sub.latest_invoice))).total).toBe(1000)
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([])
    await advanceTestClock(stripe, clock, start + 35 * DAY)
    expect((await stripe.invoices.list({ customer })).data.map((i) => i.total)).toEqual([2000, 1000])
    expect((await stripe.coupons.retrieve(once.promotion.coupon as string)).times_redeemed).toBe(1)

    const other = await customerOnClock("promo-forever")
    const forever = await stripe.coupons.create({ amount_off: 500, currency: "usd", duration: "forever" })
    await stripe.subscriptions.create({ customer: other.customer, items: [{ price: pro.id }], discounts: [{ coupon: forever.id }] })
    await advanceTestClock(stripe, other.clock, other.start + 65 * DAY)
    expect((await stripe.invoices.list({ customer: other.customer })).data.map((i) => i.total)).toEqual([1500, 1500, 1500])
  })
})

describe("discounts with trials and plan changes", () => {
  it("a once coupon is not used up by the $0 trial invoice: the first paid invoice takes it", async () => {
    const { clock, start, customer } = await customerOnClock("promo-trial")
    const once = await stripe.coupons.create({ percent_off: 50, duration: "once" })
    const sub = await stripe.subscriptions.create({
      customer,
      items: [{ price: pro.id }],
      trial_period_days: 7,
      discounts: [{ coupon: once.id }],
    })
    expect((await stripe.invoices.retrieve(String(sub.latest_invoice))).total).toBe(0)
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toHaveLength(1)
    await advanceTestClock(stripe, clock, start + 8 * DAY)
    expect((await stripe.invoices.list({ subscription: sub.id })).data.map((i) => i.total)).toEqual([1000, 0])
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([])
  })

  it("proration lines carry the discount in their amount (Stripe's prorations page); the next cycle invoice lists it", async () => {
    const { clock, start, customer } = await customerOnClock("promo-proration")
    const forever = await stripe.coupons.create({ percent_off: 10, duration: "forever" })
    const sub = await stripe.subscriptions.create({
      customer,
      items: [{ price: team.id, quantity: 2 }],
      discounts: [{ coupon: forever.id }],
    })
    expect((await stripe.invoices.retrieve(String(sub.latest_invoice))).total).toBe(9000)
    const first = sub.items.data[0]
    const item = first?.id ?? ""
    const { current_period_start: from = 0, current_period_end: to = 0 } = first ?? {}
    await advanceTestClock(stripe, clock, start + 10 * DAY)
    const changed = await stripe.subscriptions.update(sub.id, { items: [{ id: item, quantity: 3 }], proration_behavior: "always_invoice" })
    const proration = await stripe.invoices.retrieve(String(changed.latest_invoice))
    expect(proration.billing_reason).toBe("subscription_update")
    // Folded into the amounts: the unused part of the $90.00 paid back, 3 seats less 10 % charged for it.
    const unused = (to - (start + 10 * DAY)) / (to - from)
    expect(proration.lines.data.map((l) => l.amount).sort((a, b) => a - b)).toEqual([
      -Math.round(9000 * unused),
      Math.round(13500 * unused),
    ])
    expect(proration.total_discount_amounts).toEqual([])
    const discountId = String(sub.discounts[0])
    for (const l of proration.lines.data) expect(l.discountable).toBe(false)
    expect(proration.lines.data.find((l) => l.amount > 0)?.discount_amounts).toEqual([{ amount: 0, discount: discountId }])
    // The preview of the next change: the renewal line discounted, the prorations not.
    const preview = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: item, quantity: 4 }], proration_behavior: "create_prorations" },
    })
    const renewal = preview.lines.data.find((l) => !l.parent?.subscription_item_details?.proration)
    expect(renewal).toMatchObject({ amount: 20000, discount_amounts: [{ amount: 2000 }] })
    expect(preview.total_discount_amounts?.[0]?.amount).toBe(2000)
    await advanceTestClock(stripe, clock, start + 32 * DAY)
    const cycle = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0]
    expect(cycle).toMatchObject({ billing_reason: "subscription_cycle", subtotal: 15000, total: 13500 })
  })
})

describe("hosted Checkout's promotion code field (form posts, no JavaScript)", () => {
  const post = (url: string, form: Record<string, string>) =>
    fetch(url, { method: "POST", body: new URLSearchParams(form), redirect: "manual" })

  it("Apply shows the discount and the new total; a bad code shows Checkout's message; paying redeems it", async () => {
    await promo({ percent_off: 20, duration: "repeating", duration_in_months: 3 }, { code: "FIELD20" })
    await promo({ percent_off: 20, duration: "once", applies_to: { products: [team.product as string] } }, { code: "TEAMONLY" })
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: pro.id, quantity: 1 }],
      success_url: "http://localhost/ok?session={CHECKOUT_SESSION_ID}",
      allow_promotion_codes: true,
    })
    const url = s.url ?? ""
    expect(await (await fetch(url)).text()).toContain("Add promotion code")

    const bad = await post(url, { promo_action: "apply", promotion_code: "NOPE" })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain("This code is invalid.")
    const wrong = await post(url, { promo_action: "apply", promotion_code: "teamonly" })
    expect(await wrong.text()).toContain("This code is valid, but doesn't apply to items in your order.")
    expect((await stripe.checkout.sessions.retrieve(s.id)).discounts).toBeNull()

    const good = await (await post(url, { promo_action: "apply", promotion_code: "field20" })).text()
    expect(good).toContain("FIELD20")
    expect(good).toContain("20% off · for 3 months")
    expect(good).toMatch(/data-testid="checkout-due-today">\$16\.00/)
    expect(await stripe.checkout.sessions.retrieve(s.id)).toMatchObject({ amount_total: 1600, total_details: { amount_discount: 400 } })

    const removed = await (await post(url, { promo_action: "remove" })).text()
    expect(removed).toContain("Add promotion code")
    expect(await stripe.checkout.sessions.retrieve(s.id)).toMatchObject({ discounts: null, amount_total: 2000 })
    await post(url, { promo_action: "apply", promotion_code: "FIELD20" })

    const paid = await post(url, { email: "field@example.com", cardnumber: "4242424242424242", exp: "12 / 40", cvc: "123", name: "F" })
    expect(paid.status).toBe(303)
    const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription"] })
    const sub = done.subscription as Stripe.Subscription
    expect(sub.discounts).toHaveLength(1)
    const d = await stripe.subscriptions.retrieve(sub.id, { expand: ["discounts"] })
    expect((d.discounts[0] as Stripe.Discount).checkout_session).toBe(s.id)
    expect((await stripe.invoices.retrieve(String(sub.latest_invoice))).amount_paid).toBe(1600)
  })

  it("during a trial the code's line says what comes off the first charge, never −$0.00; the $0 trial invoice lists no discount (issue 23, item 8)", async () => {
    await promo({ percent_off: 20, duration: "repeating", duration_in_months: 3 }, { code: "TRIAL20" })
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: team.id, quantity: 3 }],
      success_url: "http://localhost/ok?session={CHECKOUT_SESSION_ID}",
      allow_promotion_codes: true,
      subscription_data: { trial_period_days: 14 },
    })
    const url = s.url ?? ""
    const page = await (await post(url, { promo_action: "apply", promotion_code: "TRIAL20" })).text()
    // 3 seats × $50.00 = $150.00; 20% off the first charge after the trial: −$30.00, then $120.00.
    expect(page).toContain("TRIAL20")
    expect(page).not.toContain("−$0.00")
    expect(page).toMatch(/data-testid="checkout-discount">[\s\S]*−\$30\.00[\s\S]*after the trial/)
    expect(page).toContain("then $120.00 per month")
    expect(page).toMatch(/data-testid="checkout-due-today">\$0\.00/)

    const paid = await post(url, { email: "trial20@example.com", cardnumber: "4242424242424242", exp: "12 / 40", cvc: "123", name: "T" })
    expect(paid.status).toBe(303)
    const sub = (await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription"] })).subscription as Stripe.Subscription
    expect(sub.discounts).toHaveLength(1)
    const trialInvoice = await stripe.invoices.retrieve(String(sub.latest_invoice))
    // Stripe ignores a coupon on a zero-cost invoice (changelog 2013-10-29): no discount amounts, no line.
    expect(trialInvoice).toMatchObject({ total: 0, total_discount_amounts: [] })
    const hosted = await (await fetch(must(trialInvoice.hosted_invoice_url))).text()
    expect(hosted).not.toContain('data-testid="invoice-discount"')
    expect(hosted).not.toContain("−$0.00")
    expect(hosted).not.toContain("-$0.00")
    // The preview of the first charge after the trial has the discount and the seats.
    const preview = await stripe.invoices.createPreview({ subscription: sub.id })
    expect(preview).toMatchObject({ total: 12000, amount_due: 12000 })
  })

  it("a discount the merchant set shows without the field, and the customer cannot take it off", async () => {
    const pc = await promo({ percent_off: 10, duration: "once" })
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: pro.id, quantity: 1 }],
      success_url: "http://localhost/ok",
      discounts: [{ promotion_code: pc.id }],
    })
    const page = await (await fetch(s.url ?? "")).text()
    expect(page).toContain(pc.code)
    expect(page).not.toContain("Add promotion code")
    const refused = await post(s.url ?? "", { promo_action: "remove" })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain("This Checkout Session does not accept promotion codes.")
    expect(await stripe.checkout.sessions.retrieve(s.id)).toMatchObject({ amount_total: 1800, total_details: { amount_discount: 200 } })
  })

  it("a code used up after it was applied is taken off at payment, with the reason, and nothing is created", async () => {
    const once = await promo({ percent_off: 20, duration: "once" }, { code: "LASTONE", max_redemptions: 1 })
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      line_items: [{ price: pro.id, quantity: 1 }],
      success_url: "http://localhost/ok",
      allow_promotion_codes: true,
    })
    const url = s.url ?? ""
    expect(await (await post(url, { promo_action: "apply", promotion_code: "LASTONE" })).text()).toContain("LASTONE")
    const { customer } = await customerOnClock("promo-used-up")
    await stripe.subscriptions.create({ customer, items: [{ price: pro.id }], discounts: [{ promotion_code: once.id }] })
    const customersBefore = (await stripe.customers.list({ limit: 100 })).data.length
    const refused = await post(url, { email: "late@example.com", cardnumber: "4242424242424242", exp: "12 / 40", cvc: "123" })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain("This code has reached its redemption limit.")
    expect(await stripe.checkout.sessions.retrieve(s.id)).toMatchObject({ status: "open", discounts: null, amount_total: 2000 })
    expect((await stripe.customers.list({ limit: 100 })).data.length).toBe(customersBefore)
  })
})

describe("a promotion code restricted to a customer", () => {
  // "The customer who can use this promotion code. If not set, all customers can use the promotion code."
  it("is redeemed by its customer only: another customer, or a Checkout Session with no customer yet, is refused", async () => {
    const card = async (email: string) => {
      const c = await stripe.customers.create({ email, payment_method: "pm_card_visa" })
      const pm = (await stripe.paymentMethods.list({ customer: c.id })).data[0]?.id ?? ""
      await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: pm } })
      return c
    }
    const alice = await card("alice-only@example.com")
    const bob = await card("bob-not@example.com")
    const pc = await promo({ percent_off: 10, duration: "once" }, { code: "ALICEONLY", customer: alice.id })
    const sessionFor = (customer?: string, discounts?: Stripe.Checkout.SessionCreateParams.Discount[]) =>
      stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: pro.id, quantity: 1 }],
        success_url: "http://localhost/ok",
        ...(customer ? { customer } : {}),
        ...(discounts ? { discounts } : { allow_promotion_codes: true }),
      })
    const wrongCustomer = {
      status: 400,
      type: "StripeInvalidRequestError",
      param: "discounts[0][promotion_code]",
      message: "This promotion code can only be redeemed by the customer it is restricted to.",
    }
    expect(await refusal(sessionFor(bob.id, [{ promotion_code: pc.id }]))).toMatchObject(wrongCustomer)
    expect(await refusal(sessionFor(undefined, [{ promotion_code: pc.id }]))).toMatchObject(wrongCustomer)
    expect(
      await refusal(stripe.subscriptions.create({ customer: bob.id, items: [{ price: pro.id }], discounts: [{ promotion_code: pc.id }] })),
    ).toMatchObject(wrongCustomer)
    expect((await sessionFor(alice.id, [{ promotion_code: pc.id }])).total_details?.amount_discount).toBe(200)

    // Hosted Checkout's field: refused for a session of another customer or of no customer yet.
    const apply = async (s: Stripe.Checkout.Session) => {
      const res = await fetch(s.url ?? "", {
        method: "POST",
        body: new URLSearchParams({ promo_action: "apply", promotion_code: "aliceonly" }),
        redirect: "manual",
      })
      return { status: res.status, html: await res.text() }
    }
    for (const s of [await sessionFor(bob.id), await sessionFor()]) {
      const r = await apply(s)
      expect(r.status).toBe(400)
      expect(r.html).toContain("This code isn't available for this customer.")
      expect((await stripe.checkout.sessions.retrieve(s.id)).discounts).toBeNull()
    }
    const own = await sessionFor(alice.id)
    expect((await apply(own)).status).toBe(200)
    expect((await stripe.checkout.sessions.retrieve(own.id)).total_details?.amount_discount).toBe(200)
    expect((await stripe.promotionCodes.retrieve(pc.id)).times_redeemed).toBe(0)
  })
})

describe("reactivating a promotion code", () => {
  // "A promotion code can only be reactivated when the coupon is still valid and the promotion code is
  // otherwise redeemable."
  it("is refused once its coupon is no longer valid or the code itself is used up; allowed otherwise", async () => {
    const c = await customerOnClock("reactivate")
    const coupon = await stripe.coupons.create({ percent_off: 10, duration: "once", max_redemptions: 1 })
    const pc = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id } })
    await stripe.promotionCodes.update(pc.id, { active: false })
    expect((await stripe.promotionCodes.update(pc.id, { active: true })).active).toBe(true)
    await stripe.promotionCodes.update(pc.id, { active: false })
    await stripe.subscriptions.create({ customer: c.customer, items: [{ price: pro.id }], discounts: [{ coupon: coupon.id }] })
    expect((await stripe.coupons.retrieve(coupon.id)).valid).toBe(false)
    expect(await refusal(stripe.promotionCodes.update(pc.id, { active: true }))).toMatchObject({
      status: 400,
      type: "StripeInvalidRequestError",
      param: "active",
    })
    expect((await stripe.promotionCodes.retrieve(pc.id)).active).toBe(false)

    // The code's own max_redemptions used up (its coupon still valid).
    const once = await promo({ percent_off: 10, duration: "once" }, { max_redemptions: 1 })
    await stripe.subscriptions.create({ customer: c.customer, items: [{ price: pro.id }], discounts: [{ promotion_code: once.id }] })
    await stripe.promotionCodes.update(once.id, { active: false })
    expect(await refusal(stripe.promotionCodes.update(once.id, { active: true }))).toMatchObject({ status: 400, param: "active" })
  })
})

describe("the portal's next invoice (issue 23, item 8)", () => {
  /** The portal as the app configures it: seats adjustable, changes invoiced at once (always_invoice). */
  const portalConfiguration = () =>
    stripe.billingPortal.configurations.create({
      features: {
        invoice_history: { enabled: true },
        subscription_cancel: { enabled: true, mode: "at_period_end" },
        subscription_update: {
          enabled: true,
          default_allowed_updates: ["quantity"],
          proration_behavior: "always_invoice",
          products: [
            { product: team.product as string, prices: [team.id], adjustable_quantity: { enabled: true, minimum: 1, maximum: 10 } },
          ] as Stripe.BillingPortal.ConfigurationCreateParams.Features.SubscriptionUpdate.Product[],
        },
      },
    })
  /** The home page's "Next invoice: $X on DATE", or null when it states none. */
  const portalNextInvoice = async (customer: string) => {
    const session = await stripe.billingPortal.sessions.create({ customer })
    const html = await (await fetch(session.url)).text()
    return /data-testid="portal-next-invoice"[^>]*>([^<]*(?:<!-- -->[^<]*)*)</.exec(html)?.[1]?.replaceAll("<!-- -->", "") ?? null
  }
  const date = (t: number) => new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date(t * 1000))

  // The hosted portal states what Stripe will charge next from the same preview the API answers
  // (resources/invoice-preview.ts upcomingInvoice): the discount while it lasts, every seat; past the
  // discount's end the full price, and that is what the renewal charges.
  it("is the preview: 3 seats at 20% off, then the full price after discount.end; none once cancelling", async () => {
    const { clock, customer, start } = await customerOnClock("portal-next")
    const coupon = await stripe.coupons.create({ percent_off: 20, duration: "repeating", duration_in_months: 2 })
    const sub = await stripe.subscriptions.create({
      customer,
      items: [{ price: team.id, quantity: 3 }],
      discounts: [{ coupon: coupon.id }],
    })
    await portalConfiguration()
    const nextInvoice = () => portalNextInvoice(customer)
    const renewal = sub.items.data[0]?.current_period_end ?? 0
    // Two months of 20% off: the first renewal is discounted; the one at the discount's end is not.
    expect((await stripe.invoices.createPreview({ subscription: sub.id })).amount_due).toBe(12000)
    expect(await nextInvoice()).toBe(`Next invoice: $120.00 on ${date(renewal)}`)
    // The update's confirm step: a 4th seat's amount due today is the API's preview of that change
    // (prorated, 20% off), not the list price.
    const session = await stripe.billingPortal.sessions.create({ customer })
    const confirm = await (await fetch(`${session.url}/confirm?subscription=${sub.id}&price=${team.id}&quantity=4`)).text()
    const change = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: {
        items: [{ id: sub.items.data[0]?.id ?? "", price: team.id, quantity: 4 }],
        proration_behavior: "always_invoice",
      },
    })
    expect(change.amount_due).toBeGreaterThan(0)
    expect(change.amount_due).toBeLessThan(5000)
    const due = /data-testid="portal-update-amount"[^>]*>([^<]*)</.exec(confirm)?.[1]
    expect(due).toBe(`Amount due today: $${(change.amount_due / 100).toFixed(2)}`)
    await advanceTestClock(stripe, clock, renewal + 3600)
    const second = (await stripe.subscriptions.retrieve(sub.id)).items.data[0]?.current_period_end ?? 0
    expect(await nextInvoice()).toBe(`Next invoice: $150.00 on ${date(second)}`)
    await advanceTestClock(stripe, clock, second + 3600)
    const paid = (await stripe.invoices.list({ subscription: sub.id })).data.map((i) => i.amount_paid).reverse()
    expect(paid).toEqual([12000, 12000, 15000])
    expect(start).toBeLessThan(renewal)
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
    expect(await nextInvoice()).toBeNull()
  })

  it("after a seat removed in the portal half-way: the credit is stated, and the next invoice is the renewal less it", async () => {
    const { clock, customer } = await customerOnClock("portal-credit")
    const sub = await stripe.subscriptions.create({ customer, items: [{ price: team.id, quantity: 3 }] })
    await portalConfiguration()
    const item = must(sub.items.data[0])
    const renewal = item.current_period_end
    await advanceTestClock(stripe, clock, item.current_period_start + (renewal - item.current_period_start) / 2)
    const session = await stripe.billingPortal.sessions.create({ customer })
    const confirm = await (await fetch(`${session.url}/confirm?subscription=${sub.id}&price=${team.id}&quantity=2`)).text()
    // One $50 seat for half the period: $25.00 back, nothing due.
    expect(/data-testid="portal-update-amount"[^>]*>([^<]*)</.exec(confirm)?.[1]).toBe(
      "Amount due today: $0.00. A credit of $25.00 goes to your balance for your next invoices.",
    )
    const posted = await fetch(`${session.url}/confirm`, {
      method: "POST",
      body: new URLSearchParams({ subscription: sub.id, price: team.id, quantity: "2" }),
      redirect: "manual",
    })
    expect(posted.status).toBe(303)
    expect(((await stripe.customers.retrieve(customer)) as Stripe.Customer).balance).toBe(-2500)
    expect(await portalNextInvoice(customer)).toBe(`Next invoice: $75.00 on ${date(renewal)}`)
    await advanceTestClock(stripe, clock, renewal + 3600)
    const paid = (await stripe.invoices.list({ subscription: sub.id })).data.map((i) => [i.total, i.amount_paid]).reverse()
    expect(paid).toEqual([
      [15000, 15000],
      [-2500, 0],
      [10000, 7500],
    ])
    const hosted = await (
      await fetch(must((await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0]?.hosted_invoice_url))
    ).text()
    expect(hosted).toMatch(/Applied balance<\/td><td[^>]*>−\$25\.00/)
    const second = must((await stripe.subscriptions.retrieve(sub.id)).items.data[0]).current_period_end
    expect(await portalNextInvoice(customer)).toBe(`Next invoice: $100.00 on ${date(second)}`)
  })
})

// Promotion codes in the browser: WELCOME20 (made by stripe:setup) entered on hosted Checkout shows the
// discount line and the new total, the paid subscription's manage page shows the discount and its end,
// and moving the customer's test clock past that end takes the discount off the page. A code Checkout
// does not know shows Stripe's message and no discount.
import Stripe from "stripe"
import { describe, expect, inject, it } from "vitest"
import type { Page } from "playwright-core"
import { DEFAULT_SECRET_KEY } from "@subkit/stripe-emulator"
import { advanceInSteps } from "../support/test-clock"
import { app, db, emulator, fillCard, inboxSettled, sharedBrowser, signUp, userRow, openCheckout } from "../support/browser"

const browser = sharedBrowser()
const DAY = 86_400
const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" })

function stripe() {
  const url = new URL(inject("e2eStripeUrl"))
  return new Stripe(DEFAULT_SECRET_KEY, { host: url.hostname, port: Number(url.port), protocol: "http", maxNetworkRetries: 0 })
}

/**
 * Gives the signed-up user a Stripe customer on a new test clock, as the app would have created it
 * (metadata.user_id and our mapping row): Checkout then bills that customer, and the test can move its
 * time. The app itself never creates test clocks; this is the least invasive way in.
 */
async function customerOnClock(email: string) {
  const { rows } = await db().query<{ id: string }>("select id from users where email = $1", [email])
  const userId = rows[0]?.id
  if (!userId) throw new Error(`no user ${email}`)
  const start = Math.floor(Date.now() / 1000)
  const clock = await stripe().testHelpers.testClocks.create({ frozen_time: start, name: email })
  const customer = await stripe().customers.create({ email, test_clock: clock.id, metadata: { user_id: userId } })
  await db().query("insert into billing_customers (user_id, stripe_customer_id, email) values ($1, $2, $3)", [userId, customer.id, email])
  return { clock: clock.id, start }
}

async function applyCode(page: Page, code: string) {
  await page.getByLabel("Add promotion code").fill(code)
  await page.getByRole("button", { name: "Apply" }).click()
  await page.waitForLoadState("domcontentloaded")
}

async function advanceClock(clock: string, to: number) {
  await advanceInSteps(stripe(), clock, to)
  await emulator("webhooks/drain")
  await inboxSettled()
}

describe("promotion codes", () => {
  it("WELCOME20 on Checkout → discount line → pay → manage page shows it and its end → the clock passes the end → gone", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    const { clock, start } = await customerOnClock(email)
    await openCheckout(page)
    expect(await page.getByTestId("checkout-due-today").textContent()).toBe("$15.00")

    await applyCode(page, "welcome20")
    const line = page.getByTestId("checkout-discount")
    await expect.poll(() => line.textContent()).toContain("WELCOME20")
    expect(await line.textContent()).toContain("20% off · for 3 months")
    expect(await line.textContent()).toContain("−$3.00")
    expect(await page.getByTestId("checkout-due-today").textContent()).toBe("$12.00")

    await fillCard(page, "4242 4242 4242 4242")
    await page.getByRole("button", { name: /Subscribe/ }).click()
    await page.waitForURL("**/subscription/success**")
    await inboxSettled()

    const sub = (await stripe().subscriptions.list({ customer: (await userRow(email))?.stripe_customer_id, expand: ["data.discounts"] }))
      .data[0]
    const end = (sub?.discounts[0] as Stripe.Discount | undefined)?.end
    if (!end) throw new Error("the subscription has no repeating discount")
    expect(new Date(end * 1000).getUTCMonth()).toBe((new Date(start * 1000).getUTCMonth() + 3) % 12)
    expect((await stripe().invoices.retrieve(String(sub?.latest_invoice))).amount_paid).toBe(1200)

    // The discount says when it ends; the next charge is Stripe's preview (lib/billing/views/charge.ts).
    const renewal = sub?.items.data[0]?.current_period_end ?? 0
    await page.goto(app("/subscription/manage"))
    await expect
      .poll(() => page.getByTestId("subscription-discount").textContent())
      .toBe(`Discount: WELCOME20: 20% off until ${DATE.format(new Date(end * 1000))}`)
    expect(await page.getByTestId("next-charge").textContent()).toBe(`Next charge: $12.00 on ${DATE.format(new Date(renewal * 1000))}.`)
    await page.goto(app("/subscription"))
    expect(await page.getByTestId("subscription-discount").textContent()).toContain("WELCOME20: 20% off until")
    expect(await page.getByTestId("next-charge").textContent()).toBe(`$12.00 on ${DATE.format(new Date(renewal * 1000))}`)

    // Two months on, still discounted, but the renewal at the discount's end is full price; past the end,
    // the line is gone and the next charge is the price.
    await advanceClock(clock, start + 62 * DAY)
    await page.goto(app("/subscription/manage"))
    expect(await page.getByTestId("subscription-discount").count()).toBe(1)
    expect(await page.getByTestId("next-charge").textContent()).toBe(`Next charge: $15.00 on ${DATE.format(new Date(end * 1000))}.`)
    await advanceClock(clock, end + DAY)
    await page.goto(app("/subscription/manage"))
    expect(await page.getByTestId("subscription-headline").textContent()).toMatch(/^You're on Pro\./)
    expect(await page.getByTestId("subscription-discount").count()).toBe(0)
    expect(await page.getByTestId("next-charge").textContent()).toMatch(/^Next charge: \$15\.00 on /)
    expect(await userRow(email)).toMatchObject({ discount_label: null, status: "active" })
    const paid = (await stripe().invoices.list({ subscription: sub?.id, limit: 10 })).data.map((i) => i.amount_paid).reverse()
    expect(paid).toEqual([1200, 1200, 1200, 1500])
  })

  it("an unknown code shows Checkout's message, no discount line, and the full total", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await openCheckout(page)
    await applyCode(page, "NOTACODE")
    await expect.poll(() => page.getByTestId("promo-error").textContent()).toBe("This code is invalid.")
    expect(await page.getByLabel("Add promotion code").getAttribute("aria-invalid")).toBe("true")
    expect(await page.getByTestId("checkout-discount").count()).toBe(0)
    expect(await page.getByTestId("checkout-due-today").textContent()).toBe("$15.00")
    await fillCard(page, "4242 4242 4242 4242")
    await page.getByRole("button", { name: /Subscribe/ }).click()
    await page.waitForURL("**/subscription/success**")
    await inboxSettled()
    await page.goto(app("/subscription/manage"))
    await expect.poll(() => page.getByTestId("subscription-headline").textContent()).toMatch(/^You're on Pro\./)
    expect(await page.getByTestId("subscription-discount").count()).toBe(0)
    expect(await userRow(email)).toMatchObject({ discount_label: null, unit_amount: 1500 })
  })
})

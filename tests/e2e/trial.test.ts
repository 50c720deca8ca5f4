// Free trials in the browser, on the production build with trials on (a second `next start` sharing the
// browser stack, see tests/support/trial-app.ts) and a test clock for each customer: sign up → the offer
// → hosted Checkout with a card and nothing charged → "Trial ends on …" → Stripe's 3-day warning as a
// banner → the first charge at the end → no second trial. Then trials without a payment method.
import { AxeBuilder } from "@axe-core/playwright"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { uniqueCardNumber } from "../support/cards"
import { must } from "../support/must"
import { fillCard, noPageErrors, sharedBrowser, signUp, userRow } from "../support/browser"
import { advanceClock, customerOnClock, DAY, day, settled, stripe, trialApp } from "../support/trial-app"

const browser = sharedBrowser()
const origin = trialApp()
const at = (path: string) => `${origin()}${path}`

describe("free trial with a card collected up front", () => {
  it("offer → Checkout at $0 → trial notice → trial_will_end banner → charged at the end → no second trial", async () => {
    const page = await browser().newPage()
    const checkErrors = await noPageErrors(page)
    const email = await signUp(page, "/pricing", origin())
    const { clock, customer } = await customerOnClock(email)

    await page.goto(at("/pricing"), { waitUntil: "networkidle" })
    expect(await page.getByTestId("trial-offer-pro").textContent()).toBe("14-day free trial")
    await page
      .getByTestId("plan-pro")
      .getByRole("button", { name: /Subscribe/ })
      .click()
    await page.waitForURL("**/c/pay/**")
    expect(await page.getByText("14 days free").count()).toBe(1)
    expect(await page.getByRole("table", { name: "Order summary" }).getByRole("row").last().textContent()).toBe("Total due today$0.00")
    await fillCard(page, uniqueCardNumber())
    await page.getByRole("button", { name: "Start trial" }).click()
    await page.waitForURL("**/subscription/success**")

    // Nothing charged today: Stripe's first invoice is $0, and the subscription is trialing on the clock.
    const [sub] = (await stripe().subscriptions.list({ customer })).data
    expect(sub).toMatchObject({ status: "trialing", test_clock: clock })
    const trialEnd = sub?.trial_end ?? 0
    expect(trialEnd - (sub?.trial_start ?? 0)).toBe(14 * DAY)
    const first = (await stripe().invoices.list({ customer })).data
    expect(first.map((i) => [i.billing_reason, i.amount_paid])).toEqual([["subscription_create", 0]])
    await expect.poll(async () => (await userRow(email))?.status).toBe("trialing")

    const ends = day(trialEnd)
    await page.goto(at("/subscription"))
    expect(await page.getByTestId("subscription-headline").textContent()).toBe(`You're trying Pro. Your trial ends on ${ends}.`)
    expect(await page.getByTestId("trial-notice").textContent()).toBe(`Trial ends on ${ends}Your card will then be charged $15.00.`)
    await page.goto(at("/subscription/manage"))
    expect(await page.getByTestId("trial-notice").textContent()).toBe(`Trial ends on ${ends}Your card will then be charged $15.00.`)
    expect(await page.getByTestId("trial-ending-banner").count()).toBe(0)

    // Three days before the end Stripe sends customer.subscription.trial_will_end: the banner.
    await advanceClock(clock, trialEnd - 3 * DAY + 60)
    await page.goto(at("/subscription/manage"))
    const banner = page.getByTestId("trial-ending-banner")
    expect(await banner.getByText(`Your trial ends soon, on ${ends}`).count()).toBe(1)
    expect(await banner.getByText("Your card will then be charged $15.00.").count()).toBe(1)
    expect(await page.getByTestId("trial-notice").count()).toBe(0)

    // Past the end: active, the card charged for the first period.
    await advanceClock(clock, trialEnd + 60)
    const invoices = (await stripe().invoices.list({ customer })).data
    expect(invoices[0]).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", amount_paid: 1500 })
    expect(await userRow(email)).toMatchObject({ status: "active", plan_id: "pro" })
    await page.goto(at("/subscription"))
    const renewed = await stripe().subscriptions.retrieve(sub?.id ?? "")
    expect(renewed.items.data[0]?.current_period_start).toBe(trialEnd)
    const renews = day(renewed.items.data[0]?.current_period_end ?? 0)
    expect(await page.getByTestId("subscription-headline").textContent()).toBe(`You're on Pro. It renews on ${renews}.`)
    expect(await page.getByTestId("trial-notice").count()).toBe(0)
    await page.goto(at("/subscription/manage"))
    expect(await page.locator("[data-testid^=trial-]").count()).toBe(0)

    // Canceled, then back on pricing: no trial offered, and Checkout charges today.
    await stripe().subscriptions.cancel(sub?.id ?? "")
    await settled()
    expect(await userRow(email)).toMatchObject({ status: "canceled" })
    await page.goto(at("/pricing"), { waitUntil: "networkidle" })
    expect(await page.getByTestId("trial-offer-pro").count()).toBe(0)
    expect(await page.getByText(/free trial/).count()).toBe(0)
    await page
      .getByTestId("plan-pro")
      .getByRole("button", { name: /Subscribe/ })
      .click()
    await page.waitForURL("**/c/pay/**")
    expect(await page.getByText(/days free/).count()).toBe(0)
    expect(await page.getByRole("table", { name: "Order summary" }).getByRole("row").last().textContent()).toBe("Total due today$15.00")
    expect(await page.getByRole("button", { name: "Start trial" }).count()).toBe(0)
    await fillCard(page, uniqueCardNumber())
    await page.getByRole("button", { name: "Subscribe" }).click()
    await page.waitForURL("**/subscription/success**")
    const again = (await stripe().subscriptions.list({ customer, status: "all" })).data.filter((s) => s.id !== sub?.id)
    expect(again).toMatchObject([{ status: "active", trial_start: null, trial_end: null }])
    const paid = (await stripe().invoices.list({ subscription: again[0]?.id })).data
    expect(paid).toMatchObject([{ billing_reason: "subscription_create", status: "paid", amount_paid: 1500 }])
    await expect.poll(async () => (await userRow(email))?.status).toBe("active")
    expect(await userRow(email)).toMatchObject({ stripe_subscription_id: again[0]?.id, trial_start: null })
    checkErrors()
  })
})

// A card-less trial is what Checkout with payment_method_collection=if_required makes: a trialing
// subscription on a customer with no payment method. The emulator's hosted Checkout always asks for a
// card (packages/stripe-emulator/README.md, "Not modelled"), so the subscription is made through the API as
// that Checkout would make it, with Stripe's trial_settings.end_behavior; the app's pages are what is tested.
/** axe-core's findings on the page as it is (the manage page's paused states are not in accessibility.test.ts). */
async function axeViolations(page: Page) {
  const { violations } = await new AxeBuilder({ page }).analyze()
  return violations.map((v) => `${v.id} (${v.impact}) ${v.help}`)
}

/** A signed-up user with a card-less 14-day Pro trial on a test clock, ending as `behavior` says. */
async function cardlessTrial(page: Page, behavior: "pause" | "cancel") {
  const email = await signUp(page, "/dashboard", origin())
  const { clock, customer, userId } = await customerOnClock(email)
  const [price] = (await stripe().prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data
  const sub = await stripe().subscriptions.create({
    customer,
    items: [{ price: price?.id ?? "" }],
    trial_period_days: 14,
    trial_settings: { end_behavior: { missing_payment_method: behavior } },
    metadata: { user_id: userId, plan_id: "pro" },
  })
  return { email, clock, customer, sub }
}

describe("free trial without a payment method", () => {
  it.each([
    {
      behavior: "pause" as const,
      then: "your subscription will be paused until you add one.",
      status: "paused",
      headline: () => "Your Pro plan is paused.",
      badge: "Paused",
    },
    {
      behavior: "cancel" as const,
      then: "your subscription will be canceled.",
      status: "canceled",
      headline: (end: string) => `Your Pro plan ended on ${end}.`,
      badge: "Canceled",
    },
  ])("missing_payment_method=$behavior: the pages say so, and at the end it is $status", async (c) => {
    const page = await browser().newPage()
    const { email, clock, customer, sub } = await cardlessTrial(page, c.behavior)
    await settled()
    const ends = day(sub.trial_end ?? 0)
    const notice = `Trial ends on ${ends}Add a payment method before then, or ${c.then}`
    await page.goto(at("/subscription"))
    expect(await page.getByTestId("trial-notice").textContent()).toBe(notice)
    await page.goto(at("/subscription/manage"))
    expect(await page.getByTestId("trial-notice").textContent()).toBe(notice)

    await advanceClock(clock, (sub.trial_end ?? 0) + 60)
    expect(await userRow(email)).toMatchObject({ status: c.status })
    expect((await stripe().invoices.list({ customer })).data.every((i) => i.amount_paid === 0)).toBe(true)
    await page.goto(at("/subscription"))
    expect(await page.getByTestId("subscription-headline").textContent()).toBe(c.headline(ends))
    expect(await page.getByTestId("current-subscription").getByText(c.badge, { exact: true }).count()).toBe(1)
    expect(await page.getByTestId("trial-notice").count()).toBe(0)
  })
})

describe("a trial that ended paused", () => {
  it("paused → add a card in the portal → Resume → active, charged for a new period from today", async () => {
    const page = await (await browser().newContext()).newPage() // axe needs a page of its own context
    const checkErrors = await noPageErrors(page)
    const { email, clock, customer, sub } = await cardlessTrial(page, "pause")
    const end = (sub.trial_end ?? 0) + 60
    await advanceClock(clock, end)
    await page.goto(at("/subscription/manage"))
    const paused = page.getByTestId("subscription-paused")
    expect(await paused.textContent()).toContain("Your trial ended without a payment method. Add one, then resume")
    expect(await paused.getByTestId("resume-subscription").count()).toBe(0)
    expect(await axeViolations(page)).toEqual([])

    await paused.getByRole("button", { name: "Add payment method" }).click()
    await page.waitForURL("**/p/session/**/payment-method")
    await fillCard(page, uniqueCardNumber())
    await page.getByRole("button", { name: "Add" }).click()
    await page.waitForURL("**/subscription/portal-return?flow=payment_method_update")
    // A card on file does not resume it: Stripe leaves a paused subscription paused until it is resumed.
    expect(await userRow(email)).toMatchObject({ status: "paused" })

    await page.goto(at("/subscription/manage"), { waitUntil: "networkidle" })
    expect(await axeViolations(page)).toEqual([])
    await page.getByTestId("resume-subscription").click()
    await expect.poll(() => page.getByText("Your subscription is active again.").count()).toBe(1)
    expect(await userRow(email)).toMatchObject({ status: "active" })
    await expect.poll(() => page.getByTestId("subscription-paused").count()).toBe(0)
    const resumed = await stripe().subscriptions.retrieve(sub.id)
    expect(resumed.items.data[0]?.current_period_start).toBe(end)
    expect((await stripe().invoices.list({ customer, limit: 1 })).data[0]).toMatchObject({ status: "paid", amount_paid: 1500 })
    checkErrors()
  })
})

// The app's card-less setting, through a third `next start` of the same build: the Checkout it opens
// asks Stripe for payment_method_collection=if_required with the trial. (Finishing it without a card is
// what the emulator's hosted page does not model; the pages for such a trial are tested above.)
describe("CHECKOUT_PAYMENT_METHOD_COLLECTION=if_required", () => {
  const cardless = trialApp({ CHECKOUT_PAYMENT_METHOD_COLLECTION: "if_required" })
  it("the app's Checkout session has the trial and does not require a card", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing", cardless())
    await page.goto(`${cardless()}/pricing`, { waitUntil: "networkidle" })
    expect(await page.getByTestId("trial-offer-pro").textContent()).toBe("14-day free trial")
    await page
      .getByTestId("plan-pro")
      .getByRole("button", { name: /Subscribe/ })
      .click()
    await page.waitForURL("**/c/pay/**")
    expect(await page.getByText("14 days free").count()).toBe(1)
    const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(page.url())?.[1] ?? ""
    const session = await stripe().checkout.sessions.retrieve(sessionId)
    expect(session).toMatchObject({ payment_method_collection: "if_required", amount_total: 0, status: "open" })
    // The app made this customer itself (no test clock needed here), and it is the user's.
    expect(await stripe().customers.retrieve(String(session.customer))).toMatchObject({ email })
    // Hosted Checkout asks for no card; the trial starts, and the pages say it ends canceled
    // (TRIAL_END_WITHOUT_PAYMENT_METHOD's default) unless a card is added.
    expect(await page.getByLabel("Card number").count()).toBe(0)
    await page.getByRole("button", { name: "Start trial" }).click()
    await page.waitForURL("**/subscription/success**")
    const sub = must((await stripe().subscriptions.list({ customer: String(session.customer) })).data[0], "the trial subscription")
    expect(sub).toMatchObject({ status: "trialing", default_payment_method: null })
    expect(sub.trial_settings?.end_behavior.missing_payment_method).toBe("cancel")
    await page.goto(`${cardless()}/subscription/manage`)
    await expect
      .poll(() => page.getByText("your subscription will be canceled", { exact: false }).count(), { timeout: 20_000 })
      .toBeGreaterThan(0)
  })
})

// Issue 20's browser proofs, on the production build: the retention offer accepted in the cancel flow
// (the manage page says what was accepted), a plan change previewed then confirmed (the prorated
// invoice), yearly → monthly scheduled and applied by a test clock (charged what the preview said), the
// dunning grace's end locking the paid features until the invoice is paid, and Stripe Tax (a second `next start` of the same build with STRIPE_TAX=on, sharing the
// stack as tests/support/trial-app.ts does): tax on Checkout for a German address without and with
// a VAT id, and on the invoice history.
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { app, fillCard, noPageErrors, sharedBrowser, signUp, SLOW, subscribe, userRow } from "../support/browser"
import { advanceClock, customerOnClock, DAY, day, settled, stripe, trialApp } from "../support/trial-app"
import { must } from "../support/must"

const browser = sharedBrowser()
const taxOrigin = trialApp({ BILLING_TRIALS: "off", STRIPE_TAX: "on" })
const taxed = (path: string) => `${taxOrigin()}${path}`

async function gotoManage(page: Page, url = app("/subscription/manage")) {
  await page.goto(url, { waitUntil: "networkidle" })
}

describe("keeping the customer: the retention offer and an in-app plan change", () => {
  it("cancel → offer accepted → the manage page says so; Pro → Team previewed, confirmed and invoiced as shown", async () => {
    const page = await browser().newPage()
    const checkErrors = await noPageErrors(page)
    const email = await signUp(page, "/pricing")
    await subscribe(page)
    await expect.poll(async () => (await userRow(email))?.status, SLOW).toBe("active")

    await gotoManage(page)
    await page.getByRole("button", { name: "Cancel subscription" }).click()
    await page.waitForURL("**/p/session/**/offer**")
    expect(await page.getByRole("heading", { name: "Before you go" }).count()).toBe(1)
    await page.getByRole("button", { name: "Accept offer" }).click()
    await page.waitForURL("**/subscription/portal-return**")
    await expect
      .poll(async () => {
        await gotoManage(page)
        return page.getByTestId("retention-accepted").count()
      }, SLOW)
      .toBe(1)
    expect(await page.getByTestId("retention-accepted").textContent()).toMatch(
      /You accepted .+\. It applies to your invoices until \w+ \d+, \d{4}/,
    )
    expect((await userRow(email))?.cancel_at_period_end).toBe(false)

    // The in-app change: Stripe's preview first, then the confirm bills exactly that.
    await page.getByTestId("plan-change").getByRole("button", { name: "Team monthly" }).click()
    const preview = page.getByTestId("plan-preview")
    await preview.waitFor()
    const dueNow = (await page.getByTestId("plan-preview-now").textContent()) ?? ""
    expect(dueNow).toMatch(/^Due now: \$\d+\.\d\d$/)
    expect(await page.getByTestId("plan-preview-next").textContent()).toMatch(/^Next invoice: \$\d+\.\d\d on \w+ \d+, \d{4}\.$/)
    await preview.getByRole("button", { name: "Switch to Team monthly" }).click()
    await page.getByText("You're now on Team monthly.").waitFor()
    const row = await userRow(email)
    const sub = await stripe().subscriptions.retrieve(row.stripe_subscription_id)
    const invoice = await stripe().invoices.retrieve(sub.latest_invoice as string)
    expect(invoice.billing_reason).toBe("subscription_update")
    expect(`Due now: $${(invoice.total / 100).toFixed(2)}`).toBe(dueNow)
    await expect.poll(async () => (await userRow(email))?.plan_id, SLOW).toBe("team")
    checkErrors()
  })
})

describe("yearly → monthly at the period's end, under a test clock", () => {
  it("previewed, scheduled ('Changes to … on DATE' with the amount), applied when the clock passes the year: billed as previewed", async () => {
    const page = await browser().newPage()
    const checkErrors = await noPageErrors(page)
    const email = await signUp(page, "/pricing")
    const { clock } = await customerOnClock(email)
    await subscribe(page, { yearly: true })
    await expect.poll(async () => (await userRow(email))?.interval, SLOW).toBe("year")
    const row = await userRow(email)
    const sub = await stripe().subscriptions.retrieve(row.stripe_subscription_id)
    const end = must(sub.items.data[0], "item").current_period_end

    await gotoManage(page)
    await page.getByTestId("plan-change").getByRole("button", { name: "Pro monthly" }).click()
    const preview = page.getByTestId("plan-preview")
    await preview.waitFor()
    expect(await page.getByTestId("plan-preview-now").textContent()).toBe(
      `Nothing is charged now. You keep your current plan until ${day(end)}.`,
    )
    const next = (await page.getByTestId("plan-preview-next").textContent()) ?? ""
    const amount = must(next.match(/^Next invoice: (\$\d+\.\d\d) on (.+)\.$/), `preview: ${next}`)
    expect(amount[2]).toBe(day(end))
    await preview.getByRole("button", { name: `Change to Pro monthly on ${day(end)}` }).click()
    await page.getByText(`Your plan changes to Pro monthly on ${day(end)}.`).waitFor()
    await expect
      .poll(async () => {
        await gotoManage(page)
        return (
          (await page
            .getByTestId("scheduled-change")
            .textContent()
            .catch(() => "")) ?? ""
        )
      }, SLOW)
      .toContain(`Changes to Pro (monthly) on ${day(end)}. Your first invoice then: ${amount[1]}.`)
    expect((await userRow(email))?.interval).toBe("year")

    // The clock passes the year's end: the schedule's next phase is the subscription, billed as previewed.
    await advanceClock(clock, end + 3600)
    const after = await stripe().subscriptions.retrieve(sub.id)
    expect(after.items.data[0]).toMatchObject({ price: { recurring: { interval: "month" } }, current_period_start: end })
    const invoice = await stripe().invoices.retrieve(after.latest_invoice as string)
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", status: "paid" })
    expect(`$${(invoice.total / 100).toFixed(2)}`).toBe(amount[1])
    await expect.poll(async () => (await userRow(email))?.interval, SLOW).toBe("month")
    await gotoManage(page)
    expect(await page.getByTestId("scheduled-change").count()).toBe(0)
    checkErrors()
    await page.close()
  })
})

describe("the dunning grace's end", () => {
  it("past_due past the grace: the paid features locked and the demo feature refused, saying why, until the invoice is paid", async () => {
    const page = await browser().newPage()
    const checkErrors = await noPageErrors(page)
    const email = await signUp(page, "/dashboard")
    // The app decides the grace by its own (wall) clock: the customer lives 40 days in the past, so
    // the renewal that fails 30 days in is 10 days ago, past the 7-day grace.
    const start = Math.floor(Date.now() / 1000) - 40 * DAY
    const { clock, customer, userId } = await customerOnClock(email, start)
    // Stripe's part, as a Dashboard subscription would be: a Pro subscription paid by a working card.
    const good = await stripe().paymentMethods.attach("pm_card_visa", { customer })
    await stripe().customers.update(customer, { invoice_settings: { default_payment_method: good.id } })
    const price = must((await stripe().prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0], "Pro monthly")
    const sub = await stripe().subscriptions.create({
      customer,
      items: [{ price: price.id }],
      metadata: { user_id: userId, plan_id: "pro" },
    })
    await settled()
    await expect.poll(async () => (await userRow(email))?.status, SLOW).toBe("active")
    // The card then fails, and so does the renewal.
    const failing = await stripe().paymentMethods.attach("pm_card_chargeCustomerFail", { customer })
    await stripe().customers.update(customer, { invoice_settings: { default_payment_method: failing.id } })
    await settled()
    await advanceClock(clock, must(sub.items.data[0], "item").current_period_end + 3600)
    await expect.poll(async () => (await userRow(email))?.status, SLOW).toBe("past_due")

    const locked = "Your last payment failed, so your Pro features are locked until the invoice is paid."
    await page.goto(app("/dashboard"), { waitUntil: "networkidle" })
    expect(await page.getByTestId("feature-advanced_analytics").getAttribute("data-unlocked")).toBe("false")
    expect(await page.getByTestId("features-locked").textContent()).toContain(locked)
    expect(await page.getByTestId("feature-advanced_analytics").textContent()).toContain(locked)
    expect(await page.getByTestId("usage-locked").textContent()).toContain(locked)
    await page.getByRole("button", { name: "Generate report" }).click()
    await expect.poll(() => page.getByTestId("usage-message").textContent(), SLOW).toContain(locked)
    await gotoManage(page)
    expect(await page.getByTestId("grace-ends").textContent()).toBe("Your Pro features are locked until the invoice is paid.")

    // Paid on a new card through the portal's payment-method flow: unlocked again.
    await page.getByTestId("payment-problem").getByRole("button", { name: "Update payment method" }).click()
    await page.waitForURL("**/p/session/**/payment-method")
    await fillCard(page, "4242 4242 4242 4242")
    await page.getByRole("button", { name: "Add" }).click()
    await page.waitForURL("**/subscription/portal-return?flow=payment_method_update")
    await expect.poll(async () => (await userRow(email))?.status, SLOW).toBe("active")
    await settled()
    await expect
      .poll(async () => {
        await page.goto(app("/dashboard"), { waitUntil: "networkidle" })
        return page.getByTestId("feature-advanced_analytics").getAttribute("data-unlocked")
      }, SLOW)
      .toBe("true")
    await page.getByRole("button", { name: "Generate report" }).click()
    await expect.poll(() => page.getByTestId("usage-message").textContent(), SLOW).toMatch(/^Report generated\./)
    checkErrors()
    await page.close()
  })
})

describe("Stripe Tax (STRIPE_TAX=on)", () => {
  it("a German address: 19% on Checkout and on the invoice history; with a VAT id: reverse charge, no tax", async () => {
    for (const vat of [null, "DE123456789"]) {
      const page = await browser().newPage()
      const checkErrors = await noPageErrors(page)
      const email = await signUp(page, "/pricing", taxOrigin())
      await page.goto(taxed("/pricing"), { waitUntil: "networkidle" })
      expect(await page.getByTestId("plan-pro").textContent()).toContain("/ month plus tax")
      await page
        .getByTestId("plan-pro")
        .getByRole("button", { name: /Subscribe/ })
        .click()
      await page.waitForURL("**/c/pay/**")
      expect(await page.getByTestId("checkout-tax").textContent()).toContain("Enter address to calculate")
      await page.getByLabel("Country or region").selectOption("DE")
      await page.getByLabel("Postal code").fill("10115")
      await page.getByLabel("City").fill("Berlin")
      if (vat) {
        await page.getByLabel(/Business name/).fill("Beispiel GmbH")
        await page.getByLabel("VAT number").fill(vat)
      }
      await page.getByRole("button", { name: "Update total" }).click()
      await page.waitForLoadState("load")
      const tax = (await page.getByTestId("checkout-tax").textContent()) ?? ""
      const due = (await page.getByTestId("checkout-due-today").textContent()) ?? ""
      if (vat) {
        expect(tax).toBe("VAT (reverse charge)$0.00")
        expect(due).toBe("$15.00")
      } else {
        expect(tax).toBe("Tax (19%)$2.85")
        expect(due).toBe("$17.85")
      }
      await fillCard(page, "4242 4242 4242 4242")
      await page.getByRole("button", { name: "Subscribe" }).click()
      await page.waitForURL("**/subscription/success**")
      // The invoice history (kept by the drain from invoice events) shows the tax column.
      await expect
        .poll(async () => {
          await gotoManage(page, taxed("/subscription/manage"))
          return (
            (await page
              .getByTestId("invoice-row")
              .first()
              .textContent()
              .catch(() => "")) ?? ""
          )
        }, SLOW)
        .toContain(vat ? "$15.00$0.00" : "$17.85$2.85")
      // A reverse-charged invoice says so beside its tax.
      expect(await page.getByTestId("invoice-row").first().getByTestId("invoice-reverse-charge").count()).toBe(vat ? 1 : 0)
      const row = await userRow(email)
      const customer = await stripe().customers.retrieve(row.stripe_customer_id)
      expect(customer).toMatchObject({ address: { country: "DE", postal_code: "10115" } })
      checkErrors()
      await page.close()
    }
  })
})

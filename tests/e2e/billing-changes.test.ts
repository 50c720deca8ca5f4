// Issue 20's browser proofs, on the production build: the retention offer accepted in the cancel flow
// (the manage page says what was accepted), a plan change previewed then confirmed (the prorated
// invoice), and Stripe Tax (a second `next start` of the same build with STRIPE_TAX=on, sharing the
// stack as tests/support/trial-app.ts does): tax on Checkout for a German address without and with
// a VAT id, and on the invoice history.
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { app, fillCard, noPageErrors, sharedBrowser, signUp, SLOW, subscribe, userRow } from "../support/browser"
import { stripe, trialApp } from "../support/trial-app"

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
      const row = await userRow(email)
      const customer = await stripe().customers.retrieve(row.stripe_customer_id)
      expect(customer).toMatchObject({ address: { country: "DE", postal_code: "10115" } })
      checkErrors()
      await page.close()
    }
  })
})

// Usage in the browser: a Free user generates reports and the meter moves (announced as a progressbar);
// at Free's hard limit "Generate report" is refused with the upgrade prompt and "Buy credits"; a credit
// pack bought through Checkout (mode=payment) and granted by the drain lifts the limit; after subscribing
// to Pro the allowance is Pro's, the pack's Stripe grant is the balance, and once the clock passes the
// period end the renewal invoice bills the overage net of the credits.
import { describe, expect, it } from "vitest"
import { advanceDays, app, db, fillCard, noPageErrors, sharedBrowser, signUp, subscribe, SLOW } from "../support/browser"

const browser = sharedBrowser()

describe("usage meter and the demo feature", () => {
  it("consume → meter moves → hard limit blocks → buy credits → allowed → Pro → renewal bills overage net of credits", async () => {
    const page = await browser().newPage()
    const checkErrors = await noPageErrors(page)
    const email = await signUp(page, "/dashboard")
    const meter = page.getByTestId("usage-meter")
    const bar = meter.getByRole("progressbar", { name: "Reports used" })
    expect(await bar.getAttribute("aria-valuemax")).toBe("20")
    expect(await bar.getAttribute("aria-valuenow")).toBe("0")

    await meter.getByRole("button", { name: "Generate report" }).click()
    await expect.poll(() => meter.getByTestId("usage-message").textContent(), SLOW).toBe("Report generated. 19 left this period.")
    await expect.poll(() => bar.getAttribute("aria-valuenow"), SLOW).toBe("1")
    expect(await bar.getAttribute("aria-valuetext")).toBe("1 of 20 reports used this period")

    // 18 more through the API the button uses (the same session), then the last one by the button.
    const [user] = (await db().query<{ id: string }>("select id from users where email = $1", [email])).rows
    for (let i = 0; i < 18; i++) {
      const status = await page.evaluate(
        async (k) => (await fetch("/api/usage/reports", { method: "POST", body: JSON.stringify({ value: 1, idempotency_key: k }) })).status,
        `e2e-${i}`,
      )
      expect(status).toBe(200)
    }
    await page.reload()
    expect(await meter.getByTestId("usage-threshold").textContent()).toBe("You have used 95% of this period's reports.")
    await meter.getByRole("button", { name: "Generate report" }).click()
    await expect.poll(() => bar.getAttribute("aria-valuenow"), SLOW).toBe("20")
    await meter.getByRole("button", { name: "Generate report" }).click()
    await expect
      .poll(() => meter.getByTestId("usage-message").textContent(), SLOW)
      .toMatch(/^You have used all 20 of this period's allowance\. Upgrade/)
    expect(await meter.getByRole("link", { name: "Upgrade" }).getAttribute("href")).toBe("/pricing")
    const counted = await db().query<{ used: string }>("select used from usage_counters where subject = $1", [`user:${user?.id}`])
    expect(counted.rows[0]?.used).toBe("20")
    expect(await meter.getByTestId("usage-credits").textContent()).toBe("No credits.")

    // Buy a credit pack from the prompt: Stripe Checkout in payment mode, paid on the hosted page.
    const buy = meter.getByRole("button", { name: "Buy 200 report credits ($10.00)" })
    expect(await buy.getAttribute("aria-busy")).toBe("false")
    await buy.click()
    await page.waitForURL("**/c/pay/**")
    expect(await page.getByTestId("checkout-total").textContent()).toBe("$10.00")
    await fillCard(page, "4242 4242 4242 4242")
    await page.getByRole("button", { name: "Pay", exact: true }).click()
    await page.waitForURL("**/dashboard?credits=purchased")
    expect(await page.getByRole("status").filter({ hasText: "Payment received" }).count()).toBe(1)
    // The drain grants the pack from the payment's webhook; the meter then announces the credits.
    await expect
      .poll(async () => {
        await page.reload()
        return meter.getByTestId("usage-credits").textContent()
      }, SLOW)
      .toBe("Credits: 200 reports left past the allowance.")
    expect(await meter.getByTestId("usage-credits").getAttribute("aria-live")).toBe("polite")
    await meter.getByRole("button", { name: "Generate report" }).click()
    await expect.poll(() => meter.getByTestId("usage-message").textContent(), SLOW).toBe("Report generated. 199 left this period.")
    const grants = await db().query<{ n: number }>(
      "select count(*)::int n from credit_purchases where user_id = $1 and stripe_credit_grant_id is not null",
      [user?.id],
    )
    expect(grants.rows[0]?.n).toBe(1)

    await subscribe(page)
    await expect
      .poll(async () => {
        await page.goto(app("/dashboard"))
        return page.getByTestId("usage-meter").getByRole("progressbar").getAttribute("aria-valuemax")
      }, SLOW)
      .toBe("500")
    await page.getByTestId("usage-meter").getByRole("button", { name: "Generate report" }).click()
    await expect.poll(() => page.getByTestId("usage-message").textContent(), SLOW).toBe("Report generated. 499 left this period.")

    // On Pro the pack's Stripe credit grant ($10.00 = 200 reports at Pro's 5 cents) is the balance.
    const pro = page.getByTestId("usage-meter")
    await expect
      .poll(async () => {
        await page.goto(app("/dashboard"))
        return pro.getByTestId("usage-credits").textContent()
      }, SLOW)
      .toBe("Credit balance: $10.00 (about 200 reports of overage), applied to usage on your next invoice.")
    // 300 past the allowance: $15.00 of usage, $10.00 of it from credits.
    const over = await page.evaluate(
      async () =>
        (await fetch("/api/usage/reports", { method: "POST", body: JSON.stringify({ value: 799, idempotency_key: "e2e-overage" }) }))
          .status,
    )
    expect(over).toBe(200)
    const unsent = () =>
      db().query<{ pending: number; sent: number; why: string | null }>(
        `select count(*) filter (where o.status <> 'sent')::int pending, count(*) filter (where o.status = 'sent')::int sent,
           string_agg(distinct o.status || ' ' || o.attempts || ': ' || coalesce(o.last_error, 'no error'), '; ') why
         from usage_outbox o join billing_customers c on c.stripe_customer_id = o.stripe_customer_id where c.user_id = $1`,
        [user?.id],
      )
    await expect.poll(async () => (await unsent()).rows[0], SLOW).toMatchObject({ pending: 0 })
    expect((await unsent()).rows[0]?.sent).toBeGreaterThan(0)

    // Past the period end: the renewal invoice bills the overage line, less the credits.
    await advanceDays(31)
    await expect
      .poll(async () => {
        await page.goto(app("/subscription/manage"), { waitUntil: "networkidle" })
        return page.getByTestId("invoice-row").first().textContent()
      }, SLOW)
      .toContain("$20.00")
    await page.getByTestId("invoice-row").first().getByRole("link", { name: /^View/ }).click()
    await page.waitForURL("**/i/**")
    const lines = page.getByRole("table", { name: "Invoice lines" })
    expect(await lines.getByRole("row").filter({ hasText: "Tier 2" }).textContent()).toContain("$15.00")
    expect(await page.getByTestId("invoice-credits").textContent()).toBe("Credits applied−$10.00")
    expect(await lines.getByRole("row").last().textContent()).toBe("Amount paid$20.00")
    // The invoice drew the balance down; the drain read it again.
    await expect
      .poll(async () => {
        await page.goto(app("/dashboard"))
        return page.getByTestId("usage-meter").getByTestId("usage-credits").textContent()
      }, SLOW)
      .toBe("No credits.")
    checkErrors()
  })
})

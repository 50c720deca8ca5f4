import type { Page } from "playwright-core"
import { describe, expect, inject, it } from "vitest"
import { advanceDays, app, db, fillCard, inboxSettled, sharedBrowser, signUp, subscribe, userRow } from "../support/browser"

const browser = sharedBrowser()

/** The billing emails (sent over SMTP into the auth emulator's mailbox) to `to`, waiting for `subject`. */
async function billingMail(to: string, subject: RegExp, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(`${inject("e2eAuthUrl")}/_mailbox/messages?to=${encodeURIComponent(to)}`)
    const { messages } = (await res.json()) as { messages: { kind: string; subject: string; text: string; html: string | null }[] }
    const mail = messages.find((m) => m.kind === "smtp" && subject.test(m.subject))
    if (mail) return mail
    if (Date.now() > deadline) throw new Error(`no billing email ${subject} for ${to}: ${messages.map((m) => m.subject).join(", ")}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** The manage page after hydration: its buttons are client components and do nothing before. */
async function gotoManage(page: Page) {
  await page.goto(app("/subscription/manage"), { waitUntil: "networkidle" })
}

async function openPortal(page: Page, button: string | RegExp = "Manage Subscription") {
  await gotoManage(page)
  await page.getByRole("button", { name: button }).first().click()
  await page.waitForURL("**/p/session/**")
}

describe("Customer Portal", () => {
  it("update card, switch Pro → Team, cancel at period end, return: every page and the row agree", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page)
    await openPortal(page)
    expect(await page.getByTestId("portal-subscription").textContent()).toContain("Pro")
    expect(await page.getByTestId("portal-invoices").textContent()).toContain("$15.00")

    await page.getByRole("link", { name: "Update payment method" }).click()
    await fillCard(page, "5555 5555 5555 4444")
    await page.getByRole("button", { name: "Add" }).click()
    await page.waitForURL("**/home?done=payment_method")
    expect(await page.getByTestId("portal-payment-method").textContent()).toContain("MASTERCARD •••• 4444")

    await page.getByRole("link", { name: "Update subscription" }).click()
    await page.getByLabel(/Team · \$12\.00 per month/).check()
    await page.getByLabel("Quantity (seats)").fill("2")
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("button", { name: "Confirm" }).click()
    await page.waitForURL("**/home?done=updated")
    expect(await page.getByTestId("portal-subscription").textContent()).toContain("Team · 2 seats")

    await page.getByRole("link", { name: "Cancel subscription" }).click()
    await page.getByLabel("It's too expensive").check()
    await page.getByRole("button", { name: "Cancel plan" }).click()
    await page.waitForURL("**/home?done=canceled")
    await page.getByTestId("portal-return").click()
    await page.waitForURL("**/subscription/portal-return")

    const summary = await page.getByTestId("portal-return-summary").textContent()
    expect(summary).toMatch(/Your Team plan ends on \w+ \d+, \d{4}\./)
    expect(await page.getByTestId("portal-return-card").textContent()).toContain("ending in 4444")
    await page.goto(app("/subscription"))
    expect(await page.getByTestId("plan-name").textContent()).toBe("Team")
    expect(await page.getByTestId("subscription-headline").textContent()).toMatch(/ends on/)
    const row = await userRow(email)
    expect(row).toMatchObject({ cancel_at_period_end: true, plan_id: "team", quantity: 2, status: "active" })
    const { rows } = await db().query(
      "select type, processed_at from subscription_events where payload->'data'->'object'->>'customer' = $1 or payload->'data'->'object'->>'id' = $1",
      [row.stripe_customer_id],
    )
    const types = rows.map((r) => r.type)
    expect(types).toEqual(
      expect.arrayContaining(["checkout.session.completed", "customer.subscription.updated", "payment_method.attached", "invoice.paid"]),
    )
    expect(rows.every((r) => r.processed_at)).toBe(true)
  })

  it("without a subscription the manage page offers the pricing page", async () => {
    const page = await browser().newPage()
    await signUp(page, "/subscription/manage")
    await page.getByRole("heading", { name: "No Active Subscription" }).waitFor({ state: "visible" })
    expect(await page.getByRole("button", { name: "Manage Subscription" }).count()).toBe(0)
    await page.getByRole("link", { name: "View Plans" }).click()
    await page.waitForURL("**/pricing")
  })

  it("past_due: banner, deep link, card fixed, invoice paid, active again", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page)
    // A card that attaches but fails when charged becomes the default…
    await openPortal(page)
    await page.getByRole("link", { name: "Update payment method" }).click()
    await fillCard(page, "4000 0000 0000 0341")
    await page.getByRole("button", { name: "Add" }).click()
    await page.waitForURL("**/home?done=payment_method")
    // …and the renewal fails.
    await advanceDays(31)
    expect((await userRow(email)).status).toBe("past_due")
    // The drain mailed it over SMTP: it is in the one dev mailbox, with the update-card link.
    const mail = await billingMail(email, /^Your Pro payment of \$[\d.]+ failed$/)
    expect(mail.text).toContain(app("/subscription/update-card"))
    await page.goto(app("/subscription/update-card"))
    await page.getByRole("heading", { name: "Update your payment method" }).waitFor()
    await gotoManage(page)
    // The invoice history: the renewal is due, with Pay now on Stripe's hosted page; the PDF link works.
    const due = page.getByTestId("invoice-row").filter({ hasText: "Due" })
    await due.getByTestId("invoice-pay-now").waitFor({ state: "visible" })
    const pdf = await fetch((await page.getByTestId("invoice-pdf").first().getAttribute("href")) ?? "")
    expect(pdf.headers.get("content-type")).toContain("application/pdf")
    await page.getByTestId("payment-problem").waitFor({ state: "visible" })
    expect(await page.getByTestId("payment-problem").textContent()).toContain("Your last payment failed")
    await page.getByTestId("payment-problem").getByRole("button", { name: "Update payment method" }).click()
    await page.waitForURL("**/p/session/**/payment-method")
    await fillCard(page, "4242 4242 4242 4242")
    await page.getByRole("button", { name: "Add" }).click()
    await page.waitForURL("**/subscription/portal-return?flow=payment_method_update")
    expect(await page.getByTestId("portal-return-summary").textContent()).toMatch(/You're on Pro\. It renews on/)
    expect((await userRow(email)).status).toBe("active")
    // The portal return synced the subscription at once; the invoice row follows invoice.paid's webhook.
    await inboxSettled()
    await gotoManage(page)
    expect(await page.getByTestId("invoice-row").filter({ hasText: "Due" }).count()).toBe(0)
  })

  it("expired: shown as ended, invoices still reachable", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page)
    await openPortal(page, "Cancel subscription")
    // The cancel flow opens on the retention offer (issue 20, item 3): declined here.
    await page.getByRole("link", { name: "No thanks, continue cancelling" }).click()
    await page.getByRole("button", { name: "Cancel plan" }).click()
    await page.waitForURL("**/subscription/portal-return?flow=subscription_cancel")
    await advanceDays(32)
    expect((await userRow(email)).status).toBe("canceled")
    await gotoManage(page)
    // The manage page streams (Suspense): wait until the content is shown, not merely in the DOM.
    await page.getByTestId("subscription-ended").waitFor({ state: "visible" })
    expect(await page.getByTestId("subscription-ended").textContent()).toMatch(/It ended on \w+ \d+, \d{4}/)
    expect(await page.getByRole("link", { name: "Subscribe again" }).count()).toBe(1)
    await page.getByRole("button", { name: "View past invoices" }).click()
    await page.waitForURL("**/p/session/**")
    expect(await page.getByTestId("portal-invoices").textContent()).toContain("Paid")
    expect(await page.getByTestId("portal-subscription").textContent()).toContain("Ended on")
  })

  it("five rapid clicks open one portal and show no error", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page)
    await gotoManage(page)
    const button = page.getByRole("button", { name: "Manage Subscription" })
    await button.evaluate((el: HTMLButtonElement) => {
      for (let i = 0; i < 5; i++) el.click()
    })
    await page.waitForURL("**/p/session/**")
    expect(await page.locator("[data-sonner-toast]").count()).toBe(0)
    const { rows } = await db().query("select count(*)::int n from portal_sessions p join users u on u.id = p.user_id where u.email = $1", [
      email,
    ])
    expect(rows[0].n).toBe(1)
  })

  it("signed-out requests get no session, and the action ignores a customer smuggled into its input", async () => {
    const victim = await browser().newPage()
    await signUp(victim, "/pricing")
    await subscribe(victim)
    const victimCustomer = (await db().query("select stripe_customer_id from billing_customers order by created_at desc limit 1")).rows[0]
      .stripe_customer_id

    const context = await browser().newContext()
    const page = await context.newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page)
    await gotoManage(page)
    await page.route("**/subscription/manage", async (route) => {
      const body = route.request().postData()
      if (route.request().method() !== "POST" || !body) return route.continue()
      await route.continue({ postData: body.replace('"flow":"home"', `"flow":"home","customer":"${victimCustomer}"`) })
    })
    await page.getByRole("button", { name: "Manage Subscription" }).first().click()
    await page.waitForURL("**/p/session/**")
    expect(await page.getByTestId("portal-billing-info").textContent()).toContain(email)
    await page.unroute("**/subscription/manage")

    await gotoManage(page)
    const before = (await db().query("select count(*)::int n from portal_sessions")).rows[0].n
    await context.clearCookies()
    await page.getByRole("button", { name: "Manage Subscription" }).first().click()
    await expect.poll(() => page.locator("[data-sonner-toast]").first().textContent()).toContain("Your session has ended")
    expect((await db().query("select count(*)::int n from portal_sessions")).rows[0].n).toBe(before)
    await context.close()
  })
})

import { describe, expect, it } from "vitest"
import { app, sharedBrowser, signUp, subscribe, userRow } from "../support/browser"

const browser = sharedBrowser()

describe("subscribing", () => {
  it("Pro monthly with 4242: success page shows Pro active, /subscription the renewal date", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page)
    await expect
      .poll(() => page.getByTestId("subscription-headline").first().textContent())
      .toMatch(/^You're on Pro\. It renews on \w+ \d+, \d{4}\.$/)
    await page.goto(app("/subscription"))
    expect(await page.getByTestId("plan-name").textContent()).toBe("Pro")
    expect(await page.getByTestId("plan-price").textContent()).toBe("$15.00 / month")
    expect(await page.getByTestId("period-end").textContent()).toMatch(/\w+ \d+, \d{4}/)
    const row = await userRow(email)
    expect(row).toMatchObject({ status: "active", plan_id: "pro", quantity: 1, interval: "month" })
    // A subscriber is not sent to a second Checkout.
    await page.goto(app("/pricing"), { waitUntil: "networkidle" })
    expect(await page.getByTestId("plan-pro").getByText("Current plan").count()).toBe(1)
    expect(await page.getByRole("button", { name: /Subscribe to/ }).count()).toBe(0)
  })

  it("the Monthly/Yearly switch works without JavaScript and from the keyboard; Enter in Seats checks out the interval shown", async () => {
    // JavaScript off: the cards are server-rendered with both intervals, and the switch is CSS.
    const context = await browser().newContext({ javaScriptEnabled: false })
    const nojs = await context.newPage()
    await nojs.goto(app("/pricing"))
    const pro = nojs.getByTestId("plan-pro")
    expect(await pro.getByText("$15.00", { exact: true }).isVisible()).toBe(true)
    expect(await pro.getByText("$150.00", { exact: true }).isVisible()).toBe(false)
    await nojs.getByText("Yearly").click()
    expect(await pro.getByText("$150.00", { exact: true }).isVisible()).toBe(true)
    expect(await pro.getByText("$15.00", { exact: true }).isVisible()).toBe(false)
    await context.close()

    // The keyboard: the switch is a radio group (arrow keys); Enter in Seats submits with the visible interval's button.
    const page = await browser().newPage()
    await signUp(page, "/pricing")
    await page.waitForLoadState("networkidle")
    const team = page.getByTestId("plan-team")
    await page.getByRole("radio", { name: "Monthly" }).focus()
    await page.keyboard.press("ArrowRight")
    expect(await page.getByRole("radio", { name: "Yearly (2 months free)" }).isChecked()).toBe(true)
    expect(await team.getByText("$120.00", { exact: true }).isVisible()).toBe(true)
    await team.getByLabel("Seats").fill("3")
    expect(await team.getByText("$360.00 / year for 3 seats (2–100)").isVisible()).toBe(true)
    await team.getByLabel("Seats").press("Enter")
    await page.waitForURL("**/c/pay/**")
    const total = await page.getByTestId("checkout-total").textContent()
    expect(total).toContain("$360.00")
    expect(total).toContain("per year")
  })

  it("a declined card shows Stripe's message and creates no subscription", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page, { card: "4000 0000 0000 0002" })
    await expect.poll(() => page.getByRole("alert").textContent()).toBe("Your card was declined.")
    expect(await userRow(email)).toBeUndefined()
    await page.getByRole("link", { name: "← Back" }).click()
    await page.waitForURL("**/pricing?checkout=canceled")
    expect(await page.getByRole("status").first().textContent()).toContain("Checkout was canceled")
  })

  it("Team with 3 seats", async () => {
    const page = await browser().newPage()
    const email = await signUp(page, "/pricing")
    await subscribe(page, { plan: "team", seats: 3 })
    await expect.poll(() => page.getByTestId("subscription-headline").first().textContent()).toMatch(/^You're on Team with 3 seats\./)
    expect(await page.getByTestId("seats").textContent()).toBe("3")
    expect(await userRow(email)).toMatchObject({ plan_id: "team", quantity: 3, unit_amount: 1200 })
  })

  it("rejects a seat count outside the plan's range with a message", async () => {
    const page = await browser().newPage()
    await signUp(page, "/pricing")
    const card = page.getByTestId("plan-team")
    const seats = card.getByLabel("Seats")
    await seats.fill("500")
    // The browser refuses first (the input's range)…
    expect(await seats.evaluate((el: HTMLInputElement) => el.validity.rangeOverflow)).toBe(true)
    // …and the server refuses what gets past it.
    await seats.evaluate((el: HTMLInputElement) => el.removeAttribute("max"))
    await card.getByRole("button", { name: /Subscribe/ }).click()
    await expect.poll(() => page.locator("[data-sonner-toast]").first().textContent()).toContain("between 2 and 100 seats")
    expect(page.url()).toContain("/pricing")
  })
})

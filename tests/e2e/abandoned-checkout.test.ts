// Abandoned checkouts in the browser: leaving hosted Checkout and choosing the same plan again resumes
// the open session instead of starting a second one; when Stripe expires it (24 h later, on the
// emulator's clock) the checkout.session.expired webhook is recorded and the next click opens a new one.
import { describe, expect, it } from "vitest"
import { advanceDays, db, fillCard, noPageErrors, openCheckout, sharedBrowser, signUp, SLOW } from "../support/browser"

const browser = sharedBrowser()

describe("abandoned checkout", () => {
  it("back on pricing → the same session resumes; expired at Stripe → recorded, and a new one opens", async () => {
    const page = await browser().newPage()
    const errors = await noPageErrors(page)
    const email = await signUp(page, "/pricing")
    const first = await openCheckout(page)
    // The customer leaves through Checkout's own Back link (the cancel_url) and tries again.
    await page.getByRole("link", { name: "← Back" }).click()
    await page.waitForURL("**/pricing?checkout=canceled")
    expect(await openCheckout(page)).toBe(first)
    const sessions = async () =>
      (
        await db().query<{ status: string; stripe_session_id: string }>(
          "select c.status, c.stripe_session_id from checkout_sessions c join users u on u.id = c.user_id where u.email = $1 order by c.id",
          [email],
        )
      ).rows
    expect((await sessions()).map((s) => s.status)).toEqual(["open"])
    const sessionId = (await sessions())[0]?.stripe_session_id

    // Stripe expires an unpaid session after 24 hours and says so by webhook.
    await advanceDays(2)
    await expect.poll(async () => (await sessions()).map((s) => s.status), SLOW).toEqual(["expired"])
    const { rows } = await db().query(
      "select outcome from subscription_events where type = 'checkout.session.expired' and payload->'data'->'object'->>'id' = $1 and processed_at is not null",
      [sessionId],
    )
    expect(rows).toHaveLength(1)
    await page.goto(first)
    expect(await page.getByRole("heading", { name: "This Checkout Session is no longer active" }).count()).toBe(1)

    const second = await openCheckout(page)
    expect(second).not.toBe(first)
    await fillCard(page, "4242 4242 4242 4242")
    await page.getByRole("button", { name: "Subscribe" }).click()
    await page.waitForURL("**/subscription/success**")
    await expect.poll(async () => (await sessions()).map((s) => s.status), SLOW).toEqual(["expired", "complete"])
    errors()
  })
})

// Gating in the browser: a free user sees Advanced analytics locked with an upgrade link; after
// subscribing to Pro (Checkout, then the webhook's entitlements summary) the dashboard unlocks it.
import { describe, expect, it } from "vitest"
import { app, sharedBrowser, signUp, subscribe } from "../support/browser"

const browser = sharedBrowser()

describe("entitlements gating", () => {
  it("free user: locked with an upgrade link; after subscribing to Pro: unlocked", async () => {
    const page = await browser().newPage()
    await signUp(page, "/dashboard")
    await page.goto(app("/dashboard"))
    const feature = page.getByTestId("feature-advanced_analytics")
    expect(await feature.getAttribute("data-unlocked")).toBe("false")
    expect(await feature.getByText("Included in Pro and Team.").count()).toBe(1)
    const upgrade = feature.getByRole("link", { name: "Upgrade to unlock advanced analytics" })
    expect(await upgrade.getAttribute("href")).toBe("/pricing")

    await subscribe(page)
    await expect.poll(() => page.getByTestId("subscription-headline").first().textContent()).toMatch(/^You're on Pro\./)
    await expect
      .poll(
        async () => {
          await page.goto(app("/dashboard"))
          return page.getByTestId("feature-advanced_analytics").getAttribute("data-unlocked")
        },
        { timeout: 15_000 },
      )
      .toBe("true")
    expect(await page.getByTestId("feature-advanced_analytics").getByText("Included in your plan.").count()).toBe(1)
    expect(
      await page
        .getByTestId("feature-advanced_analytics")
        .getByRole("link", { name: /Upgrade to unlock/ })
        .count(),
    ).toBe(0)
    // Pro does not include what only Team unlocks.
    const shared = page.getByTestId("feature-shared_workspaces")
    expect(await shared.getAttribute("data-unlocked")).toBe("false")
    expect(await shared.getByText("Included in Team.").count()).toBe(1)
  })
})

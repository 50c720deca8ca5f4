// Usage in the browser: a Free user generates reports and the meter moves (announced as a progressbar);
// at Free's hard limit "Generate report" is refused with the upgrade prompt; after subscribing to Pro
// the allowance is Pro's and reports are allowed again.
import { describe, expect, it } from "vitest"
import { app, db, noPageErrors, sharedBrowser, signUp, subscribe, SLOW } from "../support/browser"

const browser = sharedBrowser()

describe("usage meter and the demo feature", () => {
  it("consume → the meter moves → the hard limit blocks with the upgrade prompt → Pro allows again", async () => {
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

    await subscribe(page)
    await expect
      .poll(async () => {
        await page.goto(app("/dashboard"))
        return page.getByTestId("usage-meter").getByRole("progressbar").getAttribute("aria-valuemax")
      }, SLOW)
      .toBe("500")
    await page.getByTestId("usage-meter").getByRole("button", { name: "Generate report" }).click()
    await expect.poll(() => page.getByTestId("usage-message").textContent(), SLOW).toBe("Report generated. 499 left this period.")
    checkErrors()
  })
})

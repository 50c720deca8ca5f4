import { describe, expect, it } from "vitest"
import { app, sharedBrowser, signUp } from "../support/browser"

const browser = sharedBrowser()
// Server actions can take seconds on a loaded machine; vitest's default poll timeout is 1 s.
const SLOW = { timeout: 20_000, interval: 100 }

describe("accounts", () => {
  it("signs up, reaches the dashboard, signs out, and protected pages send you to log in", async () => {
    const page = await browser().newPage()
    const email = await signUp(page)
    await expect.poll(() => page.getByTestId("dashboard-email").textContent(), SLOW).toContain(email)
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.waitForURL("**/auth/login?signed_out=1")
    await page.goto(app("/subscription/manage"))
    await page.waitForURL("**/auth/login?next=%2Fsubscription%2Fmanage")
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Log in")
    // Logging in brings you back where you were going.
    await page.getByLabel("Email").fill(email)
    await page.getByLabel("Password").fill("correct-horse-battery")
    await page.getByRole("button", { name: "Log in" }).click()
    await page.waitForURL("**/subscription/manage")
  })

  it("shows clear form errors", async () => {
    const page = await browser().newPage()
    const email = await signUp(page)
    await page.getByRole("button", { name: "Sign out" }).click()
    await page.goto(app("/auth/login"))
    await page.getByLabel("Email").fill(email)
    await page.getByLabel("Password").fill("wrong password")
    await page.getByRole("button", { name: "Log in" }).click()
    await expect.poll(() => page.getByRole("alert").first().textContent(), SLOW).toContain("Wrong email or password.")
    await page.goto(app("/auth/signup"))
    await page.getByLabel("Email").fill(email)
    await page.getByLabel("Password").fill("another-long-one")
    await page.getByRole("button", { name: "Create account" }).click()
    await expect.poll(() => page.getByRole("alert").first().textContent(), SLOW).toContain("already exists")
    await page.getByLabel("Password").fill("short")
    await page.getByRole("button", { name: "Create account" }).click()
    await expect.poll(() => page.locator("#password-error").textContent(), SLOW).toContain("at least 8")
  })

  it("never redirects off-site after login", async () => {
    const page = await browser().newPage()
    await page.goto(app("/auth/login?next=https://evil.example/"))
    expect(await page.locator('input[name="next"]').getAttribute("value")).toBe("/dashboard")
  })
})

// axe-core on every page in each state a customer sees it (signed out, signed in without and with a
// subscription, form errors, not found), on the production build. Zero violations of any rule axe
// runs by default (WCAG 2.x A/AA and best practices).
import { AxeBuilder } from "@axe-core/playwright"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { app, sharedBrowser, signUp, subscribe } from "../support/browser"

const browser = sharedBrowser()

async function violations(page: Page, path: string) {
  if (path) await page.goto(app(path), { waitUntil: "networkidle" })
  const { violations } = await new AxeBuilder({ page }).analyze()
  return violations.map(
    (v) => `${path || page.url()}: ${v.id} (${v.impact}) ${v.help} → ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  )
}

describe("accessibility (axe-core)", () => {
  it("signed-out pages and form errors have no violations", async () => {
    const page = await (await browser().newContext()).newPage()
    const found: string[] = []
    for (const path of [
      "/",
      "/pricing",
      "/legal/privacy",
      "/legal/terms",
      "/auth/login",
      "/auth/signup",
      "/auth/login?next=%2Fsubscription%2Fmanage",
      "/invite?token=not-a-real-invite",
      "/no-such-page",
    ])
      found.push(...(await violations(page, path)))
    await page.goto(app("/auth/login"), { waitUntil: "networkidle" })
    await page.getByLabel("Email").fill("nobody@example.com")
    await page.getByLabel("Password").fill("wrong password")
    await page.getByRole("button", { name: "Log in" }).click()
    await page.getByRole("alert").first().waitFor()
    found.push(...(await violations(page, "")))
    expect(found).toEqual([])
  })

  it("signed-in pages, without and with a subscription, have no violations", async () => {
    const page = await (await browser().newContext()).newPage()
    const found: string[] = []
    await signUp(page)
    for (const path of ["/dashboard", "/pricing", "/subscription", "/subscription/manage", "/team"])
      found.push(...(await violations(page, path)))
    await subscribe(page)
    found.push(...(await violations(page, ""))) // the success page as Checkout returns to it
    for (const path of ["/dashboard", "/subscription", "/subscription/manage", "/subscription/portal-return"])
      found.push(...(await violations(page, path)))
    expect(found).toEqual([])
  })

  it("a Team owner's team page, with a seat preview open and an invite sent, has no violations", async () => {
    const page = await (await browser().newContext()).newPage()
    await signUp(page)
    await subscribe(page, { plan: "team", seats: 3 })
    await page.goto(app("/team"), { waitUntil: "networkidle" })
    const invite = page.getByRole("form", { name: "Invite a member" })
    await invite.getByLabel("Email address").fill(`a11y-${Date.now()}@example.com`)
    await invite.getByRole("button", { name: "Send invite" }).click()
    await page.getByTestId("team-invites").waitFor({ timeout: 20_000 })
    const seats = page.getByRole("form", { name: "Change seats" })
    await seats.getByLabel("Seats").fill("4")
    await seats.getByRole("button", { name: "Preview price" }).click()
    await page.getByTestId("seat-preview").waitFor({ timeout: 20_000 })
    expect(await violations(page, "")).toEqual([])
  })
})

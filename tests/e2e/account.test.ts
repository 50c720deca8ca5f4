// Password reset, email change and password change in the browser, with every link taken from the
// auth emulator's dev mailbox as a person running `npm run dev` would click it.
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { app, mailLink, noPageErrors, sharedBrowser, signUp, SLOW } from "../support/browser"

const browser = sharedBrowser()
const PASSWORD = "correct-horse-battery" // what signUp() uses

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out", exact: true }).click()
  await page.waitForURL("**/auth/login?signed_out=1")
}

async function logIn(page: Page, email: string, password: string) {
  await page.goto(app("/auth/login"))
  await page.getByLabel("Email").fill(email)
  await page.getByLabel("Password").fill(password)
  await page.getByRole("button", { name: "Log in" }).click()
}

describe("account", () => {
  it("forgot password → mailbox link → new password → sign in", async () => {
    const page = await browser().newPage()
    const clean = await noPageErrors(page)
    const email = await signUp(page)
    await signOut(page)
    await page.getByRole("link", { name: "Forgot your password?" }).click()
    await page.waitForURL("**/auth/forgot-password")
    await page.getByLabel("Email").fill(email)
    await page.getByRole("button", { name: "Send reset link" }).click()
    await expect.poll(() => page.getByRole("status").first().textContent(), SLOW).toContain("we've emailed it a link")
    const link = await mailLink(email, "recovery")
    await page.goto(link)
    await page.waitForURL("**/auth/reset-password")
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Choose a new password")
    await page.getByLabel("New password", { exact: true }).fill("short")
    await page.getByLabel("Confirm new password").fill("short")
    await page.getByRole("button", { name: "Set new password" }).click()
    await expect.poll(() => page.locator("#password-error").textContent(), SLOW).toContain("at least 8")
    await page.getByLabel("New password", { exact: true }).fill("a-brand-new-secret")
    await page.getByLabel("Confirm new password").fill("a-brand-new-secret")
    await page.getByRole("button", { name: "Set new password" }).click()
    await page.waitForURL("**/account?updated=password")
    await expect.poll(() => page.getByText("Your new password is set.").count(), SLOW).toBe(1)
    await signOut(page)
    await logIn(page, email, PASSWORD)
    await expect.poll(() => page.getByRole("alert").first().textContent(), SLOW).toContain("Wrong email or password.")
    await logIn(page, email, "a-brand-new-secret")
    await page.waitForURL("**/dashboard")
    // The link worked once: opening it again asks for a new one.
    await page.goto(link)
    await page.waitForURL((url) => url.pathname === "/auth/forgot-password" && url.searchParams.get("error") === "link_invalid")
    await expect.poll(() => page.getByRole("alert").first().textContent(), SLOW).toContain("expired or was already used")
    clean()
  })

  it("change email → confirm from the new inbox → sign in with the new address", async () => {
    const page = await browser().newPage()
    const clean = await noPageErrors(page)
    const email = await signUp(page)
    await page.getByTestId("signed-in-as").click()
    await page.waitForURL("**/account")
    const next = `new-${email}`
    await page.getByLabel("New email").fill(next)
    await page.locator("#email_current_password").fill(PASSWORD)
    await page.getByRole("button", { name: "Change email" }).click()
    await expect.poll(() => page.getByRole("status").first().textContent(), SLOW).toContain(`Check ${next}`)
    await page.reload()
    await expect.poll(() => page.getByTestId("pending-email").textContent(), SLOW).toContain(next)
    expect(await page.getByTestId("account-email").textContent()).toContain(email) // unchanged until confirmed
    await page.goto(await mailLink(next, "email_change"))
    await page.waitForURL("**/account?updated=email")
    await expect.poll(() => page.getByTestId("account-email").textContent(), SLOW).toContain(next)
    expect(await page.getByTestId("pending-email").count()).toBe(0)
    await signOut(page)
    await logIn(page, email, PASSWORD)
    await expect.poll(() => page.getByRole("alert").first().textContent(), SLOW).toContain("Wrong email or password.")
    await logIn(page, next, PASSWORD)
    await page.waitForURL("**/dashboard")
    await expect.poll(() => page.getByTestId("dashboard-email").textContent(), SLOW).toContain(next)
    clean()
  })

  it("changes the password from the account page, with clear errors", async () => {
    const page = await browser().newPage()
    const email = await signUp(page)
    await page.goto(app("/account"))
    await page.getByLabel("New password", { exact: true }).fill(PASSWORD)
    await page.getByLabel("Confirm new password").fill("something-else")
    await page.locator("#current_password").fill(PASSWORD)
    await page.getByRole("button", { name: "Change password" }).click()
    await expect.poll(() => page.locator("#confirm-error").textContent(), SLOW).toContain("don't match")
    // Password fields are emptied after each attempt (React resets the form): both are typed again.
    await page.getByLabel("New password", { exact: true }).fill(PASSWORD)
    await page.getByLabel("Confirm new password").fill(PASSWORD)
    await page.locator("#current_password").fill(PASSWORD)
    await page.getByRole("button", { name: "Change password" }).click()
    await expect.poll(() => page.getByRole("alert").first().textContent(), SLOW).toContain("different from your current one")
    await page.getByLabel("New password", { exact: true }).fill("changed-from-account")
    await page.getByLabel("Confirm new password").fill("changed-from-account")
    await page.locator("#current_password").fill(PASSWORD)
    await page.getByRole("button", { name: "Change password" }).click()
    await expect.poll(() => page.getByRole("status").first().textContent(), SLOW).toContain("Your password has been changed.")
    await signOut(page)
    await logIn(page, email, "changed-from-account")
    await page.waitForURL("**/dashboard")
  })

  it("keeps session cookies from scripts (HttpOnly, Secure, SameSite=Lax) and refuses a tampered one", async () => {
    const context = await browser().newContext()
    const page = await context.newPage()
    await signUp(page)
    const session = (await context.cookies()).filter((c) => /^sb-.*-auth-token(\.\d+)?$/.test(c.name))
    expect(session.length).toBeGreaterThan(0)
    for (const c of session) expect(c).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax" })
    expect(await page.evaluate(() => document.cookie)).not.toContain("auth-token")
    // Rewrite the token's subject under its old signature: getClaims() must refuse it.
    // @supabase/ssr splits a long session into name.0, name.1…: join, tamper, write back as one.
    const chunks = session.sort((a, b) => a.name.localeCompare(b.name))
    const [cookie] = chunks
    const joined = chunks.map((c) => c.value).join("")
    const stored = JSON.parse(Buffer.from(joined.replace(/^base64-/, ""), "base64url").toString()) as {
      access_token: string
      refresh_token: string
    }
    const [h, p, s] = stored.access_token.split(".") as [string, string, string]
    const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>
    stored.access_token = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: crypto.randomUUID() })).toString("base64url")}.${s}`
    stored.refresh_token = "not-a-refresh-token"
    await context.clearCookies()
    const base = cookie as NonNullable<typeof cookie>
    await context.addCookies([
      { ...base, name: base.name.replace(/\.\d+$/, ""), value: `base64-${Buffer.from(JSON.stringify(stored)).toString("base64url")}` },
    ])
    await page.goto(app("/dashboard"))
    await page.waitForURL("**/auth/login?next=%2Fdashboard")
    await context.close()
  })

  it("a reset page opened without the link explains what to do", async () => {
    const page = await browser().newPage()
    await page.goto(app("/auth/reset-password"))
    await expect.poll(() => page.getByRole("alert").first().textContent(), SLOW).toContain("Open the link from the reset email")
    await page.getByRole("link", { name: "Request a reset link" }).click()
    await page.waitForURL("**/auth/forgot-password")
  })
})

describe("reset link in the token_hash template form (docs/architecture.md)", () => {
  it("works in another browser than the one that asked", async () => {
    const page = await browser().newPage()
    const email = await signUp(page)
    await signOut(page)
    await page.goto(app("/auth/forgot-password"))
    await page.getByLabel("Email").fill(email)
    await page.getByRole("button", { name: "Send reset link" }).click()
    const hash = (new URL(await mailLink(email, "recovery")).searchParams.get("token") ?? "").replace(/^pkce_/, "")
    const other = await browser().newContext() // no PKCE code verifier here
    const fresh = await other.newPage()
    await fresh.goto(
      app(`/auth/confirm?token_hash=${hash}&type=recovery&next=${encodeURIComponent("/auth/reset-password")}&email=${email}`),
    )
    // Never on GET (issue 23, item 1): the page names the account and signs in only on the button.
    await fresh.waitForURL("**/auth/confirm/link?**")
    expect(await fresh.getByRole("heading", { level: 1 }).textContent()).toBe(`Continue as ${email}?`)
    await fresh.getByRole("button", { name: `Continue as ${email}` }).click()
    await fresh.waitForURL("**/auth/reset-password")
    expect(await fresh.getByRole("button", { name: "Set new password" }).count()).toBe(1)
    await other.close()
  })

  it("a link for another account, opened while signed in, says so and changes nothing until the button", async () => {
    const page = await browser().newPage()
    const victim = await signUp(page)
    const attacker = await signUp(await (await browser().newContext()).newPage())
    await page.goto(app("/auth/forgot-password"))
    await page.getByLabel("Email").fill(attacker)
    await page.getByRole("button", { name: "Send reset link" }).click()
    const hash = (new URL(await mailLink(attacker, "recovery")).searchParams.get("token") ?? "").replace(/^pkce_/, "")
    await page.goto(app(`/auth/confirm?token_hash=${hash}&type=recovery&next=/dashboard&email=${attacker}`))
    await page.waitForURL("**/auth/confirm/link?**")
    await expect.poll(() => page.getByTestId("signed-in-as-other").textContent(), SLOW).toContain(`You're signed in as ${victim}`)
    await page.goto(app("/account"))
    await expect.poll(() => page.getByText(victim).count(), SLOW).toBeGreaterThan(0)
  })
})

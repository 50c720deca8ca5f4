// Headless Chromium (Debian's) through playwright-core, and the steps a customer takes.
import { randomUUID } from "node:crypto"
import pg from "pg"
import { chromium, type Browser, type Page } from "playwright-core"
import { afterAll, beforeAll, expect, inject } from "vitest"
import type { Mail } from "@subkit/supabase-auth-emulator/mailbox"
import { must } from "./must"
import { CHROMIUM, HEADLESS_ARGS } from "../../scripts/lib/chromium"

export { CHROMIUM }

/** One Chromium per test file, closed after it; call at the top of the file. */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined
  beforeAll(async () => {
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
  })
  return () => must(browser, "browser")
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...HEADLESS_ARGS, "--disable-sync"],
  })
}

export const app = (path = "/") => `${inject("appUrl")}${path}`

let pool: pg.Pool | undefined
export const db = () => (pool ??= new pg.Pool({ connectionString: inject("e2eDatabaseUrl"), max: 3 }))

export async function emulator(path: string, body: object = {}) {
  const res = await fetch(`${inject("e2eStripeUrl")}/_emulator/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status}`)
  return res.json()
}

/** Moves Stripe's clock and waits until every resulting webhook has been answered and applied. */
export async function advanceDays(days: number) {
  await emulator("clock/advance", { days })
  await emulator("webhooks/drain")
  await inboxSettled()
}

/** Webhooks are acknowledged when stored and applied just after (after(), then the coalescing window). */
export async function inboxSettled(timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { rows } = await db().query<{ n: number }>(
      "select count(*)::int n from subscription_events where processed_at is null and dead_at is null",
    )
    if (rows[0]?.n === 0) return
    if (Date.now() > deadline) {
      // Say which, and why: the type, attempts, last error and when each is due again.
      const left = await db().query<{ line: string }>(
        `select type || ' (attempts ' || attempts || ', due in ' || round(extract(epoch from next_attempt_at - now()))::int || ' s): ' ||
           coalesce(error, 'no error') line from subscription_events where processed_at is null and dead_at is null order by received_at`,
      )
      throw new Error(`${rows[0]?.n} webhook events still unapplied after ${timeoutMs} ms: ${left.rows.map((r) => r.line).join("; ")}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** `origin`: another `next start` of the same build on this stack (tests/e2e/trial.test.ts). */
export async function signUp(page: Page, next = "/dashboard", origin = inject("appUrl")) {
  const email = `e2e-${randomUUID().slice(0, 8)}@example.com`
  await page.goto(`${origin}/auth/signup?next=${encodeURIComponent(next)}`)
  await page.getByLabel("Email").fill(email)
  await page.getByLabel("Password").fill("correct-horse-battery")
  await page.getByRole("button", { name: "Create account" }).click()
  const target = next.split("?")[0]
  await page.waitForURL((url) => url.pathname === target)
  return email
}

export async function fillCard(page: Page, number: string) {
  await page.getByLabel("Card number").fill(number)
  await page.getByLabel("Expiration").fill("12 / 34")
  await page.getByLabel("CVC").fill("123")
}

/** Pricing → a plan's Subscribe → hosted Checkout; returns Checkout's URL. */
export async function openCheckout(page: Page, opts: { plan?: "pro" | "team"; seats?: number; yearly?: boolean } = {}) {
  await page.goto(app("/pricing"), { waitUntil: "networkidle" })
  if (opts.yearly) await page.getByText("Yearly").click()
  const card = page.getByTestId(`plan-${opts.plan ?? "pro"}`)
  if (opts.seats) await card.getByLabel("Seats").fill(String(opts.seats))
  await card.getByRole("button", { name: /Subscribe/ }).click()
  await page.waitForURL("**/c/pay/**")
  return page.url()
}

/** Pricing → Checkout → pay with `card`; returns on the success page (or the checkout page when declined). */
export async function subscribe(page: Page, opts: { plan?: "pro" | "team"; seats?: number; card?: string; yearly?: boolean } = {}) {
  await openCheckout(page, opts)
  await fillCard(page, opts.card ?? "4242 4242 4242 4242")
  await page.getByRole("button", { name: /Subscribe|Start trial/ }).click()
  if ((opts.card ?? "4242").startsWith("4242") || opts.card?.startsWith("5555")) await page.waitForURL("**/subscription/success**")
}

/** A new user on Team with `seats` seats, left on /team once it counts them (team.test.ts, team-usage.test.ts). */
export async function teamOwner(browser: Browser, seats = 2) {
  const page = await (await browser.newContext()).newPage()
  const errors = await noPageErrors(page)
  const email = await signUp(page, "/dashboard")
  await subscribe(page, { plan: "team", seats })
  await page.goto(app("/team"))
  await expect.poll(() => page.getByTestId("seat-usage").textContent(), SLOW).toContain(`1 of ${seats} seats used`)
  return { page, errors, email }
}

export async function userRow(email: string) {
  const { rows } = await db().query(
    `select s.* from user_subscriptions s join users u on u.id = s.user_id where u.email = $1 order by s.stripe_created_at desc limit 1`,
    [email],
  )
  return rows[0]
}

export async function noPageErrors(page: Page) {
  const errors: string[] = []
  page.on("pageerror", (e) => errors.push(e.message))
  return () => expect(errors).toEqual([])
}

// Server actions can take seconds on a loaded machine; vitest's default poll timeout is 1 s.
export const SLOW = { timeout: 20_000, interval: 100 }

/** The link in the newest mail of `kind` to `to`, from the auth emulator's dev mailbox (polled). */
export async function mailLink(to: string, kind: Mail["kind"]): Promise<string> {
  let link: string | null | undefined
  await expect
    .poll(async () => {
      const res = await fetch(`${inject("e2eAuthUrl")}/_mailbox/messages?to=${encodeURIComponent(to)}`)
      link = ((await res.json()) as { messages: Mail[] }).messages.find((m) => m.kind === kind)?.link
      return link
    }, SLOW)
    .toBeTruthy()
  return link ?? ""
}

/** The team invite email to `to` once the cron's drain has sent it (the app's own email, over SMTP into the dev mailbox). */
export async function inviteMail(to: string): Promise<Mail> {
  let mail: Mail | undefined
  await expect
    .poll(async () => {
      const res = await fetch(`${inject("e2eAuthUrl")}/_mailbox/messages?to=${encodeURIComponent(to)}`)
      mail = ((await res.json()) as { messages: Mail[] }).messages.find((m) => m.headers["x-subkit-email"] === "team_invite")
      return Boolean(mail)
    }, SLOW)
    .toBe(true)
  return must(mail, `an invite email to ${to}`)
}

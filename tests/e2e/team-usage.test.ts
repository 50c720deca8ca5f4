// A Team's usage pool in the browser (issue 19's proof, "a Team's pool shared by two members"): the owner
// subscribes to Team with 2 seats and invites a member, who joins from the app's invite email; both press
// "Generate report" and each one's meter shows the team's combined figure against perSeat × 2 and the owner's
// reset date; past the pool the overage is billed once, on the owner's renewal invoice, after the clock
// passes the period end.
import { describe, expect, it } from "vitest"
import { planById, USAGE_METERS } from "@/lib/billing/catalog"
import { advanceDays, app, db, inviteMail, noPageErrors, sharedBrowser, SLOW, teamOwner } from "../support/browser"
import { must } from "../support/must"

const browser = sharedBrowser()
const { perSeat, overageCents } = USAGE_METERS.reports.team
const POOL = perSeat * 2
const day = (d: Date) => d.toLocaleDateString("en-US", { month: "long", day: "numeric", year: "numeric", timeZone: "UTC" })
const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`

describe("a Team's usage pool", () => {
  it("two members draw on one pool: both meters show the team's total; the overage is on the owner's renewal once", async () => {
    const { page: ownerPage, errors: ownerErrors, email: owner } = await teamOwner(browser())

    // The member joins by the invite email (tests/e2e/team.test.ts covers the invite itself).
    const member = `e2e-pool-${Date.now()}@example.com`
    const invite = ownerPage.getByRole("form", { name: "Invite a member" })
    await invite.getByLabel("Email address").fill(member)
    await invite.getByRole("button", { name: "Send invite" }).click()
    await expect.poll(() => invite.getByRole("status").textContent(), SLOW).toContain(`Invite sent to ${member}`)
    const memberPage = await (await browser().newContext()).newPage()
    const memberErrors = await noPageErrors(memberPage)
    await memberPage.goto(must((await inviteMail(member)).link, "the invite email's link"))
    await memberPage.getByRole("button", { name: "Join the team" }).click({ timeout: 20_000 })
    await memberPage.waitForURL("**/team?joined=1")

    const [sub] = (
      await db().query<{ customer: string; end: Date }>(
        `select s.stripe_customer_id customer, s.current_period_end "end" from user_subscriptions s join users u on u.id = s.user_id
         where u.email = $1 and s.plan_id = 'team'`,
        [owner],
      )
    ).rows
    const resets = `resets on ${day(must(sub, "the owner's Team row").end)}`

    // Each presses the demo feature once: one pool, so the second sees the first's report.
    const meterOf = async (page: typeof ownerPage) => {
      await page.goto(app("/dashboard"))
      return page.getByTestId("usage-meter")
    }
    const ownerMeter = await meterOf(ownerPage)
    expect(await ownerMeter.getByRole("progressbar", { name: "Reports used" }).getAttribute("aria-valuemax")).toBe(String(POOL))
    await ownerMeter.getByRole("button", { name: "Generate report" }).click()
    await expect
      .poll(() => ownerMeter.getByTestId("usage-message").textContent(), SLOW)
      .toBe(`Report generated. ${POOL - 1} left this period.`)
    const memberMeter = await meterOf(memberPage)
    expect(await memberMeter.getByTestId("usage-figures").textContent()).toBe(`1 of ${POOL} used · ${POOL - 1} left · ${resets}`)
    await memberMeter.getByRole("button", { name: "Generate report" }).click()
    await expect
      .poll(() => memberMeter.getByTestId("usage-message").textContent(), SLOW)
      .toBe(`Report generated. ${POOL - 2} left this period.`)
    // The owner tops up the credits for the pool; a member has no "Buy credits".
    expect(await memberMeter.getByRole("button", { name: /^Buy / }).count()).toBe(0)

    // Both at once through the API the button uses (their own sessions): 10 past the pool in all.
    const burst = (page: typeof ownerPage, tag: string, n: number) =>
      page.evaluate(
        async ([tag, n]) =>
          (
            await Promise.all(
              Array.from({ length: 8 }, (_, w) =>
                fetch("/api/usage/reports", {
                  method: "POST",
                  body: JSON.stringify({ value: Number(n) / 8, idempotency_key: `${tag}-${w}` }),
                }).then((r) => r.status),
              ),
            )
          ).every((s) => s === 200),
        [tag, String(n)] as const,
      )
    // 8 requests each, of equal value: (POOL - 2 + over) / 2 per person.
    const over = 10
    const each = (POOL - 2 + over) / 2
    expect(each % 8).toBe(0)
    const [a, b] = await Promise.all([burst(ownerPage, "owner", each), burst(memberPage, "member", each)])
    expect([a, b]).toEqual([true, true])
    const used = POOL + over
    const counters = await db().query<{ subject: string; used: string }>(
      "select c.subject, c.used from usage_counters c join teams t on c.subject = 'team:' || t.id join users u on u.id = t.owner_user_id where u.email = $1",
      [owner],
    )
    expect(counters.rows.map((r) => Number(r.used))).toEqual([used])
    for (const page of [ownerPage, memberPage]) {
      const meter = await meterOf(page)
      expect(await meter.getByTestId("usage-figures").textContent()).toBe(`${used} of ${POOL} used · 0 left · ${resets}`)
      expect(await meter.getByRole("progressbar").getAttribute("aria-valuetext")).toBe(`${used} of ${POOL} reports used this period`)
      expect(await meter.getByTestId("usage-overage").textContent()).toMatch(new RegExp(`^${over} billed as overage`))
    }

    // Only the units past the pool go to Stripe, to the owner's customer; wait until they are there.
    const outbox = () =>
      db().query<{ pending: number; units: number; why: string | null }>(
        `select count(*) filter (where status <> 'sent')::int pending, coalesce(sum(value), 0)::int units,
           string_agg(distinct status || ' ' || attempts || ': ' || coalesce(last_error, 'no error'), '; ') why
         from usage_outbox where stripe_customer_id = $1`,
        [sub?.customer],
      )
    await expect.poll(async () => (await outbox()).rows[0], SLOW).toMatchObject({ pending: 0, units: over })
    // Stripe's preview agrees, on both meters (it is cached for a minute per subscription, so this may wait).
    for (const page of [memberPage, ownerPage])
      await expect
        .poll(async () => (await meterOf(page)).getByTestId("usage-overage").textContent(), { timeout: 90_000, interval: 2_000 })
        .toContain(`Projected usage charge on your next invoice: ${dollars(over * overageCents)}`)

    // Past the period end: the owner's renewal bills 2 seats and the pool's overage, once.
    await advanceDays(31)
    const seats = 2 * must(planById("team"), "the Team plan").amounts.month
    await expect
      .poll(async () => {
        await ownerPage.goto(app("/subscription/manage"), { waitUntil: "networkidle" })
        return ownerPage.getByTestId("invoice-row").first().textContent()
      }, SLOW)
      .toContain(dollars(seats + over * overageCents))
    await ownerPage.getByTestId("invoice-row").first().getByRole("link", { name: /^View/ }).click()
    await ownerPage.waitForURL("**/i/**")
    const lines = ownerPage.getByRole("table", { name: "Invoice lines" })
    const usageLines = lines.getByRole("row").filter({ hasText: "Reports" })
    expect(await usageLines.count()).toBe(1)
    expect(await usageLines.textContent()).toMatch(new RegExp(`^${over} × Reports .*\\${dollars(over * overageCents)}$`))
    expect(await lines.getByRole("row").last().textContent()).toBe(`Amount paid${dollars(seats + over * overageCents)}`)
    // The new period starts the pool again, for both.
    for (const page of [ownerPage, memberPage])
      await expect
        .poll(async () => (await meterOf(page)).getByTestId("usage-figures").textContent(), SLOW)
        .toMatch(new RegExp(`^0 of ${POOL} used · ${POOL} left · resets on `))
    ownerErrors()
    memberErrors()
  })
})

// Billing emails (issue 20, item 2) end to end on real parts: Stripe events from the emulator are
// applied by the drain, which queues one outbox row per (event, template) in Postgres; the sender
// renders React Email templates and sends them over SMTP with nodemailer into the auth emulator's
// SMTP sink, and the test reads its mailbox (/_mailbox/messages), as a developer would. Not mocked.
import { afterAll, describe, expect, inject, it } from "vitest"
import type { Mail } from "@subkit/supabase-auth-emulator/mailbox"
import { mails } from "../support/auth-emulator"

// SMTP_URL, EMAIL_FROM and EMAIL_MAX_ATTEMPTS (3) are the shared sink's (tests/support/integration-env.ts).
const MAIL = inject("mailUrl")
const { flushEmailOutbox, emailOutboxSummary, retryDeadEmails } = await import("@/lib/billing/email/outbox")
const { drainBillingEvents } = await import("@/lib/billing/sync/drain")
const { getEmailPreferences, preferencesForm, setEmailPreferences } = await import("@/lib/billing/email/preferences")
const { pool } = await import("@/lib/db/client")
const { deliverCustomerEvents } = await import("../support/deliver")
const { advanceTestClock, createUser, customerOnTestClock, sql } = await import("../support/helpers")

afterAll(async () => {
  await pool.end()
})

const billing = (list: Mail[]) => list.filter((m) => m.kind === "smtp")
const outbox = async (userId: string) =>
  (
    await sql().query<{ id: number; template: string; status: string; attempts: number; stripe_event_id: string }>(
      "select id::int, template, status, attempts, stripe_event_id from email_outbox where user_id = $1 order by id",
      [userId],
    )
  ).rows
const makeDue = (userId: string) => sql().query("update email_outbox set next_attempt_at = now() where user_id = $1", [userId])

async function subscribed(plan: "pro" | "team" = "pro", extra: Record<string, unknown> = {}) {
  const user = await createUser()
  const { stripe, start, clock, customer } = await customerOnTestClock(user)
  const price = (await stripe.prices.list({ lookup_keys: [`subkit_${plan}_monthly`] })).data[0]?.id ?? ""
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price, quantity: plan === "team" ? 3 : 1 }],
    metadata: { user_id: user.id, plan_id: plan },
    ...extra,
  })
  await deliverCustomerEvents(customer.id)
  return { user, stripe, start, clock, customer, sub }
}

describe("billing emails through the outbox and SMTP", () => {
  it("a failed renewal mails 'payment failed' once, with the update-card link, in HTML and plain text", async () => {
    const { user, stripe, clock, customer, sub } = await subscribed()
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } })
    // Applied before the renewal: a new card applied with the failure would pay (and fail, and mail) again.
    await deliverCustomerEvents(customer.id)
    await advanceTestClock(stripe, clock.id, (sub.items.data[0]?.current_period_end ?? 0) + 3600)
    await deliverCustomerEvents(customer.id)

    // Queued by the drain, not sent yet: nothing left on a request path.
    const queued = await outbox(user.id)
    expect(queued.map((r) => [r.template, r.status])).toEqual([["payment_failed", "pending"]])
    expect(billing(await mails(MAIL, user.email))).toHaveLength(0)

    // Other test files share the outbox, so a flush may carry their rows too: the assertions are on this user's.
    await flushEmailOutbox()
    expect((await outbox(user.id)).map((r) => r.status)).toEqual(["sent"])
    const [mail] = billing(await mails(MAIL, user.email))
    const open = (await stripe.invoices.list({ customer: customer.id, status: "open" })).data[0]
    const due = `$${((open?.amount_due ?? 0) / 100).toFixed(2)}`
    expect(mail?.subject).toBe(`Your Pro payment of ${due} failed`)
    expect(mail?.from).toBe("billing@subkit.test")
    expect(mail?.headers["x-subkit-email"]).toBe("payment_failed")
    expect(mail?.text).toContain("http://localhost:3999/subscription/update-card")
    expect(mail?.text).toMatch(new RegExp(`We couldn.t charge \\${due} for your Pro plan`))
    expect(mail?.html).toContain('href="http://localhost:3999/subscription/update-card"')
    expect(mail?.html).toContain(open?.hosted_invoice_url ?? "missing")

    // Delivered again, and the event re-applied (as a replay does): still one row, one email.
    await deliverCustomerEvents(customer.id)
    const replay = await sql().query("update subscription_events set processed_at = null where stripe_event_id = $1 returning 1", [
      queued[0]?.stripe_event_id,
    ])
    expect(replay.rowCount).toBe(1)
    await drainBillingEvents()
    expect(await outbox(user.id)).toHaveLength(1)
    await flushEmailOutbox()
    expect(billing(await mails(MAIL, user.email))).toHaveLength(1)
  })

  it("retries a refused send with backoff, then dead-letters it where billing:events shows it", async () => {
    const { user, stripe, sub, customer } = await subscribed()
    // The SMTP sink refuses the reserved .invalid TLD with 550, as a real server refuses an unknown mailbox.
    await sql().query("update users set email = $2 where id = $1", [user.id, "nobody@mailbox.invalid"])
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true })
    await deliverCustomerEvents(customer.id)
    expect((await outbox(user.id)).map((r) => r.template)).toEqual(["subscription_will_cancel"])

    await flushEmailOutbox()
    const [row] = (
      await sql().query("select attempts, last_error, next_attempt_at > now() later from email_outbox where user_id = $1", [user.id])
    ).rows
    expect(row).toMatchObject({ attempts: 1, later: true })
    expect(row.last_error).toMatch(/550|mailbox unavailable/)
    // Backoff: not due again at once.
    await flushEmailOutbox()
    expect((await outbox(user.id))[0]).toMatchObject({ status: "pending", attempts: 1 })

    for (const _ of [2, 3]) {
      await makeDue(user.id)
      await flushEmailOutbox()
    }
    expect((await outbox(user.id))[0]).toMatchObject({ status: "dead", attempts: 3 })
    const summary = await emailOutboxSummary()
    expect(summary.dead.rows.map((d) => d.to)).toContain("nobody@mailbox.invalid")

    // The address is fixed; --retry-dead makes it due, and it goes.
    await sql().query("update email_outbox set to_email = $2 where user_id = $1", [user.id, user.email])
    expect(await retryDeadEmails()).toBeGreaterThanOrEqual(1)
    await flushEmailOutbox()
    const [mail] = billing(await mails(MAIL, user.email))
    expect(mail?.subject).toMatch(/^Your Pro plan ends on /)
    expect((await outbox(user.id))[0]).toMatchObject({ status: "sent" })
  })

  it("seats changed and trial ending respect the user's opt-out; payment and cancellation emails always go", async () => {
    const { user, stripe, sub, customer, clock, start } = await subscribed("team", { trial_period_days: 7 })
    // What the account page's form saves (unticked boxes send nothing; anything but "on" is refused).
    expect(await getEmailPreferences(user.id)).toEqual({ trial_ending: true, seats_changed: true })
    expect(preferencesForm.safeParse({ trial_ending: "yes" }).success).toBe(false)
    await setEmailPreferences(user.id, { trial_ending: false, seats_changed: false })
    expect(await getEmailPreferences(user.id)).toEqual({ trial_ending: false, seats_changed: false })
    const item = sub.items.data[0]?.id ?? ""
    await stripe.subscriptions.update(sub.id, { items: [{ id: item, quantity: 5 }], proration_behavior: "none" })
    await advanceTestClock(stripe, clock.id, start + 5 * 86_400) // trial_will_end: 3 days before the end
    await stripe.subscriptions.cancel(sub.id)
    await deliverCustomerEvents(customer.id)
    expect((await outbox(user.id)).map((r) => r.template).sort()).toEqual(["seats_changed", "subscription_cancelled", "trial_ending"])

    await flushEmailOutbox()
    const statuses = Object.fromEntries((await outbox(user.id)).map((r) => [r.template, r.status]))
    expect(statuses).toEqual({ seats_changed: "skipped", trial_ending: "skipped", subscription_cancelled: "sent" })
    expect(billing(await mails(MAIL, user.email)).map((m) => m.subject)).toEqual(["Your Team plan has ended"])
  })

  it("with the optional emails on, seats changed and trial ending are sent with their numbers", async () => {
    const { user, stripe, sub, customer, clock, start } = await subscribed("team", { trial_period_days: 7 })
    const item = sub.items.data[0]?.id ?? ""
    await stripe.subscriptions.update(sub.id, { items: [{ id: item, quantity: 4 }], proration_behavior: "none" })
    await advanceTestClock(stripe, clock.id, start + 5 * 86_400)
    await deliverCustomerEvents(customer.id)
    await flushEmailOutbox()
    const subjects = billing(await mails(MAIL, user.email)).map((m) => m.subject)
    expect(subjects).toContain("Your Team plan now has 4 seats")
    expect(subjects.some((s) => /^Your Team trial ends on /.test(s))).toBe(true)
    const seats = billing(await mails(MAIL, user.email)).find((m) => m.subject.includes("seats"))
    expect(seats?.text).toContain("went from 3 to 4 seats")
    expect(seats?.text).toContain("http://localhost:3999/account")
  })
})

// A Team owner removes seats mid-period through the app (previewSeats → confirmSeats: always_invoice),
// and each renewal after it is checked against what the manage page stated beforehand, the first also
// against what the seats form's preview said it would charge (issue 23, item 8).
// Stripe makes the removal a credit invoice whose negative total goes to the customer's invoice balance;
// the next invoices draw on it (starting_balance → ending_balance), so the next charge is not
// price × quantity until the credit is used up. Imports app modules: import it after setting the environment.
import { expect } from "vitest"
import { confirmSeats, previewSeats } from "@/lib/billing/team/change-seats"
import { chargeLine, type NextCharge } from "@/lib/billing/views/charge"
import { listInvoices } from "@/lib/billing/invoices/store"
import { balanceNote } from "@/lib/billing/views/describe"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { deliverCustomerEvents } from "./deliver"
import { advanceTestClock, createUser, customerOnTestClock } from "./helpers"
import { must } from "./must"

const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" })
const day = (unix: number) => DATE.format(new Date(unix * 1000))
const usd = (cents: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100)

async function nextCharge(userId: string): Promise<NextCharge> {
  const view = await loadManageView(userId)
  if (view.kind !== "live") throw new Error(`expected a live subscription, got ${view.kind}`)
  return view.nextCharge
}

export type SeatCreditCase = {
  /** STRIPE_TAX=on in this suite: the customer is in the UK (the emulator's 20 % test rate). */
  tax: boolean
  from: number
  to: number
  /** How far into the period the seats are removed (0–1). */
  at: number
  /** Renewals to check after the removal (a large credit lasts more than one). */
  renewals: number
}

/**
 * Runs the case and returns, per renewal, [stated, charged, starting_balance] in cents: stated is what
 * the manage page said the renewal would charge (its date included), charged the renewal invoice's
 * amount_paid. The credit invoice and the balance are asserted on the way.
 */
export async function seatCreditCase(c: SeatCreditCase) {
  const user = await createUser()
  const { stripe, clock, customer } = await customerOnTestClock(user)
  if (c.tax) await stripe.customers.update(customer.id, { address: { country: "GB", postal_code: "SW1A 1AA" } })
  const team = must((await stripe.prices.list({ lookup_keys: ["subkit_team_monthly"] })).data[0], "team monthly")
  const seat = must(team.unit_amount, "seat price")
  const taxed = (cents: number) => (c.tax ? Math.round(cents * 1.2) : cents)
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: team.id, quantity: c.from }],
    ...(c.tax ? { automatic_tax: { enabled: true } } : {}),
    metadata: { user_id: user.id, plan_id: "team" },
  })
  await deliverCustomerEvents(customer.id)
  const item = must(sub.items.data[0], "item")
  const { current_period_start: start, current_period_end: end } = item
  expect(chargeLine(await nextCharge(user.id))).toBe(`${usd(taxed(seat * c.from))} on ${day(end)}`)

  // Mid-period: the owner previews and confirms fewer seats in the app.
  await advanceTestClock(stripe, clock.id, start + Math.round((end - start) * c.at))
  const previewed = await previewSeats(user, c.to)
  if (!previewed.ok) throw new Error(previewed.message)
  const { preview } = previewed
  // The seats form: nothing charged now, the credit, and what the first renewal then charges.
  expect(preview.amountDue).toBeLessThan(0)
  expect(preview.chargedNow).toBe(0)
  expect(preview.creditedNow).toBe(-preview.amountDue)
  expect(preview.nextRenewal.amount).toBe(taxed(seat * c.to))
  const confirmed = await confirmSeats(user, {
    quantity: c.to,
    itemId: preview.itemId,
    prorationDate: preview.prorationDate,
    currentQuantity: preview.currentQuantity,
    amountDue: preview.amountDue,
  })
  expect(confirmed).toEqual({ ok: true })
  await deliverCustomerEvents(customer.id)
  const credit = await stripe.invoices.retrieve(must((await stripe.subscriptions.retrieve(sub.id)).latest_invoice, "credit") as string)
  // The unused part of the removed seats, back: a negative total, nothing charged, all of it on the balance.
  expect(credit).toMatchObject({ billing_reason: "subscription_update", total: preview.amountDue, amount_paid: 0, status: "paid" })
  expect(credit.ending_balance).toBe(credit.total)
  expect(
    balanceNote(
      must(
        (await listInvoices(user.id)).invoices.find((r) => r.id === credit.id),
        "the credit's row",
      ),
    ),
  ).toBe("Credited to your balance")
  const unused = (end - (start + Math.round((end - start) * c.at))) / (end - start)
  expect(Math.abs(credit.total + taxed(seat * (c.from - c.to) * unused))).toBeLessThanOrEqual(3)

  const out: { stated: string | null; charged: string; startingBalance: number; from: string | null }[] = []
  let renewal = end
  for (let i = 0; i < c.renewals; i++) {
    const stated = await nextCharge(user.id)
    await advanceTestClock(stripe, clock.id, renewal + 3600)
    await deliverCustomerEvents(customer.id)
    const cycle = must(
      (await stripe.invoices.list({ subscription: sub.id, limit: 3 })).data.find(
        (inv) => inv.billing_reason === "subscription_cycle" && inv.lines.data[0]?.period.start === renewal,
      ),
      `the renewal at ${renewal}`,
    )
    expect(cycle.total).toBe(taxed(seat * c.to))
    if (i === 0) expect(cycle.amount_paid).toBe(preview.nextRenewal.charged)
    // The invoice history says how the credit paid it (or nothing, once it is used up).
    const row = must(
      (await listInvoices(user.id)).invoices.find((r) => r.id === cycle.id),
      "the renewal's row",
    )
    expect(balanceNote(row)).toBe(
      cycle.amount_paid < cycle.total
        ? `${usd(cycle.total - cycle.amount_paid)} from your credit, ${usd(cycle.amount_paid)} charged`
        : null,
    )
    out.push({
      stated: chargeLine(stated),
      charged: `${usd(cycle.amount_paid)} on ${day(renewal)}`,
      startingBalance: cycle.starting_balance,
      from: stated.kind === "charge" ? stated.from : null,
    })
    renewal = must((await stripe.subscriptions.retrieve(sub.id)).items.data[0], "item").current_period_end
  }
  return { credit: credit.total, renewals: out, after: await nextCharge(user.id), price: taxed(seat * c.to), usd }
}

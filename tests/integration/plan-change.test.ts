// Plan changes in the app, previewed (issue 20, item 5): an upgrade (Pro → Team, monthly → yearly) billed
// now exactly as previewed; a downgrade (Team → Pro) and yearly → monthly scheduled for the period's end
// through a subscription schedule, shown on the manage page, cancellable, and applied when a test clock
// passes the period's end. Real Postgres, the emulator through the SDK, the app's own modules.
import { afterAll, describe, expect, it } from "vitest"
import { cancelScheduledPlanChange, changeKind, confirmPlan, previewPlan } from "@/lib/billing/plan-change/change-plan"
import { planById } from "@/lib/billing/catalog"
import { syncUserNow } from "@/lib/billing/sync/eager"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { getCurrentSubscription } from "@/lib/billing/views/queries"
import { pool } from "@/lib/db/client"
import { subscribedUser } from "../support/billing"
import { deliverCustomerEvents } from "../support/deliver"
import { advanceTestClock, createUser, customerOnTestClock } from "../support/helpers"
import { must } from "../support/must"

afterAll(() => pool.end())

const ok = <T extends { ok: boolean }>(r: T) => {
  expect(r, r.ok ? "" : (r as unknown as { message: string }).message).toMatchObject({ ok: true })
  return r as Extract<T, { ok: true }>
}
/** What the customer saw on the preview, sent back with the confirm. */
const seen = (p: { itemId: string; fromPriceId: string; fromQuantity: number; prorationDate: number; amountDue: number }) => ({
  itemId: p.itemId,
  fromPriceId: p.fromPriceId,
  fromQuantity: p.fromQuantity,
  prorationDate: p.prorationDate,
  amountDue: p.amountDue,
})

describe("which changes wait for the period's end", () => {
  it("upgrades are billed now; anything smaller (plan or interval) waits", () => {
    const pro = must(planById("pro"), "pro")
    const team = must(planById("team"), "team")
    expect(changeKind({ plan: pro, interval: "month" }, { plan: team, interval: "month" })).toBe("now")
    expect(changeKind({ plan: pro, interval: "month" }, { plan: pro, interval: "year" })).toBe("now")
    expect(changeKind({ plan: team, interval: "month" }, { plan: pro, interval: "month" })).toBe("at_period_end")
    expect(changeKind({ plan: pro, interval: "year" }, { plan: pro, interval: "month" })).toBe("at_period_end")
    expect(changeKind({ plan: pro, interval: "year" }, { plan: team, interval: "month" })).toBe("at_period_end")
  })
})

describe("an upgrade, previewed and billed as shown", () => {
  it("Pro → Team: the preview's amount is the invoice's, at the Team minimum seats; a stale preview is refused", async () => {
    const s = await subscribedUser({ plan: "pro" })
    await syncUserNow(s.user.id, { force: true })
    expect(await previewPlan(s.user, { plan: "pro", interval: "month" })).toMatchObject({ ok: false, code: "unchanged" })
    expect(await previewPlan(s.user, { plan: "gold", interval: "month" })).toMatchObject({ ok: false, code: "invalid_input" })
    const { preview } = ok(await previewPlan(s.user, { plan: "team", interval: "month" }))
    expect(preview).toMatchObject({ kind: "now", quantity: 2, fromQuantity: 1, currency: "usd" })
    // Two Team seats ($24) for almost the whole month, less the unused Pro month ($15).
    expect(preview.amountDue).toBeGreaterThan(850)
    expect(preview.amountDue).toBeLessThanOrEqual(900)
    expect(preview.nextInvoice.amount).toBe(2400)
    // A moment an hour before the preview's is not what was shown.
    expect(
      await confirmPlan(s.user, { plan: "team", interval: "month", ...seen(preview), prorationDate: preview.prorationDate - 3600 }),
    ).toMatchObject({ ok: false, code: "stale_preview" })
    ok(await confirmPlan(s.user, { plan: "team", interval: "month", ...seen(preview) }))
    const sub = await s.stripe.subscriptions.retrieve(s.subscriptionId)
    expect(sub.items.data[0]).toMatchObject({ quantity: 2, price: { lookup_key: "subkit_team_monthly" } })
    const invoice = await s.stripe.invoices.retrieve(sub.latest_invoice as string)
    expect(invoice).toMatchObject({ billing_reason: "subscription_update", total: preview.amountDue, status: "paid" })
    expect(await getCurrentSubscription(s.user.id)).toMatchObject({ planId: "team", quantity: 2 })
  })

  it("monthly → yearly: a new yearly period billed now, less the unused month", async () => {
    const s = await subscribedUser({ plan: "pro" })
    await syncUserNow(s.user.id, { force: true })
    const { preview } = ok(await previewPlan(s.user, { plan: "pro", interval: "year" }))
    expect(preview.kind).toBe("now")
    expect(preview.amountDue).toBeGreaterThanOrEqual(15000 - 1500)
    expect(preview.amountDue).toBeLessThanOrEqual(15000 - 1400)
    expect(preview.nextInvoice.amount).toBe(15000)
    ok(await confirmPlan(s.user, { plan: "pro", interval: "year", ...seen(preview) }))
    const sub = await s.stripe.subscriptions.retrieve(s.subscriptionId)
    const invoice = await s.stripe.invoices.retrieve(sub.latest_invoice as string)
    expect(invoice.total).toBe(preview.amountDue)
    expect(await getCurrentSubscription(s.user.id)).toMatchObject({ planId: "pro", interval: "year" })
  })
})

describe("a downgrade at the period's end", () => {
  it("Team → Pro: nothing charged now, shown as scheduled, a second change refused, cancelled again", async () => {
    const s = await subscribedUser({ plan: "team", seats: 2 })
    await syncUserNow(s.user.id, { force: true })
    const { preview } = ok(await previewPlan(s.user, { plan: "pro", interval: "month" }))
    expect(preview).toMatchObject({ kind: "at_period_end", amountDue: 0, quantity: 1 })
    expect(preview.nextInvoice.amount).toBe(1500)
    const confirmed = ok(await confirmPlan(s.user, { plan: "pro", interval: "month", ...seen(preview) }))
    expect(confirmed.kind).toBe("at_period_end")
    const sub = await s.stripe.subscriptions.retrieve(s.subscriptionId)
    expect(sub.items.data[0]?.quantity).toBe(2) // unchanged until the period's end
    expect(typeof sub.schedule).toBe("string")
    const row = await getCurrentSubscription(s.user.id)
    expect(row).toMatchObject({ planId: "team", scheduledPlanId: "pro", scheduledQuantity: 1, scheduledInterval: "month" })
    expect(row?.scheduledChangeAt?.getTime()).toBe(row?.currentPeriodEnd?.getTime())
    const view = await loadManageView(s.user.id)
    expect(view.kind === "live" && view.scheduledChange).toMatchObject({ planName: "Pro", interval: "month" })
    expect(await previewPlan(s.user, { plan: "team", interval: "year" })).toMatchObject({ ok: false, code: "change_scheduled" })
    ok(await cancelScheduledPlanChange(s.user))
    expect((await s.stripe.subscriptions.retrieve(s.subscriptionId)).schedule).toBeNull()
    expect(await getCurrentSubscription(s.user.id)).toMatchObject({ planId: "team", scheduledPlanId: null, stripeScheduleId: null })
    expect(await cancelScheduledPlanChange(s.user)).toMatchObject({ ok: false, code: "nothing_scheduled" })
  })

  it("yearly → monthly is applied by the test clock at the year's end: the renewal bills what the preview said", async () => {
    const user = await createUser()
    const { stripe, clock, customer } = await customerOnTestClock(user)
    const yearly = must((await stripe.prices.list({ lookup_keys: ["subkit_pro_yearly"] })).data[0], "yearly price")
    // A lasting discount: the preview (Stripe's, of the schedule the confirm makes) takes it off, as the
    // invoice at the change does (price × quantity said 1500).
    const lasting = await stripe.coupons.create({ percent_off: 20, duration: "forever" })
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: yearly.id }],
      discounts: [{ coupon: lasting.id }],
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliverCustomerEvents(customer.id)
    const { preview } = ok(await previewPlan(user, { plan: "pro", interval: "month" }))
    expect(preview).toMatchObject({ kind: "at_period_end", amountDue: 0 })
    expect(preview.nextInvoice.amount).toBe(1200)
    ok(await confirmPlan(user, { plan: "pro", interval: "month", ...seen(preview) }))
    await deliverCustomerEvents(customer.id)
    const end = must(sub.items.data[0], "item").current_period_end
    expect((await getCurrentSubscription(user.id))?.scheduledChangeAt?.getTime()).toBe(end * 1000)
    // The manage page says it with Stripe's preview of the schedule's next phase, the amount previewed.
    const view = await loadManageView(user.id)
    expect(view.kind === "live" && view.scheduledChange).toMatchObject({ interval: "month", amount: "$12.00" })
    await advanceTestClock(stripe, clock.id, end + 3600)
    await deliverCustomerEvents(customer.id)
    const after = await stripe.subscriptions.retrieve(sub.id)
    expect(after.items.data[0]).toMatchObject({ price: { id: must(preview.priceId, "price") }, current_period_start: end })
    const cycle = (await stripe.invoices.list({ customer: customer.id })).data.find((i) => i.billing_reason === "subscription_cycle")
    expect(cycle).toMatchObject({ total: preview.nextInvoice.amount, status: "paid" })
    const row = await getCurrentSubscription(user.id)
    expect(row).toMatchObject({ interval: "month", scheduledPriceId: null, scheduledChangeAt: null })
  })

  it("a discount that ends before the year does is not in the yearly → monthly preview, nor on the invoice at the change", async () => {
    const user = await createUser()
    const { stripe, clock, customer } = await customerOnTestClock(user)
    const yearly = must((await stripe.prices.list({ lookup_keys: ["subkit_pro_yearly"] })).data[0], "yearly price")
    const months = await stripe.coupons.create({ percent_off: 50, duration: "repeating", duration_in_months: 3 })
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: yearly.id }],
      discounts: [{ coupon: months.id }],
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliverCustomerEvents(customer.id)
    const { preview } = ok(await previewPlan(user, { plan: "pro", interval: "month" }))
    expect(preview.nextInvoice.amount).toBe(1500)
    ok(await confirmPlan(user, { plan: "pro", interval: "month", ...seen(preview) }))
    await deliverCustomerEvents(customer.id)
    const end = must(sub.items.data[0], "item").current_period_end
    await advanceTestClock(stripe, clock.id, end + 3600)
    const cycle = (await stripe.invoices.list({ customer: customer.id })).data.find((i) => i.billing_reason === "subscription_cycle")
    expect(cycle).toMatchObject({ total: preview.nextInvoice.amount, status: "paid" })
  })
})

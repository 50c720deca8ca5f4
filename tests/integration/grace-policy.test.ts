// Dunning: a renewal that fails leaves the subscription past_due; its paid features stay on for the
// catalog's grace (GRACE_POLICY) and then lock until the invoice is paid; a new default card pays the
// open invoice at once, from the drain, instead of at Stripe's next scheduled retry.
import { afterAll, describe, expect, it } from "vitest"
import { GRACE_POLICY } from "@/lib/billing/catalog"
import { entitlementKeys, hasEntitlement } from "@/lib/billing/views/entitlements"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { getCurrentSubscription } from "@/lib/billing/views/queries"
import { hasAccessAt } from "@/lib/billing/status"
import { recordUsage } from "@/lib/billing/usage/ledger"
import { pool } from "@/lib/db/client"
import { deliverCustomerEvents } from "../support/deliver"
import { advanceTestClock, createUser, customerOnTestClock } from "../support/helpers"

afterAll(() => pool.end())

const DAY = 86_400
const at = (seconds: number) => new Date(seconds * 1000)

describe("dunning grace and paying on a new card", () => {
  it("keeps the features for the grace days, locks them after, and a new card pays the invoice at once", async () => {
    const user = await createUser()
    const { stripe, start, clock, customer } = await customerOnTestClock(user)
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0]?.id ?? ""
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliverCustomerEvents(customer.id)
    expect(await hasEntitlement(user.id, "advanced_analytics", at(start))).toBe(true)

    // The card on file fails from now on: the renewal is declined.
    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } })
    await deliverCustomerEvents(customer.id) // nothing is open: nothing to pay
    const renewal = (sub.items.data[0]?.current_period_end ?? 0) + 3600
    await advanceTestClock(stripe, clock.id, renewal)
    await deliverCustomerEvents(customer.id)
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("past_due")
    const [open] = (await stripe.invoices.list({ customer: customer.id, status: "open" })).data
    expect(open?.attempt_count).toBe(1)

    const row = await getCurrentSubscription(user.id)
    expect(row?.status).toBe("past_due")
    const periodStart = (row?.currentPeriodStart?.getTime() ?? 0) / 1000
    const graceEnd = periodStart + GRACE_POLICY.pastDueDays * DAY
    expect(await loadManageView(user.id)).toMatchObject({ kind: "live", paymentProblem: true, graceEndsAt: at(graceEnd) })

    // Within the grace: still entitled (Stripe still grants the features); after it: locked, and the
    // SQL rule agrees with the one the pages use.
    for (const [when, on] of [
      [renewal, true],
      [graceEnd - 60, true],
      [graceEnd + 60, false],
    ] as const) {
      expect(await hasEntitlement(user.id, "advanced_analytics", at(when))).toBe(on)
      expect((await entitlementKeys(user.id, at(when))).size > 0).toBe(on)
      expect(row && hasAccessAt(row, at(when))).toBe(on)
      // The demo feature (usage) too: refused after the grace, saying why and what unlocks it.
      const used = await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: `grace-${when}` }, at(when))
      expect(used.ok).toBe(on)
      if (!on)
        expect(used).toMatchObject({
          code: "payment_past_due",
          message: expect.stringMatching(/^Your last payment failed, so your Pro features are locked until the invoice is paid\./),
        })
    }

    // A working card becomes the default (as the portal's payment-method flow does): the drain pays
    // the open invoice now, a second attempt, long before Stripe's next retry.
    const good = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: good.id } })
    await deliverCustomerEvents(customer.id)
    const paid = await stripe.invoices.retrieve(open?.id ?? "")
    expect(paid).toMatchObject({ status: "paid", attempt_count: 2 })
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe("active")
    // The invoice.paid that paying sent brings the row back to active, and the features with it.
    await deliverCustomerEvents(customer.id)
    expect((await getCurrentSubscription(user.id))?.status).toBe("active")
    expect(await hasEntitlement(user.id, "advanced_analytics", at(graceEnd + 60))).toBe(true)
    expect(
      await recordUsage({ userId: user.id, meter: "reports", value: 1, idempotencyKey: "grace-paid" }, at(graceEnd + 60)),
    ).toMatchObject({
      ok: true,
    })
  })
})

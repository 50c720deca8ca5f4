// Starting a subscription: validate the choice, refuse a second live subscription, open Checkout.
import "server-only"
import { limitStripeSpendByIp } from "@/lib/auth/auth-limits"
import { and, eq } from "drizzle-orm"
import { z } from "zod"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db } from "@/lib/db/client"
import { subscriptionPlans } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { hit } from "@/lib/rate-limit"
import { fail, type ActionResult } from "@/lib/result"
import { log } from "@/lib/log"
import { priceIdByLookupKey } from "@/lib/stripe"
import { meteredLookupKey, planById, TRIAL_MAX_SEATS, USAGE_METERS, type CatalogPlan, type Interval, type MeterKey } from "../catalog"
import { MANAGE_PATH, openCheckout, openForCustomer } from "./open-checkout"
import { getOrCreateBillingCustomer } from "./customer"
import { billingFailure } from "../errors"
import { getCurrentSubscription } from "../views/queries"
import { isLive } from "../status"
import { decideTrial } from "./trial"
import { syncUserNow } from "../sync/eager"

export const checkoutInput = z.object({
  plan: z.enum(["pro", "team"], { message: "Choose a plan." }),
  interval: z.enum(["month", "year"], { message: "Choose monthly or yearly billing." }),
  seats: z.coerce.number({ message: "Enter a number of seats." }).int("Seats must be a whole number.").optional(),
})
export type CheckoutInput = z.infer<typeof checkoutInput>

export { MANAGE_PATH }

/** Checkout clicks a user may make in a minute: a plan or interval switch costs Stripe about four calls. */
export const CHECKOUTS_PER_MINUTE = 10

/** The plan's metered prices, one per catalog meter (those stripe:setup has not created are left out, with a warning). */
export async function meteredPricesFor(planId: CatalogPlan["id"], interval: Interval): Promise<string[]> {
  const ids: string[] = []
  for (const meter of Object.keys(USAGE_METERS) as MeterKey[]) {
    const key = meteredLookupKey(planId, meter, interval)
    const id = await priceIdByLookupKey(key)
    if (id) ids.push(id)
    else log.warn("no metered price: usage past the allowance will not be billed; run npm run stripe:setup", { lookupKey: key })
  }
  return ids
}

export async function startCheckout(user: CurrentUser, input: CheckoutInput): Promise<ActionResult<{ url: string }>> {
  const spec = planById(input.plan)
  if (!spec) return fail("plan_unavailable", "That plan is not available right now.")
  const seats = spec.perSeat ? (input.seats ?? spec.minSeats) : 1
  if (seats < spec.minSeats || seats > spec.maxSeats)
    return fail("invalid_seats", `${spec.name} needs between ${spec.minSeats} and ${spec.maxSeats} seats.`, {
      seats: `Between ${spec.minSeats} and ${spec.maxSeats}.`,
    })
  const [plan] = await db
    .select()
    .from(subscriptionPlans)
    .where(and(eq(subscriptionPlans.id, input.plan), eq(subscriptionPlans.active, true)))
  const priceId = input.interval === "month" ? plan?.stripeMonthlyPriceId : plan?.stripeYearlyPriceId
  if (!plan || !priceId) return fail("plan_unavailable", "That plan is not available right now.")
  // Counted after validation and before any Stripe call: Stripe's rate limit is the whole account's.
  const limited = await hit({ name: "checkout", max: CHECKOUTS_PER_MINUTE, windowSeconds: 60 }, user.id)
  if (!limited.ok) return fail("rate_limited", `Too many checkout attempts. Please wait ${limited.retryAfter} seconds and try again.`)
  const byIp = await limitStripeSpendByIp()
  if (byIp) return fail("rate_limited", `Too many checkout attempts. Please wait ${byIp.retryAfter} seconds and try again.`)

  try {
    const customerId = await getOrCreateBillingCustomer(user.id, user.email)
    // Ask Stripe, not our cache: a subscription paid a moment ago may not have reached us yet.
    const synced = await syncUserNow(user.id, { force: true, needs: { customer: false, subscriptions: true } })
    if (synced.error) throw synced.error
    const current = await getCurrentSubscription(user.id)
    if (current && isLive(current.status)) return { ok: true, url: MANAGE_PATH }

    // The plan's metered usage price (overage on the Billing Meter) rides along as a second item.
    const meteredPriceIds = await meteredPricesFor(spec.id, input.interval)
    // A Team trial has up to TRIAL_MAX_SEATS seats: a Checkout for more starts without one (billed today).
    const trial =
      spec.trialDays > 0 &&
      !(spec.perSeat && seats > TRIAL_MAX_SEATS) &&
      (await decideTrial(user.id, customerId, { synced: synced.status === "synced" })).eligible
    const open = (customer: string) =>
      openCheckout({
        ...(trial ? { trialDays: spec.trialDays } : {}),
        paymentMethodCollection: env.checkoutPaymentMethodCollection,
        trialEndWithoutPaymentMethod: env.trialEndWithoutPaymentMethod,
        automaticTax: env.billing.tax,
        customerId: customer,
        userId: user.id,
        planId: plan.id,
        priceId,
        meteredPriceIds,
        quantity: seats,
        successUrl: `${env.appUrl}/subscription/success?session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${env.appUrl}/pricing?checkout=canceled`,
      })
    return await openForCustomer(user, customerId, open)
  } catch (err) {
    return billingFailure(err, "checkout session", { userId: user.id, plan: input.plan })
  }
}

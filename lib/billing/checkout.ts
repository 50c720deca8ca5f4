// Starting a subscription: validate the choice, refuse a second live subscription, open Checkout.
import "server-only"
import { and, eq } from "drizzle-orm"
import { z } from "zod"
import { fail, type ActionResult } from "@/lib/actions/result"
import type { CurrentUser } from "@/lib/auth/current-user"
import { db } from "@/lib/db/client"
import { subscriptionPlans } from "@/lib/db/schema"
import { env } from "@/lib/env"
import { stripe } from "@/lib/stripe/config"
import { getOrCreateStripeCustomer } from "@/lib/stripe/customer"
import { stripeFailure } from "@/lib/stripe/errors"
import { CATALOG } from "./catalog"
import { toStatus } from "./mappers"
import { isLive } from "./status"
import { syncUserBilling } from "./sync"

export const checkoutInput = z.object({
  plan: z.enum(["pro", "team"], { message: "Choose a plan." }),
  interval: z.enum(["month", "year"], { message: "Choose monthly or yearly billing." }),
  seats: z.coerce.number({ message: "Enter a number of seats." }).int("Seats must be a whole number.").optional(),
})
export type CheckoutInput = z.infer<typeof checkoutInput>

export const MANAGE_PATH = "/subscription/manage?notice=already-subscribed"

export async function startCheckout(user: CurrentUser, input: CheckoutInput): Promise<ActionResult<{ url: string }>> {
  const spec = CATALOG.find((p) => p.id === input.plan)!
  const seats = spec.perSeat ? (input.seats ?? spec.minSeats) : 1
  if (seats < spec.minSeats || seats > spec.maxSeats)
    return fail("invalid_seats", `${spec.name} needs between ${spec.minSeats} and ${spec.maxSeats} seats.`, { seats: `Between ${spec.minSeats} and ${spec.maxSeats}.` })
  const [plan] = await db.select().from(subscriptionPlans).where(and(eq(subscriptionPlans.id, input.plan), eq(subscriptionPlans.active, true)))
  const priceId = input.interval === "month" ? plan?.stripeMonthlyPriceId : plan?.stripeYearlyPriceId
  if (!plan || !priceId) return fail("plan_unavailable", "That plan is not available right now.")

  try {
    const customerId = await getOrCreateStripeCustomer(user.id, user.email)
    // Ask Stripe, not our cache: a subscription paid a moment ago may not have reached us yet.
    const existing = await stripe.subscriptions.list({ customer: customerId, status: "all", limit: 20 })
    if (existing.data.some((s) => isLive(toStatus(s.status)))) {
      await syncUserBilling(user.id)
      return { ok: true, url: MANAGE_PATH }
    }
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customerId,
      client_reference_id: user.id,
      line_items: [{ price: priceId, quantity: seats }],
      subscription_data: { metadata: { user_id: user.id, plan_id: plan.id } },
      metadata: { user_id: user.id, plan_id: plan.id },
      allow_promotion_codes: true,
      success_url: `${env.appUrl}/subscription/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${env.appUrl}/pricing?checkout=canceled`,
    })
    if (!session.url) return fail("stripe_error", "Checkout could not be opened. Please try again.")
    return { ok: true, url: session.url }
  } catch (err) {
    return stripeFailure(err, "checkout session", { userId: user.id, plan: input.plan })
  }
}

// "Resume subscription" on the manage page: a subscription paused at the end of a card-less trial stays
// paused until the customer resumes it (Stripe never does on its own). Resuming charges the card on file
// for a new period from today; no card, or a declined one, and it stays paused with a sentence saying why.
import "server-only"
import type { CurrentUser } from "@/lib/auth/current-user"
import { fail, type ActionResult } from "@/lib/result"
import { resumeSubscription } from "@/lib/stripe"
import { billingFailure } from "../errors"
import { getBillingCustomer, getCurrentSubscription } from "../views/queries"
import { syncUserNow } from "../sync/eager"

export async function resumePausedSubscription(user: CurrentUser): Promise<ActionResult> {
  const [subscription, customer] = await Promise.all([getCurrentSubscription(user.id), getBillingCustomer(user.id)])
  if (subscription?.status !== "paused") return fail("not_paused", "Your subscription isn't paused.")
  if (!customer?.defaultPaymentMethod)
    return fail("no_payment_method", "Add a payment method first: resuming charges it for the next period.")
  let status
  try {
    status = await resumeSubscription(subscription.stripeSubscriptionId)
  } catch (err) {
    return billingFailure(err, "resume subscription", { userId: user.id })
  }
  if (status === "paused")
    return fail("card_declined", "Your card was declined, so your subscription is still paused. Update your payment method and try again.")
  // Show it active now rather than when the webhooks land.
  await syncUserNow(user.id, { force: true })
  return { ok: true }
}

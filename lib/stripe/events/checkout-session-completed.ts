// checkout.session.completed: the first sight of a new subscription. The customer mapping is written
// before Checkout opens; a Checkout created elsewhere for one of our users is linked here, but only
// when client_reference_id is a user id and the session's metadata names the same user.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf } from "../mappers"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function checkoutCompletedIntent(event: Stripe.CheckoutSessionCompletedEvent): EventIntent {
  const session = event.data.object
  if (session.mode !== "subscription") return { kind: "ignore", outcome: "ignored_not_subscription" }
  const customerId = idOf(session.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  const sync: EventIntent = {
    kind: "sync",
    customerId,
    needs: { customer: true, subscriptions: true },
    subscriptionId: idOf(session.subscription) ?? undefined,
    checkoutSession: { id: session.id, status: "complete" },
  }
  const reference = session.client_reference_id
  if (!reference) return sync
  if (!UUID.test(reference)) return { ...sync, refusedLink: "client_reference_id is not a user id" }
  if (session.metadata?.user_id !== reference) return { ...sync, refusedLink: "client_reference_id and metadata.user_id disagree" }
  return { ...sync, link: { userId: reference } }
}

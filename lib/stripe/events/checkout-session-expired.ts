// checkout.session.expired: abandoned or replaced; only our record of the session changes (no read).
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf } from "../mappers"

export function checkoutExpiredIntent(event: Stripe.CheckoutSessionExpiredEvent): EventIntent {
  const session = event.data.object
  const customerId = idOf(session.customer)
  if (session.mode !== "subscription" || !customerId) return { kind: "ignore", outcome: "ignored_not_ours" }
  return {
    kind: "sync",
    customerId,
    needs: { customer: false, subscriptions: false },
    checkoutSession: { id: session.id, status: "expired" },
  }
}

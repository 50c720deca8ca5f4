// entitlements.active_entitlement_summary.updated: the customer's features changed; the sync reads
// the active entitlements list (the event is a hint, Stripe's list is the truth, whatever the order).
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"

export function entitlementSummaryIntent(event: Stripe.EntitlementsActiveEntitlementSummaryUpdatedEvent): EventIntent {
  return { kind: "sync", customerId: event.data.object.customer, needs: { customer: false, subscriptions: false, entitlements: true } }
}

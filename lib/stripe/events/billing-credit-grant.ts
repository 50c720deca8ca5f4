// billing.credit_grant.created / .updated (Stripe sends them since 2025-03-31.basil): a grant was made,
// expired or voided, so the customer's cached credit balance is read again by the drain.
import type Stripe from "stripe"
import type { EventIntent } from "@/lib/billing/types"
import { idOf } from "../mappers"

export function creditGrantIntent(event: Stripe.BillingCreditGrantCreatedEvent | Stripe.BillingCreditGrantUpdatedEvent): EventIntent {
  const customerId = idOf(event.data.object.customer)
  if (!customerId) return { kind: "ignore", outcome: "ignored_no_customer" }
  return { kind: "sync", customerId, needs: { customer: false, subscriptions: false }, creditBalanceChanged: true }
}

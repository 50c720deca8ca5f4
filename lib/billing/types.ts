// The billing domain's own vocabulary. lib/stripe (the one adapter that speaks Stripe) returns these;
// nothing outside lib/stripe sees a Stripe SDK type.
import type { CardSummary, DiscountDuration, PostalAddress, SubscriptionStatus, TrialEndBehavior } from "@/lib/db/schema"

export type { CardSummary, PostalAddress, SubscriptionStatus }
export type BillingInterval = "day" | "week" | "month" | "year"

/** The subscription's active discount: what it is called, what it takes off, and for how long. */
export type DiscountState = {
  /** The promotion code the customer entered, else the coupon's name (or id). */
  label: string
  percentOff: number | null
  amountOff: number | null
  currency: string | null
  duration: DiscountDuration
  /** When a repeating discount stops; null for once and forever. */
  endsAt: Date | null
}

/** A subscription as the billing provider has it now. */
export type SubscriptionState = {
  id: string
  customerId: string
  priceId: string | null
  interval: BillingInterval | null
  quantity: number
  unitAmount: number | null
  currency: string | null
  status: SubscriptionStatus
  currentPeriodStart: Date | null
  currentPeriodEnd: Date | null
  /** True when it ends at the period end (also when the portal scheduled cancel_at = period end). */
  cancelAtPeriodEnd: boolean
  cancelAt: Date | null
  canceledAt: Date | null
  endedAt: Date | null
  trialStart: Date | null
  trialEnd: Date | null
  /** What the trial's end does without a card (trial_settings.end_behavior.missing_payment_method). */
  trialMissingPaymentMethod: TrialEndBehavior | null
  createdAt: Date
  /** The subscription's own default card, when it has one. */
  card: CardSummary | null
  /** The discount applying to its invoices now, if any. */
  discount: DiscountState | null
  /** Stripe's livemode: whether it was made with a live key. */
  livemode: boolean
  /** card.fingerprint of its own default card (one card number, whatever the customer). */
  cardFingerprint: string | null
}

export type CustomerState =
  | { id: string; deleted: true }
  | {
      id: string
      deleted: false
      email: string | null
      name: string | null
      address: PostalAddress | null
      card: CardSummary | null
      userId: string | null
      livemode: boolean
      /** card.fingerprint of the customer's default card. */
      cardFingerprint: string | null
    }

/** A feature the customer is entitled to now (Stripe's active entitlement). */
export type EntitlementState = { id: string; featureId: string; lookupKey: string; livemode: boolean }

/** What one read of a customer needs: each part costs one provider call (entitlements: one list). */
export type ReadNeeds = { customer: boolean; subscriptions: boolean; entitlements?: boolean }
export type CustomerRead = { customer?: CustomerState; subscriptions?: SubscriptionState[]; entitlements?: EntitlementState[] }

/** A webhook event whose signature checked out, ready to be stored. */
export type VerifiedEvent = { id: string; type: string; createdAt: Date; customerId: string | null; raw: string }

/**
 * What applying one event takes. `sync`: read the customer (the parts in `needs`) and write what the
 * provider says; the event is then recorded with the outcome `outcomeOf` computes from that read.
 */
export type EventIntent =
  | { kind: "ignore"; outcome: string }
  | {
      kind: "sync"
      customerId: string
      needs: ReadNeeds
      /** The subscription the event is about, for its outcome (`synced_active`, …). */
      subscriptionId?: string
      /** checkout.session.completed for a customer we have no mapping for yet: link it to this user. */
      link?: { userId: string }
      /** Why a link was refused (client_reference_id malformed or not matching the metadata); recorded. */
      refusedLink?: string
      /** A Checkout session that completed or expired: our record of it follows. */
      checkoutSession?: { id: string; status: "complete" | "expired" }
      /** A new card arrived (attached, or made the default): pay the customer's open subscription invoices now. */
      newCard?: boolean
    }

/** A failed call to the billing provider, classified for retries and for customer-facing words. */
export class BillingProviderError extends Error {
  constructor(
    readonly kind: "rate_limited" | "unavailable" | "misconfigured" | "not_found" | "declined" | "invalid" | "unknown",
    message: string,
    readonly detail: { code?: string; requestId?: string; status?: number } = {},
  ) {
    super(message)
    this.name = "BillingProviderError"
  }
  /** Worth trying again later: the provider was busy, down or unreachable. */
  get retryable() {
    return this.kind === "rate_limited" || this.kind === "unavailable" || this.kind === "unknown"
  }
}

export type CheckoutSessionState = {
  id: string
  url: string | null
  status: "open" | "complete" | "expired"
  customerId: string | null
  userId: string | null
  expiresAt: Date | null
}

/** A deep link into one step of the portal, returning to `afterUrl` when done. */
export type PortalFlowRequest =
  | { type: "payment_method_update"; afterUrl: string }
  | { type: "subscription_cancel" | "subscription_update"; subscriptionId: string; afterUrl: string }

/** What a change to N seats costs now (prorated, billed at once) and at the next renewal. */
export type SeatPreview = {
  itemId: string
  currentQuantity: number
  quantity: number
  /** Unix seconds: the confirm bills as of this moment, so it charges what was shown. */
  prorationDate: number
  /** Charged now when positive; a negative amount is credited to the customer's balance. */
  amountDue: number
  currency: string
  lines: { description: string; amount: number }[]
  /** Stripe's preview of the renewal after the change, discounts applied. */
  nextRenewal: { amount: number; at: Date }
}

export type SeatChange = { subscriptionId: string; itemId: string; fromQuantity: number; quantity: number; prorationDate: number }

/** What a seat change would do if confirmed now: the item, its quantity, Stripe's time, the cost at the previewed moment. */
export type SeatChangeCheck = { itemId: string; currentQuantity: number; stripeNow: number; amountDue: number }

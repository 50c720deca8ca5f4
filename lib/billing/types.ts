// The billing domain's own vocabulary. lib/stripe (the one adapter that speaks Stripe) returns these;
// nothing outside lib/stripe sees a Stripe SDK type. The Drizzle schema (lib/db/schema.ts) types its
// columns with these; this module imports nothing.

/** Stripe's subscription statuses (what each means for access: lib/billing/status.ts). */
export const SUBSCRIPTION_STATUSES = [
  "incomplete",
  "incomplete_expired",
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "paused",
] as const
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number]

export type BillingInterval = "day" | "week" | "month" | "year"

/** The card shown for a customer or subscription (Stripe's card brand as it names it, e.g. "visa"). */
export type CardSummary = { brand: string; last4: string; exp_month: number; exp_year: number }
export type PostalAddress = {
  line1: string | null
  line2: string | null
  city: string | null
  postal_code: string | null
  state: string | null
  country: string | null
}

/** Stripe's trial_settings.end_behavior.missing_payment_method. */
export type TrialEndBehavior = "cancel" | "create_invoice" | "pause"
/** A coupon's duration: the first invoice only, a number of months, or every invoice. */
export type DiscountDuration = "once" | "repeating" | "forever"
/** Our record of a Checkout session we opened. */
export type CheckoutSessionStatus = "open" | "complete" | "expired"
export type TeamRole = "owner" | "member"

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
  /** The coupon behind it. */
  couponId?: string
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
  /** Stripe's cancellation_details: why it ends (or will), and the reason and words the customer gave. */
  cancellation: { reason: string | null; feedback: string | null; comment: string | null }
  /** The subscription schedule attached to it (subscription.schedule), if any. */
  scheduleId: string | null
  /** What the schedule's next phase changes, and when: a downgrade or yearly → monthly at the period's end. */
  scheduledChange: ScheduledChange | null
  /** Stripe's livemode: whether it was made with a live key. */
  livemode: boolean
  /** card.fingerprint of its own default card (one card number, whatever the customer). */
  cardFingerprint: string | null
  /**
   * The first charge after a trial, from invoices.createPreview (read by the sync for a trialing
   * subscription that will renew; null otherwise, or when not read).
   */
  upcoming: UpcomingCharge | null
}

/** The next charge as Stripe's invoice preview has it (amount_due: after discounts, with every seat and tax). */
export type UpcomingCharge = { amount: number; currency: string; at: Date | null }

/** The item a schedule's next phase puts on the subscription, from `at`. */
export type ScheduledChange = { priceId: string; interval: BillingInterval | null; quantity: number; at: Date }

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
export type CustomerRead = {
  customer?: CustomerState
  subscriptions?: SubscriptionState[]
  entitlements?: EntitlementState[]
  /** Invoices invoice.* events named, as Stripe has them now (public.invoices). */
  invoices?: InvoiceState[]
  /** Each listed subscription's latest invoice (expanded in the same call), when subscriptions were read. */
  latestInvoices?: InvoiceState[]
}

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
      /** The event asks for a billing email (lib/billing/email): the drain queues it with the rows it writes. */
      email?: EmailHint
      /** An invoice event: the drain re-reads this invoice from Stripe and keeps it in public.invoices. */
      invoiceId?: string
      /** A paid credit pack's Checkout (mode=payment): the drain records it, then grants the credits (lib/billing/credits). */
      creditPurchase?: CreditPurchaseHint
      /** A billing.credit_grant.* event: the customer's cached credit balance is read again. */
      creditBalanceChanged?: boolean
    }

/** What checkout.session.completed says about a paid credit pack (checked against the catalog by the handler). */
export type CreditPurchaseHint = { sessionId: string; packId: string; amountPaid: number; currency: string; paidAt: Date }

/** What an event tells a billing email; the rest (plan name, recipient, links) comes from the rows. */
export type EmailHint =
  | {
      template: "payment_failed" | "payment_action_required"
      amount: number
      currency: string
      invoiceNumber: string | null
      hostedInvoiceUrl: string | null
      nextAttemptAt: Date | null
    }
  | { template: "trial_ending"; trialEndsAt: Date | null }
  | { template: "subscription_will_cancel"; endsAt: Date | null }
  | { template: "subscription_cancelled"; endedAt: Date | null }
  | { template: "seats_changed"; from: number; to: number }

/** An invoice as the billing provider has it now (kept in public.invoices). */
export type InvoiceState = {
  id: string
  customerId: string
  subscriptionId: string | null
  number: string | null
  status: "draft" | "open" | "paid" | "uncollectible" | "void"
  amountDue: number
  amountPaid: number
  tax: number | null
  /** Stripe Tax reverse charged it (an EU business with a VAT id): no tax, the customer accounts for it. */
  reverseCharge: boolean
  total: number
  currency: string
  created: Date
  periodStart: Date | null
  periodEnd: Date | null
  hostedInvoiceUrl: string | null
  invoicePdf: string | null
  attemptCount: number
  nextPaymentAttempt: Date | null
}

/** A failed call to the billing provider, classified for retries and for customer-facing words. */
export class BillingProviderError extends Error {
  constructor(
    readonly kind: "rate_limited" | "unavailable" | "misconfigured" | "not_found" | "declined" | "invalid" | "unknown",
    message: string,
    readonly detail: { code?: string; requestId?: string; status?: number; retryAfterSeconds?: number } = {},
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
  | { type: "subscription_cancel"; subscriptionId: string; afterUrl: string; retentionCouponId?: string | null }
  | { type: "subscription_update"; subscriptionId: string; afterUrl: string }

/** What a change to N seats costs now (prorated, billed at once) and at the next renewal. */
export type SeatPreview = {
  itemId: string
  currentQuantity: number
  quantity: number
  /** Unix seconds: the confirm bills as of this moment, so it charges what was shown. */
  prorationDate: number
  /** The change's invoice total: charged now when positive; a negative amount is credited to the customer's balance. */
  amountDue: number
  /** What the card is charged now: the total less any credit already on the customer's balance (Stripe's amount_due). */
  chargedNow: number
  /**
   * What goes onto the customer's balance as credit now (seats removed): the negative total less any debit
   * already on the balance, which it pays off first. 0 when anything is charged.
   */
  creditedNow: number
  currency: string
  lines: { description: string; amount: number }[]
  /**
   * Stripe's preview of the renewal after the change, discounts applied (`amount`), and what that renewal
   * charges (`charged`): less the credit left on the balance by the change (seats removed) or before it.
   */
  nextRenewal: { amount: number; charged: number; at: Date }
}

export type SeatChange = { subscriptionId: string; itemId: string; fromQuantity: number; quantity: number; prorationDate: number }

/** What a seat change would do if confirmed now: the item, its quantity, Stripe's time, the cost at the previewed moment. */
export type SeatChangeCheck = { itemId: string; currentQuantity: number; stripeNow: number; amountDue: number }

/** A plan change asked of Stripe: billed now (upgrades) or at the period's end (downgrades, yearly → monthly). */
export type PlanChangeRequest = { subscriptionId: string; kind: "now" | "at_period_end"; priceId: string; quantity: number }

/** What a plan change costs, every amount Stripe's. */
export type PlanChangePreview = {
  kind: "now" | "at_period_end"
  itemId: string
  fromPriceId: string
  fromQuantity: number
  priceId: string
  quantity: number
  /** Unix seconds: a change billed now is applied as of this moment (the period's end for a scheduled one). */
  prorationDate: number
  /** Charged now when positive; negative: credited to the customer's balance. 0 for a scheduled change. */
  amountDue: number
  /** Tax included in amountDue (0 without Stripe Tax). */
  tax: number
  /** STRIPE_TAX on and Stripe Tax cannot place the customer (automatic_tax.status requires_location_inputs). */
  taxNeedsAddress: boolean
  currency: string
  lines: { description: string; amount: number }[]
  /** The invoice after the change: its amount and tax, and when. */
  nextInvoice: { amount: number; tax: number; at: Date }
}

/** What a change billed now would do if confirmed now. */
export type PlanChangeCheck = {
  itemId: string
  priceId: string
  quantity: number
  scheduleId: string | null
  stripeNow: number
  amountDue: number
  /** Stripe Tax needs the customer's billing address before this change can be taxed. */
  taxNeedsAddress: boolean
}

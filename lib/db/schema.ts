// Drizzle mirror of supabase/migrations (the SQL is the source of truth; a test checks they agree).
import { sql } from "drizzle-orm"
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core"
// The column types are the billing domain's vocabulary (lib/billing/types.ts), not declared here.
import type {
  BillingInterval,
  CardSummary,
  CheckoutSessionStatus,
  DiscountDuration,
  PostalAddress,
  SubscriptionStatus,
  TeamRole,
  TrialEndBehavior,
} from "../billing/types"

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" })

export const users = pgTable("users", {
  id: uuid("id").primaryKey(),
  email: text("email"),
  createdAt: tz("created_at").notNull().defaultNow(),
})

export const subscriptionPlans = pgTable("subscription_plans", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  features: text("features")
    .array()
    .notNull()
    .default(sql`'{}'`),
  perSeat: boolean("per_seat").notNull().default(false),
  stripeProductId: text("stripe_product_id").unique(),
  stripeMonthlyPriceId: text("stripe_monthly_price_id").unique(),
  stripeYearlyPriceId: text("stripe_yearly_price_id").unique(),
  monthlyAmount: integer("monthly_amount").notNull(),
  yearlyAmount: integer("yearly_amount").notNull(),
  currency: text("currency").notNull().default("usd"),
  sortOrder: integer("sort_order").notNull().default(0),
  active: boolean("active").notNull().default(true),
  updatedAt: tz("updated_at").notNull().defaultNow(),
})

export const billingCustomers = pgTable("billing_customers", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeCustomerId: text("stripe_customer_id").notNull().unique(),
  email: text("email"),
  name: text("name"),
  address: jsonb("address").$type<PostalAddress | null>(),
  defaultPaymentMethod: jsonb("default_payment_method").$type<CardSummary | null>(),
  stripeCustomerDeletedAt: tz("stripe_customer_deleted_at"),
  /** Stripe's livemode of the customer (null: written before it was recorded). */
  livemode: boolean("livemode"),
  createdAt: tz("created_at").notNull().defaultNow(),
  updatedAt: tz("updated_at").notNull().defaultNow(),
})

export const userSubscriptions = pgTable("user_subscriptions", {
  id: uuid("id").primaryKey().defaultRandom(),
  stripeSubscriptionId: text("stripe_subscription_id").notNull().unique(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeCustomerId: text("stripe_customer_id").notNull(),
  planId: text("plan_id").references(() => subscriptionPlans.id),
  stripePriceId: text("stripe_price_id"),
  interval: text("interval").$type<BillingInterval>(),
  quantity: integer("quantity").notNull().default(1),
  unitAmount: integer("unit_amount"),
  currency: text("currency"),
  status: text("status").$type<SubscriptionStatus>().notNull(),
  currentPeriodStart: tz("current_period_start"),
  currentPeriodEnd: tz("current_period_end"),
  cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
  cancelAt: tz("cancel_at"),
  canceledAt: tz("canceled_at"),
  endedAt: tz("ended_at"),
  trialStart: tz("trial_start"),
  trialEnd: tz("trial_end"),
  trialMissingPaymentMethod: text("trial_missing_payment_method").$type<TrialEndBehavior>(),
  discountLabel: text("discount_label"),
  discountPercentOff: doublePrecision("discount_percent_off"),
  discountAmountOff: integer("discount_amount_off"),
  discountCurrency: text("discount_currency"),
  discountDuration: text("discount_duration").$type<DiscountDuration>(),
  discountEndsAt: tz("discount_ends_at"),
  discountCouponId: text("discount_coupon_id"),
  cancellationReason: text("cancellation_reason"),
  cancellationFeedback: text("cancellation_feedback"),
  cancellationComment: text("cancellation_comment"),
  stripeScheduleId: text("stripe_schedule_id"),
  scheduledPriceId: text("scheduled_price_id"),
  scheduledPlanId: text("scheduled_plan_id").references(() => subscriptionPlans.id),
  scheduledInterval: text("scheduled_interval").$type<"day" | "week" | "month" | "year">(),
  scheduledQuantity: integer("scheduled_quantity"),
  scheduledChangeAt: tz("scheduled_change_at"),
  /** Stripe's invoice preview of the next charge (amount_due: discounts, seats, tax), kept by the sync while trialing. */
  upcomingAmount: integer("upcoming_amount"),
  upcomingCurrency: text("upcoming_currency"),
  upcomingAt: tz("upcoming_at"),
  stripeCreatedAt: tz("stripe_created_at").notNull(),
  /** Stripe's livemode of the subscription (null: written before it was recorded). */
  livemode: boolean("livemode"),
  createdAt: tz("created_at").notNull().defaultNow(),
  updatedAt: tz("updated_at").notNull().defaultNow(),
})

export const subscriptionEvents = pgTable("subscription_events", {
  stripeEventId: text("stripe_event_id").primaryKey(),
  type: text("type").notNull(),
  stripeCreatedAt: tz("stripe_created_at").notNull(),
  payload: jsonb("payload"),
  receivedAt: tz("received_at").notNull().defaultNow(),
  processedAt: tz("processed_at"),
  attempts: integer("attempts").notNull().default(0),
  outcome: text("outcome"),
  error: text("error"),
  customerId: text("customer_id"),
  nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
  deadAt: tz("dead_at"),
})

export const customerSyncs = pgTable("customer_syncs", {
  stripeCustomerId: text("stripe_customer_id").primaryKey(),
  leaseOwner: text("lease_owner"),
  leaseUntil: tz("lease_until"),
  syncedAt: tz("synced_at"),
  eagerSyncAt: tz("eager_sync_at"),
  updatedAt: tz("updated_at").notNull().defaultNow(),
})

/** One row: no drain claims customers before `until` (Stripe answered 429; lib/billing/sync/stripe-backoff.ts). */
export const stripeBackoff = pgTable("stripe_backoff", {
  id: boolean("id").primaryKey().default(true),
  until: tz("until").notNull(),
  strikes: integer("strikes").notNull().default(1),
  updatedAt: tz("updated_at").notNull().defaultNow(),
})

export const portalSessions = pgTable("portal_sessions", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeSessionId: text("stripe_session_id").unique(),
  url: text("url"),
  flow: text("flow").notNull().default("home"),
  createdAt: tz("created_at").notNull().defaultNow(),
})

export const checkoutSessions = pgTable("checkout_sessions", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeSessionId: text("stripe_session_id").unique(),
  url: text("url"),
  priceId: text("price_id").notNull(),
  quantity: integer("quantity").notNull(),
  trialDays: integer("trial_days"),
  status: text("status").$type<CheckoutSessionStatus>().notNull().default("open"),
  expiresAt: tz("expires_at"),
  createdAt: tz("created_at").notNull().defaultNow(),
})

export type Plan = typeof subscriptionPlans.$inferSelect
export type UserSubscription = typeof userSubscriptions.$inferSelect
export type NewUserSubscription = typeof userSubscriptions.$inferInsert
export type BillingCustomer = typeof billingCustomers.$inferSelect

export const activeEntitlements = pgTable(
  "active_entitlements",
  {
    stripeCustomerId: text("stripe_customer_id").notNull(),
    lookupKey: text("lookup_key").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    stripeEntitlementId: text("stripe_entitlement_id").notNull(),
    stripeFeatureId: text("stripe_feature_id").notNull(),
    livemode: boolean("livemode"),
    syncedAt: tz("synced_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.stripeCustomerId, t.lookupKey] })],
)

export const teams = pgTable("teams", {
  id: uuid("id").primaryKey().defaultRandom(),
  ownerUserId: uuid("owner_user_id")
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: "cascade" }),
  createdAt: tz("created_at").notNull().defaultNow(),
})

export const teamMembers = pgTable(
  "team_members",
  {
    teamId: uuid("team_id")
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .unique()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role").$type<TeamRole>().notNull(),
    joinedAt: tz("joined_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] })],
)

export const teamInvites = pgTable("team_invites", {
  id: uuid("id").primaryKey().defaultRandom(),
  teamId: uuid("team_id")
    .notNull()
    .references(() => teams.id, { onDelete: "cascade" }),
  email: text("email").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: tz("created_at").notNull().defaultNow(),
  expiresAt: tz("expires_at").notNull(),
  acceptedAt: tz("accepted_at"),
  acceptedBy: uuid("accepted_by").references(() => users.id, { onDelete: "set null" }),
  revokedAt: tz("revoked_at"),
})

export const retentionOffers = pgTable("retention_offers", {
  stripeCustomerId: text("stripe_customer_id").primaryKey(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  couponId: text("coupon_id").notNull(),
  offeredAt: tz("offered_at").notNull().defaultNow(),
  outcome: text("outcome").$type<"offered" | "accepted" | "declined">().notNull().default("offered"),
  decidedAt: tz("decided_at"),
})

export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").notNull(),
    windowStart: tz("window_start").notNull(),
    hits: integer("hits").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
)

export const usageCounters = pgTable(
  "usage_counters",
  {
    subject: text("subject").notNull(),
    meter: text("meter").notNull(),
    periodStart: tz("period_start").notNull(),
    periodEnd: tz("period_end").notNull(),
    used: bigint("used", { mode: "number" }).notNull().default(0),
    /** A Team pool's units recorded past the pool as it was then (sent to Stripe's meter); 0 for Pro and Free. */
    overageBilled: bigint("overage_billed", { mode: "number" }).notNull().default(0),
    /** A Team pool's allowance as the sync last wrote it (settle_team_pool); null: each recording's own allowance. */
    pool: bigint("pool", { mode: "number" }),
  },
  (t) => [primaryKey({ columns: [t.subject, t.meter, t.periodStart] })],
)

export const usageRecords = pgTable(
  "usage_records",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    meter: text("meter").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    value: integer("value").notNull(),
    subject: text("subject").notNull(),
    status: text("status").$type<"recorded" | "refused">().notNull(),
    used: bigint("used", { mode: "number" }).notNull(),
    remaining: bigint("remaining", { mode: "number" }),
    createdAt: tz("created_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.meter, t.idempotencyKey] })],
)

export const usageOutbox = pgTable("usage_outbox", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  stripeCustomerId: text("stripe_customer_id").notNull(),
  meter: text("meter").notNull(),
  value: integer("value").notNull(),
  /** The ledger period the usage was counted in (Stripe's frame): the meter event is timed inside it. */
  periodStart: tz("period_start"),
  periodEnd: tz("period_end"),
  status: text("status").$type<"pending" | "sent" | "dead">().notNull().default("pending"),
  batchId: text("batch_id"),
  claimedUntil: tz("claimed_until"),
  claimedBy: text("claimed_by"),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
  lastError: text("last_error"),
  createdAt: tz("created_at").notNull().defaultNow(),
  sentAt: tz("sent_at"),
})

/** Card fingerprints of subscriptions that had a trial: one trial per card (lib/billing/checkout/trial-cards.ts). */
export const trialCards = pgTable(
  "trial_cards",
  {
    fingerprint: text("fingerprint").notNull(),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    firstSeenAt: tz("first_seen_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.fingerprint, t.stripeSubscriptionId] })],
)

/** Stripe calls the sync decided on, sent by the drain (an outbox). */
export const billingActions = pgTable(
  "billing_actions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").$type<"end_trial">().notNull(),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    reason: text("reason").notNull(),
    status: text("status").$type<"pending" | "sent" | "dead">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
    claimedUntil: tz("claimed_until"),
    claimedBy: text("claimed_by"),
    batchId: text("batch_id"),
    sentAt: tz("sent_at"),
    doneAt: tz("done_at").generatedAlwaysAs(sql`sent_at`),
    lastError: text("last_error"),
    createdAt: tz("created_at").notNull().defaultNow(),
  },
  (t) => [unique().on(t.kind, t.stripeSubscriptionId)],
)

/** Paid credit packs and the Stripe credit grant the drain creates for each (lib/billing/credits). */
export const creditPurchases = pgTable("credit_purchases", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  stripeCheckoutSessionId: text("stripe_checkout_session_id").notNull().unique(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  stripeCustomerId: text("stripe_customer_id").notNull(),
  packId: text("pack_id").notNull(),
  meter: text("meter").notNull(),
  units: integer("units").notNull(),
  amountPaid: integer("amount_paid").notNull(),
  currency: text("currency").notNull(),
  grantCents: integer("grant_cents").notNull(),
  unitsUsed: integer("units_used").notNull().default(0),
  paidAt: tz("paid_at").notNull(),
  expiresAt: tz("expires_at").notNull(),
  stripeCreditGrantId: text("stripe_credit_grant_id"),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
  claimedUntil: tz("claimed_until"),
  lastError: text("last_error"),
  createdAt: tz("created_at").notNull().defaultNow(),
  status: text("status").$type<"pending" | "sent" | "dead">().notNull().default("pending"),
  claimedBy: text("claimed_by"),
  batchId: text("batch_id"),
  sentAt: tz("sent_at"),
})

/** A customer's available credit on metered prices, from Stripe's credit balance summary. */
export const creditBalances = pgTable("credit_balances", {
  stripeCustomerId: text("stripe_customer_id").primaryKey(),
  availableCents: bigint("available_cents", { mode: "number" }).notNull().default(0),
  currency: text("currency").notNull().default("usd"),
  stale: boolean("stale").notNull().default(true),
  refreshedAt: tz("refreshed_at"),
  updatedAt: tz("updated_at").notNull().defaultNow(),
})

export const adminAuditLog = pgTable("admin_audit_log", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  actorId: uuid("actor_id"),
  actorEmail: text("actor_email"),
  action: text("action").notNull(),
  target: text("target"),
  detail: jsonb("detail").notNull().default({}),
  createdAt: tz("created_at").notNull().defaultNow(),
})

export const emailOutbox = pgTable("email_outbox", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  stripeEventId: text("stripe_event_id").notNull(),
  template: text("template").notNull(),
  userId: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  toEmail: text("to_email").notNull(),
  data: jsonb("data").notNull().default({}),
  status: text("status").$type<"pending" | "sent" | "skipped" | "dead">().notNull().default("pending"),
  claimedUntil: tz("claimed_until"),
  claimedBy: text("claimed_by"),
  batchId: text("batch_id"),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: tz("next_attempt_at").notNull().defaultNow(),
  lastError: text("last_error"),
  messageId: text("message_id"),
  createdAt: tz("created_at").notNull().defaultNow(),
  sentAt: tz("sent_at"),
})

export const emailPreferences = pgTable("email_preferences", {
  userId: uuid("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  trialEnding: boolean("trial_ending").notNull().default(true),
  seatsChanged: boolean("seats_changed").notNull().default(true),
  updatedAt: tz("updated_at").notNull().defaultNow(),
})

export const invoices = pgTable("invoices", {
  id: text("id").primaryKey(),
  stripeCustomerId: text("stripe_customer_id").notNull(),
  stripeSubscriptionId: text("stripe_subscription_id"),
  number: text("number"),
  status: text("status").$type<"draft" | "open" | "paid" | "uncollectible" | "void">().notNull(),
  amountDue: bigint("amount_due", { mode: "number" }).notNull(),
  amountPaid: bigint("amount_paid", { mode: "number" }).notNull(),
  tax: bigint("tax", { mode: "number" }),
  reverseCharge: boolean("reverse_charge").notNull().default(false),
  total: bigint("total", { mode: "number" }).notNull(),
  currency: text("currency").notNull(),
  created: tz("created").notNull(),
  periodStart: tz("period_start"),
  periodEnd: tz("period_end"),
  hostedInvoiceUrl: text("hosted_invoice_url"),
  invoicePdf: text("invoice_pdf"),
  attemptCount: integer("attempt_count").notNull().default(0),
  nextPaymentAttempt: tz("next_payment_attempt"),
  syncedAt: tz("synced_at").notNull().defaultNow(),
})

export const reconcileRuns = pgTable("reconcile_runs", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  trigger: text("trigger").$type<"cron" | "admin" | "cli" | "test">().notNull(),
  phase: text("phase").$type<"subscriptions" | "orphans" | "usage" | "done">().notNull().default("subscriptions"),
  cursor: text("cursor"),
  leaseOwner: text("lease_owner"),
  leaseUntil: tz("lease_until"),
  stripeCalls: integer("stripe_calls").notNull().default(0),
  subscriptionsChecked: integer("subscriptions_checked").notNull().default(0),
  drifted: integer("drifted").notNull().default(0),
  fixed: integer("fixed").notNull().default(0),
  startedAt: tz("started_at").notNull().defaultNow(),
  finishedAt: tz("finished_at"),
})

export const reconcileFindings = pgTable("reconcile_findings", {
  id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
  runId: bigint("run_id", { mode: "number" })
    .notNull()
    .references(() => reconcileRuns.id, { onDelete: "cascade" }),
  stripeCustomerId: text("stripe_customer_id").notNull(),
  userId: uuid("user_id"),
  differences: jsonb("differences").notNull(),
  fixed: boolean("fixed"),
  error: text("error"),
  createdAt: tz("created_at").notNull().defaultNow(),
})

export const reconcileSeen = pgTable(
  "reconcile_seen",
  {
    runId: bigint("run_id", { mode: "number" })
      .notNull()
      .references(() => reconcileRuns.id, { onDelete: "cascade" }),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.stripeSubscriptionId] })],
)

/** Per-group deltas of user_subscriptions' counts and gross amounts (triggers write them; /admin/metrics sums them). */
export const subscriptionTotals = pgTable("subscription_totals", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  status: text("status").$type<SubscriptionStatus>().notNull(),
  planId: text("plan_id"),
  currency: text("currency").notNull(),
  interval: text("interval").$type<BillingInterval>(),
  unended: boolean("unended").notNull(),
  n: bigint("n", { mode: "number" }).notNull(),
  gross: bigint("gross", { mode: "number" }).notNull(),
})

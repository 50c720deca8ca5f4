// Customers and the one read the sync needs: the customer and/or all of their subscriptions.
import "server-only"
import type Stripe from "stripe"
import { BillingProviderError, type CustomerRead, type EntitlementState, type ReadNeeds, type SubscriptionState } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"
import { customerState, invoiceState, subscriptionState } from "./mappers"
import { env } from "@/lib/env"
import { needsPreview } from "@/lib/billing/views/charge"

/**
 * Creates the user's customer. The Idempotency-Key makes concurrent creates for one user return the
 * same customer (Stripe keeps keys 24 h; after that our mapping row answers before we get here);
 * `replaces` names the deleted customer a replacement is for, so it gets a key of its own.
 */
export async function createCustomer(userId: string, email: string | null | undefined, replaces?: string): Promise<string> {
  const key = `subkit-customer-${userId}${replaces ? `-replaces-${replaces}` : ""}`
  const customer = await stripeCall(() =>
    stripe.customers.create({ ...(email ? { email } : {}), metadata: { user_id: userId } }, { idempotencyKey: key }),
  )
  return customer.id
}

/** One call per part asked for; the subscriptions come with their own default card and discount expanded. */
export async function readCustomer(customerId: string, needs: ReadNeeds): Promise<CustomerRead> {
  const [customer, subscriptions, entitlements] = await Promise.all([
    needs.customer ? retrieveCustomer(customerId) : undefined,
    needs.subscriptions ? listSubscriptions(customerId) : undefined,
    needs.entitlements ? listEntitlements(customerId) : undefined,
  ])
  // Listing the subscriptions (or entitlements) of a customer Stripe no longer has answers resource_missing.
  const gone = subscriptions === "customer_missing" || entitlements === "customer_missing"
  return {
    ...(customer || gone ? { customer: gone ? { id: customerId, deleted: true as const } : customer } : {}),
    ...(subscriptions ? { subscriptions: gone ? [] : subscriptions.states } : {}),
    ...(subscriptions && !gone ? { latestInvoices: subscriptions.latestInvoices } : {}),
    ...(entitlements ? { entitlements: gone ? [] : entitlements } : {}),
  }
}

async function listSubscriptions(customerId: string) {
  try {
    return await stripeCall(async () => {
      const page = await stripe.subscriptions.list({
        customer: customerId,
        status: "all",
        limit: 100,
        // The discount's coupon and promotion code too: the pages say "WELCOME20: 20% off · ends on …".
        // The schedule too: a change scheduled for the period's end ("Changes to Pro on …").
        // And each one's latest invoice: the invoice a renewal's invoice.* events name, so a burst's
        // invoices need no call of their own (apply.ts; 1 call per customer instead of 2).
        expand: [
          "data.default_payment_method",
          "data.discounts.source.coupon",
          "data.discounts.promotion_code",
          "data.schedule",
          "data.latest_invoice",
          // And the customer: its invoice balance (a credit left by seats removed) is on the next invoice.
          "data.customer",
        ],
      })
      // subkit keeps one live subscription per customer; more than a page means something else is wrong.
      if (page.has_more) throw new Error(`customer ${customerId} has more than 100 subscriptions`)
      return {
        states: page.data.map(subscriptionState),
        balance: balanceOf(page.data[0]?.customer),
        latestInvoices: page.data.flatMap((s) =>
          s.latest_invoice && typeof s.latest_invoice === "object" ? [invoiceState(s.latest_invoice)] : [],
        ),
      }
    }).then(async (read) => ({
      ...read,
      states: await Promise.all(read.states.map((s) => withUpcoming(s, read.balance !== 0))),
    }))
  } catch (err) {
    if (err instanceof BillingProviderError && err.kind === "not_found") return "customer_missing" as const
    throw err
  }
}

/**
 * The next charge of a subscription that will renew, from Stripe's invoice preview
 * (invoices.createPreview: the discount as it stands then, every seat, tax, pending prorations), so the
 * amount a page states is what Stripe will charge; read here by the sync and kept on the row, never on a
 * page view. Read only where price × quantity could be wrong (lib/billing/views/charge.ts says the same):
 * a discount, a scheduled change (the schedule's next invoice: the new plan's first charge), STRIPE_TAX,
 * or a balance on the customer (`balance`: a credit left by seats removed, which may last several renewals).
 * Any other subscription makes no call, so a renewal burst of plain subscriptions costs none.
 */
async function withUpcoming(s: SubscriptionState, balance: boolean): Promise<SubscriptionState> {
  if (!needsPreview(s, env.billing.tax, balance)) return s
  const at = s.scheduledChange?.at ?? (s.status === "trialing" ? s.trialEnd : s.currentPeriodEnd)
  try {
    const preview = await stripeCall(() =>
      stripe.invoices.createPreview({
        ...(s.scheduledChange && s.scheduleId ? { schedule: s.scheduleId } : { subscription: s.id }),
        ...(env.billing.tax ? { automatic_tax: { enabled: true } } : {}),
      }),
    )
    return { ...s, upcoming: { amount: preview.amount_due, currency: preview.currency, at } }
  } catch (err) {
    // Stripe has no upcoming invoice for it (invoice_upcoming_none): nothing to say, not a failed read.
    if (err instanceof BillingProviderError && (err.kind === "invalid" || err.kind === "not_found")) return s
    throw err
  }
}

/**
 * The customer's invoice balance, which the next invoice to finalize draws on: a credit (negative) is
 * what a seat removed mid-period leaves (always_invoice makes a credit invoice whose total goes there),
 * and it can outlast one renewal; a debit (positive) is added. Either way price × quantity is not the
 * next charge. Not the latest invoice's total: after the first renewal that is positive while credit is left.
 */
const balanceOf = (customer: string | Stripe.Customer | Stripe.DeletedCustomer | undefined) =>
  customer && typeof customer === "object" && !customer.deleted ? customer.balance : 0

/** Every feature the customer is entitled to now (all pages: a plan grants a handful). */
async function listEntitlements(customerId: string): Promise<EntitlementState[] | "customer_missing"> {
  try {
    return await stripeCall(async () => {
      const out: EntitlementState[] = []
      for await (const e of stripe.entitlements.activeEntitlements.list({ customer: customerId, limit: 100 }))
        out.push({
          id: e.id,
          featureId: typeof e.feature === "string" ? e.feature : e.feature.id,
          lookupKey: e.lookup_key,
          livemode: e.livemode,
        })
      return out
    })
  } catch (err) {
    if (err instanceof BillingProviderError && err.kind === "not_found") return "customer_missing" as const
    throw err
  }
}

/**
 * A customer Stripe no longer has (deleted, or never existed in this account) reads as deleted.
 * A deleted customer has no invoice_settings, so Stripe refuses to expand it: asked again without
 * the expansion (one more call, only for a deleted customer), it answers `{deleted: true}`.
 */
async function retrieveCustomer(customerId: string) {
  try {
    return customerState(
      await stripeCall(() => stripe.customers.retrieve(customerId, { expand: ["invoice_settings.default_payment_method"] })),
    )
  } catch (err) {
    if (err instanceof BillingProviderError && err.kind === "not_found") return { id: customerId, deleted: true as const }
    if (err instanceof BillingProviderError && err.kind === "invalid")
      return customerState(await stripeCall(() => stripe.customers.retrieve(customerId)))
    throw err
  }
}

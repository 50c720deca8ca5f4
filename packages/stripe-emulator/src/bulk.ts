// Bulk import: many customers with subscriptions and their history, made in process in one go for a
// benchmark or a demo account (10,000 customers in seconds, where 10,000 × 2 API calls with their events
// and webhooks take many minutes). Each customer is made by the same code the API runs — the route
// handlers of POST /v1/customers, /v1/subscriptions, /v1/subscriptions/:id and DELETE
// /v1/subscriptions/:id, with their parameters and validation — at the moment the spec gives (the store's
// time is frozen there), and its subscription's history up to now is run by the billing engine
// (advanceSubscription: renewals, trial ends, failed payments and their retries, cancellations). So the
// objects are the emulator's own, as the API would have left them.
//
// What differs from calling the API: nothing is sent. No events are recorded and no webhooks delivered
// (as when a state file is loaded), no idempotency keys, no HTTP. Active entitlements are computed once
// per customer at the end, as they stand now. Subscription schedules and test clocks are not imported.
import type Stripe from "stripe"
import { routes } from "./api"
import { TEST_TOKENS } from "./cards"
import { advanceSubscription } from "./clock"
import type { Ctx } from "./context"
import { StripeApiError } from "./errors"
import { recomputeEntitlements } from "./resources/entitlements"
import { attachPaymentMethod, createCustomer, createPaymentMethod, updateCustomer } from "./resources/customers"
import type { Params } from "./params"

export type BulkSubscription = {
  /** The licensed item first, then any metered prices (no quantity), as on POST /v1/subscriptions. */
  items: { price: string; quantity?: number }[]
  trialDays?: number
  /** trial_settings.end_behavior.missing_payment_method (create_invoice when absent). */
  missingPaymentMethod?: "cancel" | "create_invoice" | "pause"
  /** A coupon id applied as `discounts[0][coupon]`. */
  coupon?: string
  metadata?: Record<string, string>
  /**
   * Seconds before now the customer asked to cancel at the period's end (cancel_at_period_end=true with
   * cancellation_details); the renewal after it ends the subscription if that falls before now.
   */
  cancelAtPeriodEndAgo?: number
  /** Seconds before now the subscription was canceled at once (DELETE /v1/subscriptions/:id). */
  canceledAgo?: number
  /** cancellation_details given with either cancellation (feedback: too_expensive, missing_features …). */
  cancellation?: { feedback?: string; comment?: string }
}

export type BulkCustomer = {
  email: string
  name?: string
  metadata?: Record<string, string>
  /**
   * A test card as a PaymentMethod token (`pm_card_visa`, `pm_card_chargeCustomerFail` …) or number,
   * attached and made the customer's default; none when absent (a trial without a card).
   */
  card?: string
  /** Seconds before now the customer (and its subscription) was created; 0 when absent. */
  createdAgo?: number
  /**
   * A new card attached and made the default this many seconds before now (POST /v1/payment_methods/:id/attach,
   * then POST /v1/customers/:id with invoice_settings): an open invoice is paid by its next scheduled retry.
   */
  cardUpdate?: { ago: number; card: string }
  subscription?: BulkSubscription
}

export type BulkImportResult = {
  customers: { id: string; subscription: string | null; status: string | null }[]
  /** Objects in the store after the import. */
  objects: number
  ms: number
}

const str = (n: number | undefined) => (n === undefined ? undefined : String(n))

/**
 * Imports `customers` in order; throws (naming the customer's index) at the first spec the API would
 * refuse, with what was imported before it kept. Synchronous: no request runs in between.
 */
export function bulkImport(ctx: Ctx, customers: BulkCustomer[]): BulkImportResult {
  const started = performance.now()
  const store = ctx.store
  const emit = ctx.emit
  const frozenBefore = store.frozenAt
  const now = store.now()
  const touched = new Set<string>()
  const out: BulkImportResult["customers"] = []
  // Nothing is sent: the engine's events are dropped (and so are their webhooks).
  ctx.emit = () => {}
  try {
    customers.forEach((spec, index) => {
      try {
        const createdAt = now - Math.max(0, Math.floor(spec.createdAgo ?? 0))
        store.frozenAt = createdAt
        const card = (token: string) =>
          createPaymentMethod(
            ctx,
            { number: TEST_TOKENS[token] ?? token, exp_month: 12, exp_year: new Date(now * 1000).getUTCFullYear() + 3, cvc: "123" },
            {},
          )
        const pm = spec.card ? card(spec.card) : undefined
        const params: Params = { email: spec.email }
        if (spec.name) params.name = spec.name
        if (spec.metadata) params.metadata = spec.metadata
        if (pm) Object.assign(params, { payment_method: pm.id, invoice_settings: { default_payment_method: pm.id } })
        const customer = createCustomer(ctx, params)
        touched.add(customer.id)
        const s = spec.subscription
        if (!s) {
          out.push({ id: customer.id, subscription: null, status: null })
          return
        }
        const created = routes["POST /v1/subscriptions"]?.(
          ctx,
          {
            customer: customer.id,
            items: s.items.map((i) => ({ price: i.price, ...(i.quantity !== undefined ? { quantity: String(i.quantity) } : {}) })),
            ...(s.trialDays ? { trial_period_days: str(s.trialDays) } : {}),
            ...(s.missingPaymentMethod ? { trial_settings: { end_behavior: { missing_payment_method: s.missingPaymentMethod } } } : {}),
            ...(s.coupon ? { discounts: [{ coupon: s.coupon }] } : {}),
            ...(s.metadata ? { metadata: s.metadata } : {}),
          },
          { id: "", product: "" },
        ) as Stripe.Subscription
        const sub = store.get<Stripe.Subscription>(created.id, "subscription")
        const details = s.cancellation
          ? {
              cancellation_details: {
                ...(s.cancellation.feedback ? { feedback: s.cancellation.feedback } : {}),
                ...(s.cancellation.comment ? { comment: s.cancellation.comment } : {}),
              },
            }
          : {}
        // Each later request at its own moment, with the history between run by the engine.
        const steps: { at: number; run: () => void; onSubscription: boolean }[] = []
        if (s.cancelAtPeriodEndAgo !== undefined)
          steps.push({
            at: now - s.cancelAtPeriodEndAgo,
            run: () =>
              routes["POST /v1/subscriptions/:id"]?.(ctx, { cancel_at_period_end: "true", ...details }, { id: sub.id, product: "" }),
            onSubscription: true,
          })
        if (s.canceledAgo !== undefined)
          steps.push({
            at: now - s.canceledAgo,
            run: () => routes["DELETE /v1/subscriptions/:id"]?.(ctx, details, { id: sub.id, product: "" }),
            onSubscription: true,
          })
        const update = spec.cardUpdate
        if (update)
          steps.push({
            at: now - update.ago,
            run: () => {
              const fresh = attachPaymentMethod(ctx, card(update.card), customer)
              updateCustomer(ctx, customer, { invoice_settings: { default_payment_method: fresh.id } })
            },
            onSubscription: false,
          })
        steps.sort((a, b) => a.at - b.at)
        for (const step of steps) {
          const at = Math.max(createdAt, Math.min(now, Math.floor(step.at)))
          advanceSubscription(ctx, sub, at)
          // A request on a subscription the history already ended is skipped (the API would refuse it).
          if (step.onSubscription && (sub.status === "canceled" || sub.status === "incomplete_expired")) continue
          store.frozenAt = at
          step.run()
        }
        advanceSubscription(ctx, sub, now)
        out.push({ id: customer.id, subscription: sub.id, status: sub.status })
      } catch (err) {
        const why =
          err instanceof StripeApiError ? `${err.message}${err.extra.param ? ` (${err.extra.param})` : ""}` : (err as Error).message
        throw new Error(`bulk import: customer ${index} (${spec.email}): ${why}`, { cause: err })
      }
    })
    store.frozenAt = frozenBefore
    for (const id of touched) recomputeEntitlements(ctx, id)
  } finally {
    ctx.emit = emit
    store.frozenAt = frozenBefore
    store.changed()
  }
  return { customers: out, objects: store.objects.size, ms: Math.round(performance.now() - started) }
}

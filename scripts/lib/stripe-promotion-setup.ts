// The sample discount stripe:setup makes for development: a coupon (20% off for 3 months) and the
// customer-facing promotion code WELCOME20 that redeems it in Checkout. Idempotent: the coupon has our
// own id and the code is looked up by its letters before anything is created.
import Stripe from "stripe"

export const SAMPLE_COUPON = {
  id: "subkit_welcome20",
  name: "Welcome: 20% off for 3 months",
  percent_off: 20,
  duration: "repeating",
  duration_in_months: 3,
} as const
export const SAMPLE_PROMOTION_CODE = "WELCOME20"

/**
 * The sample is limited even in test mode (issue 23, item 2): first-time customers only (Stripe: "only be
 * redeemed for Customers without any successful payments or invoices", so a subscriber cannot re-enter it
 * in the portal at a plan change and restart the discount), a cap on redemptions, and an expiry. A run
 * after it expired or ran out makes a fresh one.
 */
export const SAMPLE_LIMITS = { maxRedemptions: 1000, validDays: 90 } as const

/** Whether a code carries the sample's limits and can still be redeemed at `now` (seconds). */
export function usableSample(p: Stripe.PromotionCode, now: number): boolean {
  return (
    p.restrictions.first_time_transaction &&
    p.max_redemptions != null &&
    p.max_redemptions <= SAMPLE_LIMITS.maxRedemptions &&
    p.times_redeemed < p.max_redemptions &&
    p.expires_at != null &&
    p.expires_at > now
  )
}

/** A sample anyone can read in this repository is never made (or turned back on) with a live key. */
export async function ensureSamplePromotion(
  stripe: Stripe,
  changes: string[],
  mode: "live" | "test",
  now = Math.floor(Date.now() / 1000),
): Promise<string | null> {
  if (mode === "live") {
    changes.push(`skipped the sample coupon and promotion code ${SAMPLE_PROMOTION_CODE}: they are never made with a live key`)
    return null
  }
  const coupon = await ensureCoupon(stripe, changes)
  const same = (await stripe.promotionCodes.list({ code: SAMPLE_PROMOTION_CODE, limit: 100 })).data
  const ours = same.filter((p) => (typeof p.promotion.coupon === "string" ? p.promotion.coupon : p.promotion.coupon?.id) === coupon)
  const active = same.find((p) => p.active)
  if (active) {
    // Codes are unique among active codes: one made by hand for another coupon is left alone, and said.
    if (!ours.includes(active)) {
      changes.push(`kept promotion code ${SAMPLE_PROMOTION_CODE}: it belongs to another coupon`)
      return active.id
    }
    if (usableSample(active, now)) return active.id
    // Made before the limits, or expired or used up: a code's limits cannot be changed, so it is replaced.
    await stripe.promotionCodes.update(active.id, { active: false })
    return createSample(stripe, coupon, changes, now, `replaced promotion code ${SAMPLE_PROMOTION_CODE}`)
  }
  const inactive = ours.find((p) => usableSample(p, now))
  if (inactive) {
    await stripe.promotionCodes.update(inactive.id, { active: true })
    changes.push(`reactivated promotion code ${SAMPLE_PROMOTION_CODE}`)
    return inactive.id
  }
  return createSample(stripe, coupon, changes, now, `created promotion code ${SAMPLE_PROMOTION_CODE}`)
}

async function createSample(stripe: Stripe, coupon: string, changes: string[], now: number, said: string): Promise<string> {
  const expiresAt = now + SAMPLE_LIMITS.validDays * 86_400
  const created = await stripe.promotionCodes.create({
    promotion: { type: "coupon", coupon },
    code: SAMPLE_PROMOTION_CODE,
    max_redemptions: SAMPLE_LIMITS.maxRedemptions,
    expires_at: expiresAt,
    restrictions: { first_time_transaction: true },
    metadata: { subkit_sample: "true" },
  })
  const on = new Date(expiresAt * 1000).toISOString().slice(0, 10)
  changes.push(`${said} (first-time customers, ${SAMPLE_LIMITS.maxRedemptions} redemptions, until ${on})`)
  return created.id
}

/** Coupons cannot change their terms: a missing one is created; an existing one is kept as it is. */
async function ensureCoupon(stripe: Stripe, changes: string[]): Promise<string> {
  try {
    return (await stripe.coupons.retrieve(SAMPLE_COUPON.id)).id
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404)) throw err
  }
  await stripe.coupons.create({ ...SAMPLE_COUPON, metadata: { subkit_sample: "true" } })
  changes.push(`created coupon ${SAMPLE_COUPON.id}`)
  return SAMPLE_COUPON.id
}

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

/** A sample anyone can read in this repository is never made (or turned back on) with a live key. */
export async function ensureSamplePromotion(stripe: Stripe, changes: string[], mode: "live" | "test"): Promise<string | null> {
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
    if (!ours.includes(active)) changes.push(`kept promotion code ${SAMPLE_PROMOTION_CODE}: it belongs to another coupon`)
    return active.id
  }
  const inactive = ours[0]
  if (inactive) {
    await stripe.promotionCodes.update(inactive.id, { active: true })
    changes.push(`reactivated promotion code ${SAMPLE_PROMOTION_CODE}`)
    return inactive.id
  }
  const created = await stripe.promotionCodes.create({
    promotion: { type: "coupon", coupon },
    code: SAMPLE_PROMOTION_CODE,
    metadata: { subkit_sample: "true" },
  })
  changes.push(`created promotion code ${SAMPLE_PROMOTION_CODE}`)
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

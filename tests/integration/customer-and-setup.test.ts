import { afterAll, describe, expect, it } from "vitest"
import type Stripe from "stripe"
import { pool } from "@/lib/db/client"
import { getOrCreateBillingCustomer } from "@/lib/billing/checkout/customer"
import { FEATURE_CHANGE_NOTE, setupStripe } from "../../scripts/lib/stripe-setup"
import { inject } from "vitest"
import { createUser, sql, stripeClient } from "../support/helpers"
import { must } from "../support/must"

afterAll(() => pool.end())

describe("getOrCreateStripeCustomer", () => {
  it("creates one customer for 20 concurrent calls", async () => {
    const user = await createUser()
    const ids = await Promise.all(Array.from({ length: 20 }, () => getOrCreateBillingCustomer(user.id, user.email)))
    expect(new Set(ids).size).toBe(1)
    const found = await stripeClient().customers.search({ query: `metadata['user_id']:'${user.id}'` })
    expect(found.data.map((c) => c.id)).toEqual([ids[0]])
    const { rows } = await sql().query("select stripe_customer_id from billing_customers where user_id = $1", [user.id])
    expect(rows).toEqual([{ stripe_customer_id: ids[0] }])
  })
})

describe("stripe:setup", () => {
  it("changes nothing when run again", async () => {
    const first = await setupStripe(stripeClient(), inject("databaseUrl"), "http://localhost:3999")
    const second = await setupStripe(stripeClient(), inject("databaseUrl"), "http://localhost:3999")
    expect(first.changes).toEqual([])
    expect(second.changes).toEqual([])
    expect(second.notes).toEqual([])
    const cfg = await stripeClient().billingPortal.configurations.retrieve(second.portalConfigurationId)
    expect(cfg.features.subscription_cancel).toMatchObject({ enabled: true, mode: "at_period_end" })
    expect(cfg.features.subscription_cancel.cancellation_reason.enabled).toBe(true)
    expect(cfg.features.customer_update.allowed_updates).toEqual(expect.arrayContaining(["email", "address", "shipping"]))
    const { rows } = await sql().query("select id, per_seat, stripe_monthly_price_id from subscription_plans order by sort_order")
    expect(rows.map((r) => [r.id, r.per_seat])).toEqual([
      ["pro", false],
      ["team", true],
    ])
  })

  it("has made the metered prices on the meter: Pro graduated (the allowance free), Team per unit; a stale one is replaced", async () => {
    const stripe = stripeClient()
    const keys = ["subkit_pro_reports_metered_monthly", "subkit_team_reports_metered_monthly", "subkit_pro_reports_metered_yearly"]
    const found = (await stripe.prices.list({ lookup_keys: keys, expand: ["data.tiers"] })).data
    const byKey: Record<string, Stripe.Price> = Object.fromEntries(found.map((p) => [p.lookup_key, p]))
    const [meter] = (await stripe.billing.meters.list({ status: "active" })).data.filter((m) => m.event_name === "subkit_reports")
    const pro = must(byKey.subkit_pro_reports_metered_monthly, "pro metered")
    expect(pro).toMatchObject({ billing_scheme: "tiered", tiers_mode: "graduated", recurring: { usage_type: "metered", meter: meter?.id } })
    expect(pro.tiers?.map((t) => [t.up_to, t.unit_amount])).toEqual([
      [500, 0],
      [null, 5],
    ])
    expect(must(byKey.subkit_team_reports_metered_monthly, "team metered")).toMatchObject({ billing_scheme: "per_unit", unit_amount: 4 })
    expect(must(byKey.subkit_pro_reports_metered_yearly, "pro yearly").recurring?.interval).toBe("year")
    await stripe.prices.update(pro.id, { active: false })
    const result = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    expect(result.changes.filter((c) => c.includes("_metered_"))).toEqual([
      expect.stringMatching(/^created price subkit_pro_reports_metered_monthly /),
    ])
    expect((await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")).changes).toEqual([])
  })

  it("moves the lookup key to a new price when the amount changes", async () => {
    const stripe = stripeClient()
    const [old] = (await stripe.prices.list({ lookup_keys: ["subkit_pro_yearly"] })).data
    await stripe.prices.update(must(old, "old").id, { active: false }) // simulate a stale price
    const result = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    expect(result.changes.some((c) => c.startsWith("created price subkit_pro_yearly"))).toBe(true)
    const [current] = (await stripe.prices.list({ lookup_keys: ["subkit_pro_yearly"] })).data
    expect(must(current, "current").id).not.toBe(must(old, "old").id)
    expect(
      (await sql().query("select stripe_yearly_price_id from subscription_plans where id = 'pro'")).rows[0].stripe_yearly_price_id,
    ).toBe(must(current, "current").id)
  })

  it("has made the sample coupon and WELCOME20 once; a code turned off is turned on again", async () => {
    const stripe = stripeClient()
    const codes = (await stripe.promotionCodes.list({ code: "WELCOME20", limit: 100 })).data
    expect(codes.map((c) => [c.code, c.active, c.promotion.coupon])).toEqual([["WELCOME20", true, "subkit_welcome20"]])
    expect(await stripe.coupons.retrieve("subkit_welcome20")).toMatchObject({
      percent_off: 20,
      duration: "repeating",
      duration_in_months: 3,
    })
    await stripe.promotionCodes.update(must(codes[0], "code").id, { active: false })
    const result = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    expect(result.changes).toEqual(["reactivated promotion code WELCOME20"])
    expect((await stripe.promotionCodes.list({ code: "WELCOME20", active: true })).data).toHaveLength(1)
  })

  it("the sample is limited in test mode: first-time customers, a redemption cap, an expiry; an unlimited one is replaced (issue 23, item 2)", async () => {
    const stripe = stripeClient()
    const [code] = (await stripe.promotionCodes.list({ code: "WELCOME20", active: true })).data
    expect(code).toMatchObject({ max_redemptions: 1000, restrictions: { first_time_transaction: true } })
    expect(must(code, "code").expires_at).toBeGreaterThan(Date.now() / 1000 + 80 * 86_400)
    // A code made before the limits existed: turned off and a limited one made in its place.
    await stripe.promotionCodes.update(must(code, "code").id, { active: false })
    const unlimited = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: "subkit_welcome20" }, code: "WELCOME20" })
    const result = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    expect(result.changes).toEqual([
      expect.stringMatching(/^replaced promotion code WELCOME20 \(first-time customers, 1000 redemptions, until \d{4}-\d\d-\d\d\)$/),
    ])
    expect((await stripe.promotionCodes.retrieve(unlimited.id)).active).toBe(false)
    const [now] = (await stripe.promotionCodes.list({ code: "WELCOME20", active: true })).data
    expect(now).toMatchObject({ max_redemptions: 1000, restrictions: { first_time_transaction: true } })
  })

  it("with a live key never creates or reactivates the sample coupon or code (issue 23, item 2)", async () => {
    const stripe = stripeClient()
    const [code] = (await stripe.promotionCodes.list({ code: "WELCOME20", active: true })).data
    await stripe.promotionCodes.update(must(code, "code").id, { active: false })
    try {
      const result = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999", { mode: "live" })
      expect(result.changes).toEqual(["skipped the sample coupon and promotion code WELCOME20: they are never made with a live key"])
      expect((await stripe.promotionCodes.list({ code: "WELCOME20", active: true })).data).toHaveLength(0)
    } finally {
      await stripe.promotionCodes.update(must(code, "code").id, { active: true })
    }
  })

  it("re-attaches a plan's detached feature and says existing subscriptions get it at their next renewal", async () => {
    const stripe = stripeClient()
    const pf = (await stripe.products.listFeatures("subkit_pro", { limit: 100 })).data.find(
      (x) => x.entitlement_feature.lookup_key === "advanced_analytics",
    )
    await stripe.products.deleteFeature("subkit_pro", must(pf, "product feature").id) // drift, as after a catalog edit
    const result = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    expect(result.changes).toEqual(["attached feature advanced_analytics to subkit_pro"])
    expect(result.notes).toEqual([FEATURE_CHANGE_NOTE])
    expect(FEATURE_CHANGE_NOTE).toMatch(/existing subscriptions get feature changes at their next renewal/)
  })
})

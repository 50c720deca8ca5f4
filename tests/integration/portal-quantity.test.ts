// stripe:setup limits what the Customer Portal lets a customer do with quantities: Pro stays at one
// seat, Team moves only within the seat range the pricing page sells (lib/billing/catalog.ts).
import { describe, expect, inject, it } from "vitest"
import { planById } from "@/lib/billing/catalog"
import { setupStripe } from "../../scripts/lib/stripe-setup"
import { stripeClient } from "../support/helpers"
import { must } from "../support/must"

const team = must(planById("team"), "the team plan")

async function quantities(configId: string) {
  const cfg = await stripeClient().billingPortal.configurations.retrieve(configId)
  return Object.fromEntries((cfg.features.subscription_update.products ?? []).map((p) => [p.product, p.adjustable_quantity]))
}

describe("portal quantity rules", () => {
  it("fixes Pro at one seat and keeps Team within the catalog's seat range", async () => {
    const { portalConfigurationId } = await setupStripe(stripeClient(), inject("databaseUrl"), "http://localhost:3999")
    const q = await quantities(portalConfigurationId)
    expect(q.subkit_pro).toMatchObject({ enabled: false })
    expect(q.subkit_team).toEqual({ enabled: true, minimum: team.minSeats, maximum: team.maxSeats })
  })

  it("repairs a configuration made before the rule existed, and is idempotent afterwards", async () => {
    const stripe = stripeClient()
    const { portalConfigurationId: id } = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    const cfg = await stripe.billingPortal.configurations.retrieve(id)
    // What the previous stripe:setup sent: every product's quantity freely adjustable.
    await stripe.billingPortal.configurations.update(id, {
      features: {
        subscription_update: {
          products: (cfg.features.subscription_update.products ?? []).map((p) => ({
            product: p.product,
            prices: p.prices,
            adjustable_quantity: { enabled: true },
          })),
        },
      },
    })
    expect((await quantities(id)).subkit_pro).toMatchObject({ enabled: true })
    const repaired = await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")
    expect(repaired.changes).toContain(`updated portal configuration ${id}`)
    expect((await quantities(id)).subkit_pro).toMatchObject({ enabled: false })
    expect((await setupStripe(stripe, inject("databaseUrl"), "http://localhost:3999")).changes).toEqual([])
  })
})

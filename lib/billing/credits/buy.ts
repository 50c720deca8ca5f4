// "Buy credits": opens Stripe Checkout (mode=payment) for a credit pack, through the same one-session-per-
// user slot as the subscription Checkout (open-checkout.ts) and the same per-user and per-IP limits. The
// grant itself is made later by the drain, from the payment's webhook (purchases.ts).
import "server-only"
import { z } from "zod"
import { limitStripeSpendByIp } from "@/lib/auth/auth-limits"
import type { CurrentUser } from "@/lib/auth/current-user"
import { env } from "@/lib/env"
import { hit } from "@/lib/rate-limit"
import { fail, type ActionResult } from "@/lib/result"
import { createCreditCheckout, priceIdByLookupKey } from "@/lib/stripe"
import { CREDIT_PACKS, type CreditPackId } from "../catalog"
import { CHECKOUTS_PER_MINUTE } from "../checkout/start-checkout"
import { getOrCreateBillingCustomer } from "../checkout/customer"
import { openCheckoutWith, openForCustomer } from "../checkout/open-checkout"
import { billingFailure } from "../errors"
import { allowanceFor } from "../usage/allowance"

export const buyCreditsInput = z.object({
  pack: z.enum(Object.keys(CREDIT_PACKS) as [CreditPackId, ...CreditPackId[]], { message: "Choose a credit pack." }),
  /** Where the user came from, to return there: the dashboard or the manage page. */
  from: z.enum(["dashboard", "manage"]).default("dashboard"),
})
export type BuyCreditsInput = z.infer<typeof buyCreditsInput>

const RETURN_PATH = { dashboard: "/dashboard", manage: "/subscription/manage" } as const

export async function startCreditCheckout(user: CurrentUser, input: BuyCreditsInput): Promise<ActionResult<{ url: string }>> {
  const pack = CREDIT_PACKS[input.pack]
  // Credits go to whoever pays for the usage: a team's pool is the owner's to top up.
  const allowance = await allowanceFor(user.id, pack.meter)
  if (allowance.payerUserId && allowance.payerUserId !== user.id)
    return fail("not_payer", "Your team's owner buys credits for the team's pool.")
  const priceId = await priceIdByLookupKey(pack.lookupKey)
  if (!priceId) return fail("pack_unavailable", "Credit packs are not available right now.")
  const limited = await hit({ name: "checkout", max: CHECKOUTS_PER_MINUTE, windowSeconds: 60 }, user.id)
  if (!limited.ok) return fail("rate_limited", `Too many checkout attempts. Please wait ${limited.retryAfter} seconds and try again.`)
  const byIp = await limitStripeSpendByIp()
  if (byIp) return fail("rate_limited", `Too many checkout attempts. Please wait ${byIp.retryAfter} seconds and try again.`)
  const back = `${env.appUrl}${RETURN_PATH[input.from]}`
  try {
    const open = (customerId: string) =>
      openCheckoutWith(
        { userId: user.id, priceId, quantity: 1 },
        () =>
          createCreditCheckout({
            customerId,
            userId: user.id,
            packId: pack.id,
            priceId,
            successUrl: `${back}?credits=purchased`,
            cancelUrl: `${back}?credits=canceled`,
            automaticTax: env.billing.tax,
          }),
        { oneTime: true },
      )
    return await openForCustomer(user, await getOrCreateBillingCustomer(user.id, user.email), open)
  } catch (err) {
    return billingFailure(err, "credit checkout", { userId: user.id, pack: pack.id })
  }
}

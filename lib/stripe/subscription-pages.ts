// Every subscription in the account, a page at a time (newest first; status=all includes ended ones),
// for the reconciliation: one request per page of up to 100, resumed after `cursor`.
import "server-only"
import type { SubscriptionState } from "@/lib/billing/types"
import { stripe } from "./config"
import { stripeCall } from "./errors"
import { subscriptionState } from "./mappers"

export type SubscriptionPage = { subscriptions: SubscriptionState[]; last: string | null; hasMore: boolean }

export async function listSubscriptionPage(cursor: string | null, pageSize = 100): Promise<SubscriptionPage> {
  const page = await stripeCall(() =>
    stripe.subscriptions.list({
      status: "all",
      limit: pageSize,
      ...(cursor ? { starting_after: cursor } : {}),
      // As the per-customer read expands them, so the discount compares equal.
      expand: ["data.discounts.source.coupon", "data.discounts.promotion_code"],
    }),
  )
  return { subscriptions: page.data.map(subscriptionState), last: page.data.at(-1)?.id ?? null, hasMore: page.has_more }
}

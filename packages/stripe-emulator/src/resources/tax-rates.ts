// The tax rates Stripe Tax created for what it computed (tax.ts): retrievable and listed, never created by hand here.
import type Stripe from "stripe"
import { allow, bool, type Params } from "../params"
import { paginate } from "../store"
import type { Handler } from "./shared"

export const taxRates: Record<string, Handler> = {
  "GET /v1/tax_rates/:id": (ctx, p, { id }) => allow(p, []) && ctx.store.get<Stripe.TaxRate>(id, "tax_rate"),
  "GET /v1/tax_rates": (ctx, p: Params) => {
    allow(p, ["active", "inclusive", "limit", "starting_after", "ending_before", "created"])
    const active = bool(p, "active")
    const inclusive = bool(p, "inclusive")
    return paginate(
      ctx.store.all<Stripe.TaxRate>(
        "tax_rate",
        (r) => (active === undefined || r.active === active) && (inclusive === undefined || r.inclusive === inclusive),
      ),
      p,
      "/v1/tax_rates",
    )
  },
}

// Billing credits: credit grants (create, list, retrieve, update, expire, void), the customer's credit
// balance summary, credit balance transactions, and their application to invoices. A grant is monetary;
// it applies to the invoice lines its applicability_config covers (price_type=metered: the usage lines of
// metered prices; or listed prices), highest priority first (0 highest, 50 when unset), then the one
// expiring soonest, then the oldest. Applied credit is a pretax credit on the line: the line's amount stays,
// the invoice's total and amount due fall.
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { invalid, StripeApiError } from "../errors"
import { allow, int, list, mergeMetadata, missingParam, obj, req, str, type Params } from "../params"
import { paginate } from "../store"
import { liveCustomer, type Handler } from "./shared"
import { getGrant, grantLive, money, transaction, type Grant, type Txn } from "../credits"

function createGrant(ctx: Ctx, p: Params): Grant {
  allow(p, ["amount", "applicability_config", "category", "customer", "effective_at", "expires_at", "metadata", "name", "priority"])
  const customer = liveCustomer(ctx, req(p, "customer"), "customer")
  const amount = obj(p, "amount")
  if (!amount) throw missingParam("amount")
  allow(amount, ["type", "monetary"], "amount")
  if (req(amount, "type") !== "monetary") throw invalid("amount[type]", "Invalid amount[type]: must be monetary")
  const monetary = obj(amount, "monetary")
  if (!monetary) throw missingParam("amount[monetary]")
  allow(monetary, ["currency", "value"], "amount[monetary]")
  const value = int(monetary, "value")
  if (value === undefined) throw missingParam("amount[monetary][value]")
  if (value <= 0) throw invalid("amount[monetary][value]", "The credit grant amount must be greater than 0.")
  const config = obj(p, "applicability_config")
  if (!config) throw missingParam("applicability_config")
  allow(config, ["scope"], "applicability_config")
  const scope = obj(config, "scope")
  if (!scope) throw missingParam("applicability_config[scope]")
  allow(scope, ["price_type", "prices"], "applicability_config[scope]")
  const priceType = str(scope, "price_type")
  const prices = list(scope, "prices")?.map((x) => ({ id: req(x as Params, "id") }))
  if (!!priceType === !!prices)
    throw invalid(
      "applicability_config[scope]",
      "Specify exactly one of applicability_config[scope][price_type] or applicability_config[scope][prices].",
    )
  if (priceType && priceType !== "metered")
    throw invalid("applicability_config[scope][price_type]", "Invalid applicability_config[scope][price_type]: must be metered")
  const category = str(p, "category") ?? "paid"
  if (category !== "paid" && category !== "promotional") throw invalid("category", "Invalid category: must be one of paid or promotional")
  const now = ctx.store.now()
  const effective = int(p, "effective_at") ?? null
  const expires = int(p, "expires_at") ?? null
  if (expires !== null && expires <= (effective ?? now))
    throw invalid("expires_at", "expires_at must be after effective_at and in the future.")
  const priority = int(p, "priority") ?? null
  if (priority !== null && (priority < 0 || priority > 100)) throw invalid("priority", "priority must be between 0 and 100.")
  const grant: Grant = {
    id: ctx.store.id("credgr"),
    object: "billing.credit_grant",
    amount: money(req(monetary, "currency").toLowerCase(), value),
    applicability_config: { scope: priceType ? { price_type: "metered" } : { prices: prices as { id: string }[] } },
    category,
    created: now,
    customer: customer.id,
    customer_account: null,
    effective_at: effective ?? now,
    expires_at: expires,
    livemode: false,
    metadata: mergeMetadata({}, p),
    name: str(p, "name") ?? null,
    priority,
    test_clock: (customer.test_clock as string | null) ?? null,
    updated: now,
    voided_at: null,
    _remaining: value,
  }
  ctx.store.put(grant)
  transaction(ctx, grant, "credit", "credits_granted", value)
  ctx.emit("billing.credit_grant.created", grant)
  return grant
}

function endGrant(ctx: Ctx, id: string, p: Params, how: "expire" | "void"): Grant {
  allow(p, [])
  const g = getGrant(ctx, id)
  const now = ctx.store.now()
  if (g.voided_at !== null || (g.expires_at !== null && g.expires_at <= now))
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `The credit grant ${g.id} has already ${g.voided_at ? "been voided" : "expired"}.`,
    )
  const previous = how === "void" ? { voided_at: g.voided_at, updated: g.updated } : { expires_at: g.expires_at, updated: g.updated }
  if (how === "void") g.voided_at = now
  else g.expires_at = now
  g.updated = now
  if (g._remaining > 0) transaction(ctx, g, "debit", how === "void" ? "credits_voided" : "credits_expired", g._remaining)
  g._remaining = 0
  ctx.store.put(g)
  ctx.emit("billing.credit_grant.updated", g, previous)
  return g
}

function balanceSummary(ctx: Ctx, p: Params): Stripe.Billing.CreditBalanceSummary {
  allow(p, ["customer", "filter", "customer_account"])
  const customer = liveCustomer(ctx, req(p, "customer"), "customer")
  const filter = obj(p, "filter")
  if (!filter) throw missingParam("filter")
  allow(filter, ["type", "applicability_scope", "credit_grant"], "filter")
  const type = req(filter, "type")
  if (type !== "applicability_scope" && type !== "credit_grant")
    throw invalid("filter[type]", "Invalid filter[type]: must be one of applicability_scope or credit_grant")
  const grantId = type === "credit_grant" ? req(filter, "credit_grant") : undefined
  const scope = type === "applicability_scope" ? obj(filter, "applicability_scope") : undefined
  if (type === "applicability_scope" && !scope) throw missingParam("filter[applicability_scope]")
  const now = ctx.store.now()
  const grants = ctx.store.all<Grant>(
    "billing.credit_grant",
    (g) =>
      g.customer === customer.id &&
      grantLive(g, now) &&
      (grantId ? g.id === grantId : scope?.price_type === "metered" ? g.applicability_config.scope.price_type === "metered" : true),
  )
  const byCurrency = new Map<string, number>()
  for (const g of grants) {
    const c = g.amount.monetary?.currency ?? "usd"
    byCurrency.set(c, (byCurrency.get(c) ?? 0) + g._remaining)
  }
  return {
    object: "billing.credit_balance_summary",
    balances: [...byCurrency].map(([c, v]) => ({ available_balance: money(c, v), ledger_balance: money(c, v) })),
    customer: customer.id,
    customer_account: null,
    livemode: false,
  }
}

export const credits: Record<string, Handler> = {
  "POST /v1/billing/credit_grants": (ctx, p) => createGrant(ctx, p),
  "GET /v1/billing/credit_grants/:id": (ctx, p, { id }) => (allow(p, []), getGrant(ctx, id)),
  "POST /v1/billing/credit_grants/:id": (ctx, p, { id }) => {
    allow(p, ["expires_at", "metadata"])
    const g = getGrant(ctx, id)
    const previous = { expires_at: g.expires_at, metadata: g.metadata, updated: g.updated }
    if (p.expires_at !== undefined) g.expires_at = int(p, "expires_at") ?? null
    g.metadata = mergeMetadata(g.metadata, p)
    g.updated = ctx.store.now()
    ctx.store.put(g)
    ctx.emit("billing.credit_grant.updated", g, previous)
    return g
  },
  "GET /v1/billing/credit_grants": (ctx, p) => {
    allow(p, ["customer", "customer_account", "limit", "starting_after", "ending_before"])
    const customer = str(p, "customer")
    return paginate(
      ctx.store.all<Grant>("billing.credit_grant", (g) => !customer || g.customer === customer),
      p,
      "/v1/billing/credit_grants",
    )
  },
  "POST /v1/billing/credit_grants/:id/expire": (ctx, p, { id }) => endGrant(ctx, id, p, "expire"),
  "POST /v1/billing/credit_grants/:id/void": (ctx, p, { id }) => endGrant(ctx, id, p, "void"),
  "GET /v1/billing/credit_balance_summary": (ctx, p) => balanceSummary(ctx, p),
  "GET /v1/billing/credit_balance_transactions": (ctx, p) => {
    allow(p, ["customer", "customer_account", "credit_grant", "limit", "starting_after", "ending_before"])
    const customer = req(p, "customer")
    const grant = str(p, "credit_grant")
    const grants = new Set(ctx.store.all<Grant>("billing.credit_grant", (g) => g.customer === customer).map((g) => g.id))
    return paginate(
      ctx.store.all<Txn>(
        "billing.credit_balance_transaction",
        (t) => grants.has(t.credit_grant as string) && (!grant || t.credit_grant === grant),
      ),
      p,
      "/v1/billing/credit_balance_transactions",
    )
  },
  "GET /v1/billing/credit_balance_transactions/:id": (ctx, p, { id }) => (
    allow(p, []),
    ctx.store.get<Txn>(id, "billing credit balance transaction", "billing.credit_balance_transaction")
  ),
}

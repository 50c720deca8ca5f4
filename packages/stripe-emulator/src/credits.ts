// Applying Billing credit grants to an invoice (the engine's part of resources/credits.ts): live grants
// in the invoice's currency, in Stripe's order, drawn down on the lines they cover.
import type Stripe from "stripe"
import type { Ctx } from "./context"

/** The part of an invoice line (invoices.ts Line) a grant's scope looks at. */
export type CreditableLine = { metered?: boolean; item: { price: { id: string } } }

export type Grant = Stripe.Billing.CreditGrant & { _remaining: number }
export type Txn = Stripe.Billing.CreditBalanceTransaction

export const money = (currency: string, value: number) => ({ type: "monetary" as const, monetary: { currency, value } })

export function getGrant(ctx: Ctx, id: string): Grant {
  return ctx.store.get<Grant>(id, "billing credit grant", "billing.credit_grant")
}

/** Whether the grant can be drawn on at `at`. */
export const grantLive = (g: Grant, at: number) =>
  g.voided_at === null && (g.effective_at ?? g.created) <= at && (g.expires_at === null || at < g.expires_at)

export function transaction(
  ctx: Ctx,
  g: Grant,
  kind: "credit" | "debit",
  type: string,
  value: number,
  applied?: { invoice: string; line: string },
) {
  const currency = g.amount.monetary?.currency ?? "usd"
  const txn = {
    id: ctx.store.id("cbtxn"),
    object: "billing.credit_balance_transaction",
    created: ctx.store.now(),
    credit: kind === "credit" ? { amount: money(currency, value), credits_application_invoice_voided: null, type } : null,
    credit_grant: g.id,
    debit:
      kind === "debit"
        ? {
            amount: money(currency, value),
            credits_applied: applied ? { invoice: applied.invoice, invoice_line_item: applied.line } : null,
            type,
          }
        : null,
    effective_at: ctx.store.now(),
    livemode: false,
    test_clock: g.test_clock,
    type: kind,
  } as unknown as Txn
  return ctx.store.put(txn)
}

/** The grants a customer can draw on at `at` for lines of `currency`, in Stripe's order of application. */
function liveGrants(ctx: Ctx, customer: string, currency: string, at: number): Grant[] {
  return ctx.store
    .all<Grant>(
      "billing.credit_grant",
      (g) => g.customer === customer && g.amount.monetary?.currency === currency && grantLive(g, at) && g._remaining > 0,
    )
    .sort(
      (a, b) =>
        (a.priority ?? 50) - (b.priority ?? 50) ||
        (a.expires_at ?? Number.MAX_SAFE_INTEGER) - (b.expires_at ?? Number.MAX_SAFE_INTEGER) ||
        a.created - b.created,
    )
}

const covers = (g: Grant, line: CreditableLine) =>
  g.applicability_config.scope.price_type === "metered"
    ? !!line.metered
    : !!g.applicability_config.scope.prices?.some((p) => p.id === line.item.price.id)

/**
 * Applies the customer's live grants to the invoice's lines (after discounts): each covered line gets
 * pretax credit amounts, and the invoice's total and amount due fall by the credit. `commit` (a real
 * invoice, not a preview) draws the grants down and records the debit transactions.
 */
export function applyCredits(ctx: Ctx, inv: Stripe.Invoice, lines: CreditableLine[], commit: boolean) {
  const grants = liveGrants(ctx, inv.customer as string, inv.currency, ctx.store.now())
  if (!grants.length) return
  const left = new Map(grants.map((g) => [g.id, g._remaining]))
  let applied = 0
  lines.forEach((l, i) => {
    const row = inv.lines.data[i]
    if (!row) return
    let due = row.amount - (row.discount_amounts ?? []).reduce((s, d) => s + d.amount, 0)
    for (const g of grants) {
      if (due <= 0) break
      if (!covers(g, l)) continue
      const take = Math.min(due, left.get(g.id) ?? 0)
      if (take <= 0) continue
      due -= take
      applied += take
      left.set(g.id, (left.get(g.id) ?? 0) - take)
      const txn = commit ? transaction(ctx, g, "debit", "credits_applied", take, { invoice: inv.id, line: row.id }) : null
      row.pretax_credit_amounts = [
        ...(row.pretax_credit_amounts ?? []),
        { amount: take, credit_balance_transaction: txn?.id ?? null, type: "credit_balance_transaction" },
      ]
      inv.total_pretax_credit_amounts = [
        ...(inv.total_pretax_credit_amounts ?? []),
        { amount: take, credit_balance_transaction: txn?.id ?? null, type: "credit_balance_transaction" },
      ]
    }
  })
  if (!applied) return
  inv.total -= applied
  inv.total_excluding_tax = (inv.total_excluding_tax ?? inv.total + applied) - applied
  inv.amount_due -= applied
  inv.amount_remaining -= applied
  if (commit)
    for (const g of grants) {
      const remaining = left.get(g.id) ?? g._remaining
      if (remaining === g._remaining) continue
      g._remaining = remaining
      g.updated = ctx.store.now()
      ctx.store.put(g)
    }
}

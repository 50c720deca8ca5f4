// The customer's invoice credit balance (`customer.balance`, Stripe's "Customer invoice balance"): a
// negative balance is a credit, a positive one a debit, and the next invoice to finalize draws on it.
// Every change is a customer_balance_transaction (an immutable ledger). An invoice whose total is
// negative (a seat removed with proration_behavior=always_invoice) is paid at $0 and its credit goes
// to the balance; the next invoice's starting_balance is that credit, its amount_due the total less it
// (never below 0), its ending_balance what is left. A preview shows the balance as it would apply.
import type Stripe from "stripe"
import type { Ctx } from "./context"
import { fromDefaults } from "./defaults"

type Txn = Stripe.CustomerBalanceTransaction

/**
 * Applies the customer's balance to an invoice whose total (discounts, credits and tax in) is known:
 * starting_balance, amount_due and amount_remaining. Stripe's Invoice: "If there is a positive
 * starting_balance … the amount_due will also take that into account"; a credit lowers it to 0 at most.
 */
export function applyBalance(ctx: Ctx, inv: Stripe.Invoice) {
  const customer = ctx.store.get<Stripe.Customer>(inv.customer as string, "customer")
  const starting = customer.balance ?? 0
  const due = Math.max(0, inv.amount_due + starting)
  inv.starting_balance = starting
  inv.amount_due = due
  inv.amount_remaining = due
}

/**
 * At finalization: what the invoice leaves on the balance (ending_balance, Stripe sets it only on a
 * finalized invoice), and the transaction recording the change (type applied_to_invoice, the invoice named).
 */
export function settleBalance(ctx: Ctx, inv: Stripe.Invoice) {
  const customer = ctx.store.get<Stripe.Customer>(inv.customer as string, "customer")
  const starting = inv.starting_balance
  // What the balance and the total come to, less what is charged: a credit left over (≤ 0), or 0.
  const ending = Math.min(0, starting + inv.total)
  inv.ending_balance = ending
  if (ending !== starting) recordTransaction(ctx, customer, ending - starting, "applied_to_invoice", { invoice: inv.id })
}

/** A transaction on the customer's balance; the customer's balance moves by `amount` (customer.updated). */
export function recordTransaction(
  ctx: Ctx,
  customer: Stripe.Customer,
  amount: number,
  type: Stripe.CustomerBalanceTransaction.Type,
  extra: { invoice?: string; description?: string | null; metadata?: Record<string, string>; currency?: string } = {},
): Txn {
  const before = customer.balance ?? 0
  const txn = fromDefaults<Txn>("customer_balance_transaction", {
    id: ctx.store.id("cbtxn"),
    object: "customer_balance_transaction",
    amount,
    created: ctx.store.now(),
    currency: extra.currency ?? customer.currency ?? "usd",
    customer: customer.id,
    description: extra.description ?? null,
    ending_balance: before + amount,
    invoice: extra.invoice ?? null,
    metadata: extra.metadata ?? {},
    type,
  })
  ctx.store.put(txn)
  customer.balance = before + amount
  ctx.store.put(customer)
  ctx.emit("customer.updated", customer, { balance: before })
  return txn
}

/** The customer's balance transactions (paginate lists them newest first). */
export const balanceTransactionsOf = (ctx: Ctx, customerId: string) =>
  ctx.store.all<Txn>("customer_balance_transaction", (t) => t.customer === customerId)

// Dunning recovery: when a customer adds a card or changes the default, their open subscription
// invoices are paid at once (invoices.pay) instead of at Stripe's next scheduled retry, days later.
// Run by the drain after it applied the events (never on a request path, no connection held).
import "server-only"
import { log } from "@/lib/log"
import { openSubscriptionInvoices, payInvoice } from "@/lib/stripe"
import type { CustomerRead, EventIntent } from "../types"

export type PayOutcome = { invoiceId: string; result: "paid" | "declined" | "failed" }

/** Pays what is open when one of `intents` brought a new card and a subscription is past_due or unpaid. */
export async function payOnNewCard(customerId: string, intents: EventIntent[], read: CustomerRead): Promise<PayOutcome[]> {
  if (!intents.some((i) => i.kind === "sync" && i.newCard)) return []
  // The read is the subscriptions' state just applied; without it (a customer-only event) ask Stripe's invoices.
  if (read.subscriptions && !read.subscriptions.some((s) => s.status === "past_due" || s.status === "unpaid")) return []
  const out: PayOutcome[] = []
  try {
    for (const inv of await openSubscriptionInvoices(customerId)) {
      const result = await payInvoice(inv.id, inv.attemptCount)
      log.info("paid open invoice on a new card", { customerId, invoiceId: inv.id, result })
      out.push({ invoiceId: inv.id, result })
    }
  } catch (err) {
    // Stripe's own retry schedule still runs; the next card event tries again.
    log.warn("paying open invoices on a new card failed", { customerId, error: err instanceof Error ? err.message : String(err) })
    out.push({ invoiceId: "", result: "failed" })
  }
  return out
}

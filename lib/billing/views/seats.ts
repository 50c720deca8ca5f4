// The seats form's sentences: what a seat change charges or credits now, and what the next renewal charges.
// Pure, so the client form and the tests read the same words.
import type { SeatPreview } from "../types"
import { formatDate, formatMoney as money } from "./describe"

/** What is charged or credited now: a charge wins (a debit on the balance can turn a credit into one). */
export function seatNowLine(p: SeatPreview): string {
  if (p.chargedNow > 0 || p.creditedNow <= 0)
    return `Charged now: ${money(p.chargedNow, p.currency)}${p.chargedNow < p.amountDue ? ` (${money(p.amountDue, p.currency)} less your credit)` : ""}`
  return `Credited to your next invoice: ${money(p.creditedNow, p.currency)}`
}

/** The renewal's price, and what it charges when a credit on the balance takes part of it. */
export function seatRenewalLine(p: SeatPreview): string {
  return (
    `Then ${money(p.nextRenewal.amount, p.currency)} for ${p.quantity} seats from ${formatDate(p.nextRenewal.at)}` +
    (p.nextRenewal.charged < p.nextRenewal.amount
      ? `; that renewal charges ${money(p.nextRenewal.charged, p.currency)}, your credit taken off`
      : "")
  )
}

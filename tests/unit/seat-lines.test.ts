// The seats form's sentences (lib/billing/views/seats.ts): a charge is never called a credit.
import { describe, expect, it } from "vitest"
import type { SeatPreview } from "@/lib/billing/types"
import { seatNowLine, seatRenewalLine } from "@/lib/billing/views/seats"

const at = new Date("2027-01-15T00:00:00Z")
const preview = (p: Partial<SeatPreview>): SeatPreview => ({
  itemId: "si_1",
  currentQuantity: 3,
  quantity: 2,
  prorationDate: 0,
  amountDue: 0,
  chargedNow: 0,
  creditedNow: 0,
  currency: "usd",
  lines: [],
  nextRenewal: { amount: 2400, charged: 2400, at },
  ...p,
})

describe("seatNowLine", () => {
  it("a seat added: the charge, less a credit already on the balance", () => {
    expect(seatNowLine(preview({ amountDue: 1200, chargedNow: 1200 }))).toBe("Charged now: $12.00")
    expect(seatNowLine(preview({ amountDue: 1200, chargedNow: 700 }))).toBe("Charged now: $7.00 ($12.00 less your credit)")
  })

  it("a seat removed: the credit that goes to the balance", () => {
    expect(seatNowLine(preview({ amountDue: -800, creditedNow: 800 }))).toBe("Credited to your next invoice: $8.00")
  })

  it("a seat removed while the balance owes more than the credit: no credit is stated", () => {
    // Stripe's balance holds a +$12.00 debit (an invoice under its minimum): the −$3.00 pays part of it, and
    // the invoice's amount_due is what is left of the debit.
    expect(seatNowLine(preview({ amountDue: -300, chargedNow: 900, creditedNow: 0 }))).toBe("Charged now: $9.00")
    expect(seatNowLine(preview({ amountDue: -300, chargedNow: 0, creditedNow: 0 }))).toBe("Charged now: $0.00")
  })
})

describe("seatRenewalLine", () => {
  it("the renewal's price, and its charge when a credit takes part of it", () => {
    expect(seatRenewalLine(preview({}))).toMatch(/^Then \$24\.00 for 2 seats from .+2027$/)
    expect(seatRenewalLine(preview({ nextRenewal: { amount: 2400, charged: 1600, at } }))).toMatch(
      /; that renewal charges \$16\.00, your credit taken off$/,
    )
  })
})

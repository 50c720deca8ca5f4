import { describe, expect, it } from "vitest"
import Stripe from "stripe"
import { addInterval } from "@subkit/stripe-emulator/billing"
import { checkCard } from "@subkit/stripe-emulator/cards"
import { parseForm } from "@subkit/stripe-emulator/params"
import { invoicePdf } from "@subkit/stripe-emulator/pages/invoice"
import { sign } from "@subkit/stripe-emulator/webhooks"
import { must } from "../support"

describe("Stripe emulator internals", () => {
  it("adds months like Stripe: the anchor day, clamped to the month's end", () => {
    const jan31 = Date.UTC(2027, 0, 31, 10) / 1000
    expect(new Date(addInterval(jan31, "month") * 1000).toISOString()).toBe("2027-02-28T10:00:00.000Z")
    expect(new Date(addInterval(jan31, "year") * 1000).toISOString()).toBe("2028-01-31T10:00:00.000Z")
  })

  it("validates test cards as Stripe.js would", () => {
    const now = new Date("2026-11-24T00:00:00Z")
    expect(checkCard({ number: "4242 4242 4242 4242", exp_month: 12, exp_year: 34, cvc: "123" }, now).card.last4).toBe("4242")
    expect(checkCard({ number: "4000000000000341", exp_month: 12, exp_year: 2034 }, now).outcome).toBe("charge_declined")
    expect(() => checkCard({ number: "4242424242424241", exp_month: 12, exp_year: 34 }, now)).toThrow("Your card number is incorrect.")
    expect(() => checkCard({ number: "4242424242424242", exp_month: 10, exp_year: 26 }, now)).toThrow("Your card has expired.")
  })

  it("parses bracketed form parameters", () => {
    expect(parseForm("items[0][price]=p&items[0][quantity]=2&metadata[a]=b&expand[]=x")).toEqual({
      items: [{ price: "p", quantity: "2" }],
      metadata: { a: "b" },
      expand: ["x"],
    })
  })

  it("signs webhooks so that the official SDK verifies them", () => {
    const payload = JSON.stringify({ id: "evt_1", object: "event", type: "x", data: { object: {} } })
    const header = sign(payload, "whsec_test")
    expect(new Stripe("sk_test_x").webhooks.constructEvent(payload, header, "whsec_test").id).toBe("evt_1")
    expect(() => new Stripe("sk_test_x").webhooks.constructEvent(payload, header, "whsec_other")).toThrow()
  })

  it("writes a well-formed PDF", () => {
    const pdf = invoicePdf({
      number: "A-1",
      account_name: "subkit",
      created: 0,
      status: "paid",
      customer_name: null,
      customer_email: "a@b.co",
      lines: { data: [] },
      total: 1500,
      currency: "usd",
      amount_paid: 1500,
      amount_remaining: 0,
    } as unknown as Stripe.Invoice)
    const text = pdf.toString("latin1")
    expect(text.startsWith("%PDF-1.4")).toBe(true)
    const xref = Number(must(/startxref\n(\d+)/.exec(text)?.[1], "startxref"))
    expect(text.slice(xref, xref + 4)).toBe("xref")
  })
})

// Stripe's test cards and the outcomes the emulator gives them.
import { createHash } from "node:crypto"
import type Stripe from "stripe"
import { StripeApiError } from "./errors"

/**
 * Stripe's `card.fingerprint`: the same for every PaymentMethod made from one card number, on any
 * customer ("Uniquely identifies this particular card number"), so an integration can tell one card
 * used twice. 16 alphanumerics, derived from the number alone.
 */
export function cardFingerprint(number: string): string {
  const digest = createHash("sha256").update(`subkit-emulator-card:${number}`).digest("base64")
  return digest.replace(/[^A-Za-z0-9]/g, "").slice(0, 16)
}

type Outcome = "ok" | "attach_declined" | "attach_insufficient_funds" | "charge_declined"
type TestCard = { brand: string; funding: "credit" | "debit"; outcome: Outcome }

export const TEST_CARDS: Record<string, TestCard> = {
  "4242424242424242": { brand: "visa", funding: "credit", outcome: "ok" },
  "4000056655665556": { brand: "visa", funding: "debit", outcome: "ok" },
  "5555555555554444": { brand: "mastercard", funding: "credit", outcome: "ok" },
  "378282246310005": { brand: "amex", funding: "credit", outcome: "ok" },
  "4000000000000002": { brand: "visa", funding: "credit", outcome: "attach_declined" },
  "4000000000009995": { brand: "visa", funding: "credit", outcome: "attach_insufficient_funds" },
  "4000000000000341": { brand: "visa", funding: "credit", outcome: "charge_declined" },
}

/** The SDK's test payment-method tokens (`pm_card_visa` …) stand for these numbers. */
export const TEST_TOKENS: Record<string, string> = {
  pm_card_visa: "4242424242424242",
  pm_card_visa_debit: "4000056655665556",
  pm_card_mastercard: "5555555555554444",
  pm_card_amex: "378282246310005",
  pm_card_chargeDeclined: "4000000000000002",
  pm_card_chargeDeclinedInsufficientFunds: "4000000000009995",
  pm_card_chargeCustomerFail: "4000000000000341",
}

export const cardError = (code: string, message: string, declineCode?: string, param?: string) =>
  new StripeApiError(402, "card_error", message, {
    code,
    ...(declineCode ? { decline_code: declineCode } : {}),
    ...(param ? { param } : {}),
  })

export const DECLINED = () => cardError("card_declined", "Your card was declined.", "generic_decline")
export const INSUFFICIENT = () => cardError("card_declined", "Your card has insufficient funds.", "insufficient_funds")

function luhn(number: string) {
  let sum = 0
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

export type CardInput = { number: string; exp_month: number; exp_year: number; cvc?: string }

/** Validates a card as Stripe.js would before creating a PaymentMethod; returns its `card` hash. */
export function checkCard(input: CardInput, now: Date): { card: Stripe.PaymentMethod.Card; outcome: Outcome } {
  const number = input.number.replace(/[\s-]/g, "")
  if (!/^\d{13,19}$/.test(number) || !luhn(number))
    throw cardError("incorrect_number", "Your card number is incorrect.", undefined, "number")
  if (!(input.exp_month >= 1 && input.exp_month <= 12))
    throw cardError("invalid_expiry_month", "Your card's expiration month is invalid.", undefined, "exp_month")
  const year = input.exp_year < 100 ? 2000 + input.exp_year : input.exp_year
  const thisMonth = now.getUTCFullYear() * 12 + now.getUTCMonth()
  if (year * 12 + input.exp_month - 1 < thisMonth) throw cardError("expired_card", "Your card has expired.", undefined, "exp_year")
  if (input.cvc !== undefined && !/^\d{3,4}$/.test(input.cvc))
    throw cardError("incorrect_cvc", "Your card's security code is incomplete.", undefined, "cvc")
  const known = TEST_CARDS[number] ?? {
    brand: number.startsWith("5") ? "mastercard" : "visa",
    funding: "credit" as const,
    outcome: "ok" as const,
  }
  const card = {
    brand: known.brand,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: input.cvc ? "pass" : null },
    country: "US",
    display_brand: known.brand,
    exp_month: input.exp_month,
    exp_year: year,
    fingerprint: cardFingerprint(number),
    funding: known.funding,
    generated_from: null,
    last4: number.slice(-4),
    networks: { available: [known.brand], preferred: null },
    regulated_status: "unregulated",
    three_d_secure_usage: { supported: true },
    wallet: null,
  } as unknown as Stripe.PaymentMethod.Card
  return { card, outcome: known.outcome }
}

/** Whether attaching (saving) the card succeeds: 0002 and 9995 decline here, 0341 only when charged. */
export function assertAttachable(outcome: Outcome) {
  if (outcome === "attach_declined") throw DECLINED()
  if (outcome === "attach_insufficient_funds") throw INSUFFICIENT()
}

export function chargeSucceeds(outcome: Outcome) {
  return outcome === "ok"
}

export type { Outcome }

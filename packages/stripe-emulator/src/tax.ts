// Stripe Tax, emulated from a small table of TEST rates (not real ones: no registrations, no local
// surtaxes, no product tax codes). Where automatic_tax is enabled, each invoice line is taxed at the
// rate of the customer's location (shipping address, else billing address), exclusive of tax unless
// the price says tax_behavior=inclusive; a customer with an EU VAT id in an EU country other than the
// seller's is reverse charged (tax 0, taxability_reason reverse_charge); no usable address gives
// automatic_tax.status requires_location_inputs. The tax rates Stripe creates for what it computed
// (txr_…) are stored and retrievable. README "Tax (test rates)".
import type Stripe from "stripe"
import type { Ctx } from "./context"
import { StripeApiError } from "./errors"
import { allow, bool, missingParam, obj, type Params } from "./params"

/** The test-rate table: percent by country, or country-state. Any other location: 0 (not collecting). */
export const TEST_RATES: Record<string, { percent: number; type: Stripe.TaxRate.TaxType; name: string }> = {
  "US-CA": { percent: 7.25, type: "sales_tax", name: "Sales Tax" },
  DE: { percent: 19, type: "vat", name: "VAT" },
  FR: { percent: 20, type: "vat", name: "VAT" },
  GB: { percent: 20, type: "vat", name: "VAT" },
  AU: { percent: 10, type: "gst", name: "GST" },
}

/** The seller's country (the account's head office): reverse charge applies to EU businesses elsewhere. */
export const SELLER_COUNTRY = "US"

export const EU = new Set("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split(" "))

/** A valid-format EU VAT id: the country prefix (Greece's is EL), then 8–12 letters and digits (the emulator checks no registry). */
export function validEuVat(value: string): string | null {
  const v = value.replace(/[\s.-]/g, "").toUpperCase()
  const m = /^([A-Z]{2})([0-9A-Z]{8,12})$/.exec(v)
  if (!m) return null
  const prefix = m[1] as string
  const country = prefix === "EL" ? "GR" : prefix
  return EU.has(country) && /\d/.test(m[2] as string) ? country : null
}

export type TaxLocation = { country: string; state: string | null }

/**
 * Where Stripe Tax places the customer: the shipping address, else the billing address. Outside the US
 * a country is enough; in the US a 5-digit ZIP code is needed (the state picks the rate here).
 */
export function taxLocation(customer: Pick<Stripe.Customer, "address" | "shipping">): TaxLocation | null {
  const a = customer.shipping?.address ?? customer.address
  const country = a?.country?.toUpperCase()
  if (!country || !/^[A-Z]{2}$/.test(country)) return null
  if (country === "US" && !/^\d{5}(-\d{4})?$/.test(a?.postal_code ?? "")) return null
  return { country, state: a?.state?.toUpperCase() ?? null }
}

export type StoredTaxId = Stripe.TaxId

/** The customer's tax ids (customers.createTaxId, or entered on the hosted Checkout page). */
export const taxIdsOf = (ctx: Ctx, customerId: string) =>
  ctx.store.all<StoredTaxId>("tax_id", (t) => t.customer === customerId && !(t as { deleted?: boolean }).deleted)

type Decision = { percent: number; reason: Stripe.Invoice.TotalTax.TaxabilityReason; location: TaxLocation; rateKey: string | null }

/** Who is taxed: a customer, or what a Checkout page was given (its address and VAT number). */
export type TaxSubject = Pick<Stripe.Customer, "address" | "shipping"> & {
  tax_exempt?: Stripe.Customer.TaxExempt | null
  taxIds: { type: string; value: string }[]
}

export const subjectOf = (ctx: Ctx, c: Stripe.Customer): TaxSubject => ({
  address: c.address,
  shipping: c.shipping,
  tax_exempt: c.tax_exempt,
  taxIds: taxIdsOf(ctx, c.id),
})

function decide(who: TaxSubject, location: TaxLocation): Decision {
  if (who.tax_exempt === "exempt") return { percent: 0, reason: "customer_exempt", location, rateKey: null }
  const business = who.taxIds.some((t) => t.type === "eu_vat" && validEuVat(t.value) !== null)
  if (who.tax_exempt === "reverse" || (business && EU.has(location.country) && location.country !== SELLER_COUNTRY))
    return { percent: 0, reason: "reverse_charge", location, rateKey: null }
  const key = location.country === "US" ? `US-${location.state ?? ""}` : location.country
  const rate = TEST_RATES[key]
  if (!rate) return { percent: 0, reason: "not_collecting", location, rateKey: null }
  return { percent: rate.percent, reason: "standard_rated", location, rateKey: key }
}

/** The tax rate object Stripe shows for a computed tax (one per location, rate and behaviour, reused). */
function taxRate(ctx: Ctx, d: Decision, inclusive: boolean): Stripe.TaxRate {
  const id =
    `txr_emu_${d.location.country}${d.location.state && d.location.country === "US" ? `_${d.location.state}` : ""}_${d.percent}_${inclusive ? "inc" : "exc"}`
      .replace(/\./g, "p")
      .toLowerCase()
  const found = ctx.store.find<Stripe.TaxRate>(id)
  if (found) return found
  const table = d.rateKey ? TEST_RATES[d.rateKey] : undefined
  const type = table?.type ?? (EU.has(d.location.country) || d.location.country === "GB" ? "vat" : "sales_tax")
  const name = table?.name ?? (type === "vat" ? "VAT" : "Sales Tax")
  const rate: Stripe.TaxRate = {
    id,
    object: "tax_rate",
    active: false, // Stripe's automatic rates are not for manual use
    country: d.location.country,
    created: ctx.store.now(),
    description: `${name} ${d.location.country}${d.location.state && d.location.country === "US" ? `-${d.location.state}` : ""} (emulator test rate)`,
    display_name: name,
    effective_percentage: d.percent,
    flat_amount: null,
    inclusive,
    jurisdiction: d.location.country === "US" && d.location.state ? d.location.state : d.location.country,
    jurisdiction_level: d.location.country === "US" ? "state" : "country",
    livemode: false,
    metadata: {},
    percentage: d.percent,
    rate_type: "percentage",
    state: d.location.country === "US" ? d.location.state : null,
    tax_type: type,
  }
  return ctx.store.put(rate)
}

type Taxable = { amount: number; inclusive: boolean }

export type TaxResult = {
  status: "complete" | "requires_location_inputs"
  /** One list per taxable amount given, in Stripe's tax shape. */
  taxes: Stripe.InvoiceLineItem.Tax[][]
  exclusive: number
  inclusive: number
  reason: Stripe.Invoice.TotalTax.TaxabilityReason | null
  /** The rate applied (0 for reverse charge, exemption or a location outside the table). */
  percent: number
}

/** Computes tax on each amount (after discounts and credits) for this customer; nothing is stored but the rates. */
export function computeTax(ctx: Ctx, who: TaxSubject, amounts: Taxable[]): TaxResult {
  const location = taxLocation(who)
  if (!location)
    return { status: "requires_location_inputs", taxes: amounts.map(() => []), exclusive: 0, inclusive: 0, reason: null, percent: 0 }
  const d = decide(who, location)
  let exclusive = 0
  let inclusive = 0
  const taxes = amounts.map(({ amount, inclusive: inc }) => {
    // A proration's credit line is negative: its tax is negative too (credited with it).
    const base = amount
    const tax = inc ? Math.round(base - base / (1 + d.percent / 100)) : Math.round((base * d.percent) / 100)
    if (inc) inclusive += tax
    else exclusive += tax
    return [
      {
        amount: tax,
        tax_behavior: inc ? "inclusive" : "exclusive",
        tax_rate_details: { tax_rate: taxRate(ctx, d, inc).id },
        taxability_reason: d.reason,
        taxable_amount: inc ? base - tax : base,
        type: "tax_rate_details",
      } satisfies Stripe.InvoiceLineItem.Tax,
    ]
  })
  return { status: "complete", taxes, exclusive, inclusive, reason: d.reason, percent: d.percent }
}

const priceOfLine = (ctx: Ctx, l: Stripe.InvoiceLineItem) =>
  ctx.store.find<Stripe.Price>(l.pricing?.price_details?.price as string | undefined)

/** automatic_tax on an invoice or Checkout Session as Stripe shows it. */
export function automaticTaxField(enabled: boolean, status: TaxResult["status"] | null) {
  return {
    enabled,
    liability: enabled ? { type: "self" as const } : null,
    provider: enabled ? "stripe" : null,
    status: enabled ? status : null,
    disabled_reason: null,
  }
}

/**
 * Taxes a drafted invoice (after its discounts and credits): each line's taxes, total_taxes, and the
 * totals (exclusive tax is added to total and amount due; inclusive tax comes out of the *_excluding_tax
 * figures). Without automatic tax the invoice says so and nothing changes.
 */
export function applyTax(ctx: Ctx, inv: Stripe.Invoice, enabled: boolean) {
  const customer = ctx.store.get<Stripe.Customer>(inv.customer as string, "customer")
  inv.customer_tax_ids = taxIdsOf(ctx, customer.id).map((t) => ({ type: t.type, value: t.value }))
  inv.customer_tax_exempt = customer.tax_exempt ?? "none"
  if (!enabled) {
    inv.automatic_tax = automaticTaxField(false, null) as Stripe.Invoice.AutomaticTax
    return
  }
  const rows = inv.lines.data
  const amounts = rows.map((l) => ({
    amount:
      l.amount -
      (l.discount_amounts ?? []).reduce((s, d) => s + d.amount, 0) -
      (l.pretax_credit_amounts ?? []).filter((c) => c.type === "credit_balance_transaction").reduce((s, c) => s + c.amount, 0),
    inclusive: priceOfLine(ctx, l)?.tax_behavior === "inclusive",
  }))
  const r = computeTax(ctx, subjectOf(ctx, customer), amounts)
  rows.forEach((l, i) => {
    l.taxes = r.taxes[i] ?? []
  })
  inv.automatic_tax = automaticTaxField(true, r.status) as Stripe.Invoice.AutomaticTax
  inv.total_taxes = r.taxes.flat()
  inv.subtotal_excluding_tax = (inv.subtotal_excluding_tax ?? inv.subtotal) - r.inclusive
  inv.total_excluding_tax = (inv.total_excluding_tax ?? inv.total) - r.inclusive
  inv.total += r.exclusive
  inv.amount_due += r.exclusive
  inv.amount_remaining += r.exclusive
}

/** Stripe refuses to create or change a subscription with automatic tax when it cannot place the customer. */
export function assertTaxLocation(customer: Pick<Stripe.Customer, "address" | "shipping">) {
  if (taxLocation(customer)) return
  throw new StripeApiError(
    400,
    "invalid_request_error",
    "The customer's location isn't recognized. Stripe Tax needs a valid address (at least a country; a ZIP code in the US) to calculate tax. Update the customer's address or shipping address.",
    { code: "customer_tax_location_invalid", param: "customer" },
  )
}

/** `automatic_tax[enabled]` of a request (true / false), undefined when not given. */
export function automaticTaxParam(p: Params, param = "automatic_tax"): boolean | undefined {
  const at = obj(p, "automatic_tax")
  if (!at) return undefined
  allow(at, ["enabled", "liability"], param)
  if (at.enabled === undefined) throw missingParam(`${param}[enabled]`)
  return bool(at, "enabled")
}

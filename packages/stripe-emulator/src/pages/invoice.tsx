/** @jsxImportSource preact */
// The hosted invoice page and its PDF (a small, valid PDF 1.4 written by hand: no renderer needed).
import type Stripe from "stripe"
import type { Ctx } from "../context"
import { payAndReactivate } from "../invoices"
import { date, money, page } from "./layout"
import type { PageRequest, PageResult } from "./types"

/** "Discount (WELCOME20)" and the amount, per discount on the invoice: the code, else the coupon's name. */
function discountLines(ctx: Ctx, inv: Stripe.Invoice) {
  return (inv.total_discount_amounts ?? []).map((t) => {
    const d = ctx.store.find<Stripe.Discount>(typeof t.discount === "string" ? t.discount : t.discount.id)
    const promo = d?.promotion_code ? ctx.store.find<Stripe.PromotionCode>(d.promotion_code as string) : undefined
    const coupon = d ? ctx.store.find<Stripe.Coupon>(d.source.coupon as string) : undefined
    return { label: `Discount (${promo?.code ?? coupon?.name ?? coupon?.id ?? "coupon"})`, amount: t.amount }
  })
}

/** The invoice's tax lines ("VAT 19% DE") and, for a reverse-charged invoice, the note Stripe prints. */
export function taxLines(ctx: Ctx, inv: Stripe.Invoice) {
  const byRate = new Map<string, { label: string; amount: number }>()
  for (const t of inv.total_taxes ?? []) {
    const id = t.tax_rate_details?.tax_rate ?? ""
    const rate = ctx.store.find<Stripe.TaxRate>(id)
    const label = rate
      ? `${rate.display_name} ${rate.percentage}%${rate.inclusive ? " (included)" : ""} · ${rate.jurisdiction ?? rate.country ?? ""}`
      : "Tax"
    const row = byRate.get(id) ?? { label, amount: 0 }
    row.amount += t.amount
    byRate.set(id, row)
  }
  const reverse = (inv.total_taxes ?? []).some((t) => t.taxability_reason === "reverse_charge")
  return { rows: [...byRate.values()], note: reverse ? "Reverse charge: VAT to be accounted for by the recipient." : null }
}

export function invoicePage(r: PageRequest, id: string, sub?: string): PageResult {
  const inv = r.ctx.store.find<Stripe.Invoice>(id)
  if (!inv || inv.object !== "invoice" || inv.status === "draft") return { status: 404, html: page("Invoice", <h1>Invoice not found</h1>) }
  const discounts = discountLines(r.ctx, inv)
  const tax = taxLines(r.ctx, inv)
  if (sub === "pdf") return { body: invoicePdf(inv, discounts, tax), type: "application/pdf" }
  // Paying on the hosted page: one attempt with the customer's default card (Stripe's page also takes a
  // new card; not modelled). A paid invoice brings a past_due subscription back to active, as in Stripe.
  if (sub === "pay" && r.method === "POST") {
    const ok = inv.status === "open" && payAndReactivate(r.ctx, inv)
    return { redirect: `/i/${inv.id}?payment=${ok ? "succeeded" : "failed"}` }
  }
  const outcome = r.url.searchParams.get("payment")
  const badge = inv.status === "paid" ? "ok" : inv.status === "open" ? "warn" : ""
  const paid = inv.status === "paid"
  const right = "text-align:right"
  return {
    html: page(
      `Invoice ${inv.number}`,
      <div class="card">
        <h1>
          Invoice {inv.number} <span class={`badge ${badge}`}>{inv.status}</span>
        </h1>
        <p class="muted">
          {inv.account_name} · {date(inv.created)}
          {inv.customer_email ? ` · billed to ${inv.customer_email}` : null}
        </p>
        <div class="price">{money(inv.total, inv.currency)}</div>
        <table aria-label="Invoice lines">
          <tr>
            <th>Description</th>
            <th>Period</th>
            <th style={right}>Amount</th>
          </tr>
          {inv.lines.data.map((l) => (
            <tr key={l.id}>
              <td>{l.description}</td>
              <td>
                {date(l.period.start)} – {date(l.period.end)}
              </td>
              <td style={right}>{money(l.amount, l.currency)}</td>
            </tr>
          ))}
          {discounts.map((d) => (
            <tr key={d.label} data-testid="invoice-discount">
              <td colSpan={2}>{d.label}</td>
              <td style={right}>−{money(d.amount, inv.currency)}</td>
            </tr>
          ))}
          {credited(inv) > 0 ? (
            <tr data-testid="invoice-credits">
              <td colSpan={2}>Credits applied</td>
              <td style={right}>−{money(credited(inv), inv.currency)}</td>
            </tr>
          ) : null}
          {tax.rows.map((t) => (
            <tr key={t.label} data-testid="invoice-tax">
              <td colSpan={2}>{t.label}</td>
              <td style={right}>{money(t.amount, inv.currency)}</td>
            </tr>
          ))}
          {balanceRow(inv) ? (
            <tr data-testid="invoice-balance">
              <td colSpan={2}>{balanceRow(inv)?.label}</td>
              <td style={right}>{balanceRow(inv)?.amount}</td>
            </tr>
          ) : null}
          <tr>
            <th colSpan={2}>Amount {paid ? "paid" : "due"}</th>
            <th style={right}>{money(paid ? inv.amount_paid : inv.amount_remaining, inv.currency)}</th>
          </tr>
        </table>
        {tax.note ? (
          <p class="muted" data-testid="invoice-reverse-charge">
            {tax.note}
          </p>
        ) : null}
        {outcome === "failed" ? (
          <p role="alert" class="badge">
            Your card was declined. Update your payment method and try again.
          </p>
        ) : null}
        {outcome === "succeeded" ? (
          <p role="status" class="badge ok">
            Payment received. Thank you.
          </p>
        ) : null}
        <div class="actions">
          {inv.status === "open" ? (
            <form method="post" action={`/i/${inv.id}/pay`}>
              <button class="btn" type="submit">
                Pay {money(inv.amount_remaining, inv.currency)}
              </button>
            </form>
          ) : null}
          <a class="btn secondary" href={inv.invoice_pdf ?? ""} download={`Invoice-${inv.number}.pdf`}>
            Download invoice
          </a>
        </div>
      </div>,
      { branding: r.ctx.branding },
    ),
  }
}

export function invoicePdf(
  inv: Stripe.Invoice,
  discounts: { label: string; amount: number }[] = [],
  tax: { rows: { label: string; amount: number }[]; note: string | null } = { rows: [], note: null },
): Buffer {
  const paid = inv.status === "paid"
  const text = [
    `Invoice ${inv.number}`,
    `${inv.account_name ?? ""}`,
    `Date: ${date(inv.created)}    Status: ${inv.status}`,
    `Billed to: ${inv.customer_name ?? ""} ${inv.customer_email ?? ""}`,
    "",
    ...inv.lines.data.map((l) => `${l.description}    ${date(l.period.start)} - ${date(l.period.end)}    ${money(l.amount, l.currency)}`),
    ...discounts.map((d) => `${d.label}    -${money(d.amount, inv.currency)}`),
    ...tax.rows.map((t) => `${t.label}    ${money(t.amount, inv.currency)}`),
    ...(inv.customer_tax_ids ?? []).map((t) => `Customer tax ID: ${t.value ?? ""}`),
    ...(tax.note ? [tax.note] : []),
    "",
    `Total: ${money(inv.total, inv.currency)}`,
    ...(balanceRow(inv) ? [`${balanceRow(inv)?.label}    ${balanceRow(inv)?.amount}`] : []),
    `Amount ${paid ? "paid" : "due"}: ${money(paid ? inv.amount_paid : inv.amount_remaining, inv.currency)}`,
  ]
  const esc = (s: string) => s.replace(/[^\x20-\x7e]/g, "?").replace(/([\\()])/g, "\\$1")
  const stream = `BT /F1 12 Tf 56 780 Td 16 TL ${text.map((t) => `(${esc(t)}) Tj T*`).join(" ")} ET`
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${Buffer.byteLength(stream)} >>\nstream\n${stream}\nendstream`,
  ]
  let out = "%PDF-1.4\n"
  const offsets: number[] = []
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out))
    out += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = Buffer.byteLength(out)
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, "latin1")
}

/**
 * What a finalized invoice did to the customer's credit balance: drew on it ("Applied balance", taken off
 * the amount due) or, with a negative total, added to it ("Credited to your balance"). Null when nothing moved.
 */
function balanceRow(inv: Stripe.Invoice): { label: string; amount: string } | null {
  if (inv.ending_balance == null) return null
  const moved = inv.ending_balance - inv.starting_balance
  if (moved === 0) return null
  if (moved < 0 && inv.total < 0) return { label: "Credited to your balance", amount: money(-moved, inv.currency) }
  // A credit drawn on is taken off; a debit carried over is added.
  return { label: "Applied balance", amount: moved > 0 ? `−${money(moved, inv.currency)}` : money(-moved, inv.currency) }
}

/** Billing credits drawn on the invoice (its pretax credit amounts from credit balance transactions). */
const credited = (inv: Stripe.Invoice) =>
  (inv.total_pretax_credit_amounts ?? []).filter((c) => c.type === "credit_balance_transaction").reduce((s, c) => s + c.amount, 0)

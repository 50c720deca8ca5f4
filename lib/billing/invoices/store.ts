// public.invoices: the customer's Stripe invoices as the drain last read them (invoice.* events), and
// the manage page's history, newest first with keyset pagination (created, id): a page never repeats
// or skips a row when new invoices arrive between page loads, and costs one index range scan.
import "server-only"
import { sql } from "drizzle-orm"
import { db, type Executor } from "@/lib/db/client"
import { invoices } from "@/lib/db/schema"
import type { InvoiceState } from "../types"

/** Upserts what Stripe said; an older read never overwrites a newer one's status (a paid invoice stays paid). */
export async function writeInvoices(tx: Executor, list: InvoiceState[]) {
  if (!list.length) return
  await tx
    .insert(invoices)
    .values(list.map((i) => ({ ...i, stripeCustomerId: i.customerId, stripeSubscriptionId: i.subscriptionId })))
    .onConflictDoUpdate({
      target: invoices.id,
      set: Object.fromEntries(
        [
          "number",
          "status",
          "amount_due",
          "amount_paid",
          "tax",
          "reverse_charge",
          "total",
          "hosted_invoice_url",
          "invoice_pdf",
          "attempt_count",
          "next_payment_attempt",
          "period_start",
          "period_end",
        ]
          .map((c) => [camel(c), sql.raw(`excluded.${c}`)])
          .concat([["syncedAt", sql`now()`]]),
      ),
    })
}

const camel = (c: string) => c.replace(/_(\w)/g, (_, l: string) => l.toUpperCase())

export type InvoiceRow = {
  id: string
  number: string | null
  status: InvoiceState["status"]
  amountDue: number
  amountPaid: number
  tax: number | null
  reverseCharge: boolean
  total: number
  currency: string
  created: Date
  periodStart: Date | null
  periodEnd: Date | null
  hostedInvoiceUrl: string | null
  invoicePdf: string | null
}

export type InvoicePage = { invoices: InvoiceRow[]; next: string | null; previous: string | null }

/** A page cursor: the last row's created time and id, opaque to the page (base64url). */
export function encodeCursor(row: { created: Date; id: string }): string {
  return Buffer.from(`${row.created.getTime()}:${row.id}`).toString("base64url")
}

export function decodeCursor(cursor: string | undefined | null): { created: Date; id: string } | null {
  if (!cursor) return null
  const m = /^(\d{1,15}):(in_[A-Za-z0-9_]{1,200})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  return m ? { created: new Date(Number(m[1])), id: m[2] as string } : null
}

/**
 * One page of the user's invoices (drafts are not shown: Stripe finalizes them within the hour).
 * `after` continues past a cursor (older), `before` goes back (newer); a bad cursor reads the first page.
 */
export async function listInvoices(
  userId: string,
  opts: { after?: string | null; before?: string | null; limit?: number } = {},
): Promise<InvoicePage> {
  const limit = Math.min(Math.max(opts.limit ?? 10, 1), 100)
  const after = decodeCursor(opts.after)
  const before = after ? null : decodeCursor(opts.before)
  const { rows } = await db.execute<{
    id: string
    number: string | null
    status: InvoiceState["status"]
    amount_due: string
    amount_paid: string
    tax: string | null
    reverse_charge: boolean
    total: string
    currency: string
    created: string
    period_start: string | null
    period_end: string | null
    hosted_invoice_url: string | null
    invoice_pdf: string | null
  }>(sql`
    select i.* from ${invoices} i
    join public.billing_customers c on c.stripe_customer_id = i.stripe_customer_id
    where c.user_id = ${userId}::uuid and i.status <> 'draft'
      ${after ? sql`and (i.created, i.id) < (${after.created.toISOString()}::timestamptz, ${after.id})` : sql``}
      ${before ? sql`and (i.created, i.id) > (${before.created.toISOString()}::timestamptz, ${before.id})` : sql``}
    order by i.created ${before ? sql`asc` : sql`desc`}, i.id ${before ? sql`asc` : sql`desc`}
    limit ${limit + 1}`)
  const more = rows.length > limit
  const page = rows.slice(0, limit).map((r) => ({
    id: r.id,
    number: r.number,
    status: r.status,
    amountDue: Number(r.amount_due),
    amountPaid: Number(r.amount_paid),
    tax: r.tax === null ? null : Number(r.tax),
    reverseCharge: r.reverse_charge,
    total: Number(r.total),
    currency: r.currency,
    created: new Date(r.created),
    periodStart: r.period_start ? new Date(r.period_start) : null,
    periodEnd: r.period_end ? new Date(r.period_end) : null,
    hostedInvoiceUrl: r.hosted_invoice_url,
    invoicePdf: r.invoice_pdf,
  }))
  if (before) page.reverse()
  const first = page[0]
  const last = page[page.length - 1]
  // Going forward, "previous" exists when we came from a cursor; going back, "next" always does.
  const hasOlder = before ? true : more
  const hasNewer = before ? more : after !== null
  return {
    invoices: page,
    next: hasOlder && last ? encodeCursor(last) : null,
    previous: hasNewer && first ? encodeCursor(first) : null,
  }
}

/** An invoice the customer can pay now: open (finalized, unpaid), with Stripe's hosted page to pay on. */
export const payable = (i: Pick<InvoiceRow, "status" | "hostedInvoiceUrl" | "amountDue" | "amountPaid">) =>
  i.status === "open" && i.hostedInvoiceUrl !== null && i.amountDue > i.amountPaid

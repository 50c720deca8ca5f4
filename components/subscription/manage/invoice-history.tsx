// The manage page's invoice history from public.invoices (kept by the drain from invoice.* events):
// date, number, amount (with what the credit balance did: a credit invoice, a renewal partly paid from
// credit), tax, status, Stripe's hosted page and PDF; newest first, keyset-paginated
// (?invoices_after= / ?invoices_before= cursors). An open invoice has "Pay now": Stripe's hosted
// invoice page, which takes the payment (3-D Secure included) with no Stripe call from this app.
import Link from "next/link"
import { Badge } from "@/components/ui/badge"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import { payable, type InvoicePage } from "@/lib/billing/invoices/store"
import { balanceNote, formatDate, formatMoney } from "@/lib/billing/views/describe"

const STATUS: Record<string, { label: string; variant: "success" | "warning" | "danger" | "neutral" }> = {
  paid: { label: "Paid", variant: "success" },
  open: { label: "Due", variant: "warning" },
  uncollectible: { label: "Uncollectible", variant: "danger" },
  void: { label: "Void", variant: "neutral" },
}

export function InvoiceHistory({ page }: { page: InvoicePage }) {
  if (!page.invoices.length && !page.previous) return null
  return (
    <Card>
      <CardHeader>
        <CardTitle>Invoices</CardTitle>
      </CardHeader>
      <CardContent className="space-y-4">
        <div className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="invoice-history">
            <thead className="text-muted-foreground text-left">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Date
                </th>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Number
                </th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">
                  Amount
                </th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">
                  Tax
                </th>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Status
                </th>
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Links</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.invoices.map((i) => {
                const status = STATUS[i.status] ?? { label: i.status, variant: "neutral" as const }
                return (
                  <tr key={i.id} className="border-t" data-testid="invoice-row" data-invoice={i.id}>
                    <td className="py-2 pr-4">{formatDate(i.created)}</td>
                    <td className="py-2 pr-4 font-mono">{i.number ?? "—"}</td>
                    <td className="py-2 pr-4 text-right">
                      {formatMoney(i.total, i.currency)}
                      {balanceNote(i) && (
                        <span className="text-muted-foreground block text-xs" data-testid="invoice-balance">
                          {balanceNote(i)}
                        </span>
                      )}
                    </td>
                    <td className="py-2 pr-4 text-right">
                      {i.tax === null ? "—" : formatMoney(i.tax, i.currency)}
                      {i.reverseCharge && (
                        <span className="text-muted-foreground block text-xs" data-testid="invoice-reverse-charge">
                          Reverse charge: VAT to be accounted for by the customer
                        </span>
                      )}
                    </td>
                    <td className="py-2 pr-4">
                      <Badge variant={status.variant}>{status.label}</Badge>
                    </td>
                    <td className="space-x-3 py-2 whitespace-nowrap">
                      {payable(i) && i.hostedInvoiceUrl && (
                        <Button asChild size="sm" variant="destructive">
                          <a href={i.hostedInvoiceUrl} data-testid="invoice-pay-now">
                            Pay now<span className="sr-only"> {formatMoney(i.amountDue - i.amountPaid, i.currency)}</span>
                          </a>
                        </Button>
                      )}
                      {i.hostedInvoiceUrl && (
                        <a className="underline" href={i.hostedInvoiceUrl}>
                          View<span className="sr-only"> invoice {i.number}</span>
                        </a>
                      )}
                      {i.invoicePdf && (
                        <a className="underline" href={i.invoicePdf} data-testid="invoice-pdf">
                          PDF<span className="sr-only"> of invoice {i.number}</span>
                        </a>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
        {(page.previous || page.next) && (
          <nav aria-label="Invoice pages" className="flex justify-between">
            {page.previous ? (
              <Link className="underline" href={`/subscription/manage?invoices_before=${page.previous}`}>
                Newer invoices
              </Link>
            ) : (
              <span />
            )}
            {page.next && (
              <Link className="underline" href={`/subscription/manage?invoices_after=${page.next}`}>
                Older invoices
              </Link>
            )}
          </nav>
        )}
      </CardContent>
    </Card>
  )
}

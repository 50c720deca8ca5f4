"use client"
// Changing seats: choose a number, see what Stripe will charge now (prorated) and from the next
// renewal, then confirm. Nothing is charged until the confirm.
import { Loader2 } from "@/components/ui/icons"
import { useState, useTransition } from "react"
import { toast } from "@/components/ui/toast"
import { FormField } from "@/components/auth/form-field"
import { Alert, AlertDescription } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { confirmTeamSeats, previewTeamSeats } from "@/lib/actions/team"
import { formatMoney as money } from "@/lib/billing/views/describe"
import { seatNowLine, seatRenewalLine } from "@/lib/billing/views/seats"
import type { SeatPreview } from "@/lib/billing/types"

/** The preview as one sentence, for the live region. */
const spoken = (p: SeatPreview) => `${seatNowLine(p)}. ${seatRenewalLine(p)}.`

export function SeatsForm({ seats, min, max }: { seats: number; min: number; max: number }) {
  const [quantity, setQuantity] = useState(String(seats))
  const [preview, setPreview] = useState<SeatPreview | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [pending, start] = useTransition()

  const ask = () =>
    start(async () => {
      setError(null)
      const result = await previewTeamSeats(Number(quantity))
      if (result.ok) setPreview(result.preview)
      else setError(result.message)
    })
  const confirm = (p: SeatPreview) =>
    start(async () => {
      const result = await confirmTeamSeats({
        quantity: p.quantity,
        itemId: p.itemId,
        prorationDate: p.prorationDate,
        currentQuantity: p.currentQuantity,
        amountDue: p.amountDue,
      })
      if (!result.ok) {
        // The price shown no longer holds (another change, or too long ago): show the new one to confirm.
        if (result.code === "stale_preview") {
          const fresh = await previewTeamSeats(p.quantity)
          setPreview(fresh.ok ? fresh.preview : null)
        }
        return setError(result.message)
      }
      setPreview(null)
      toast.success(`Your team now has ${p.quantity} seats.`)
    })

  return (
    <div className="space-y-3">
      <form
        className="flex items-end gap-2"
        aria-label="Change seats"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          ask()
        }}
      >
        <FormField
          id="quantity"
          label="Seats"
          type="number"
          inputMode="numeric"
          min={min}
          max={max}
          value={quantity}
          error={error ?? undefined}
          onChange={(e) => {
            setQuantity(e.target.value)
            setPreview(null)
          }}
          className="w-28"
        />
        <Button type="submit" variant="outline" disabled={pending} aria-busy={pending && !preview}>
          {pending && !preview && <Loader2 className="animate-spin" aria-hidden="true" />}
          Preview price
        </Button>
      </form>
      {/* Screen readers hear the price when a preview arrives: a live region must already be in the page
          for its new text to be announced (one inserted with its content often is not). */}
      <p role="status" aria-live="polite" className="sr-only">
        {preview && spoken(preview)}
      </p>
      {preview && (
        <section aria-label="Price of the change" className="space-y-2 rounded-md border p-3 text-sm" data-testid="seat-preview">
          <ul className="space-y-1">
            {preview.lines.map((l, i) => (
              <li key={i} className="flex justify-between gap-4">
                <span>{l.description}</span>
                <span className="tabular-nums">{money(l.amount, preview.currency)}</span>
              </li>
            ))}
          </ul>
          <p className="font-medium" data-testid="seat-preview-total">
            {seatNowLine(preview)}
          </p>
          <p className="text-muted-foreground" data-testid="seat-preview-renewal">
            {seatRenewalLine(preview)}.
          </p>
          <Alert>
            <AlertDescription>Your card on file is charged when you confirm.</AlertDescription>
          </Alert>
          <div className="flex gap-2">
            <Button type="button" disabled={pending} aria-busy={pending} onClick={() => confirm(preview)}>
              {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
              Confirm {preview.quantity} seats
            </Button>
            <Button type="button" variant="ghost" disabled={pending} onClick={() => setPreview(null)}>
              Cancel
            </Button>
          </div>
        </section>
      )}
    </div>
  )
}

"use client"
// The plan cards' client islands: the Subscribe form (the server action, its error toast), the seats
// field with its live total, and the Subscribe buttons' pending state. The cards around them are Server
// Components (pricing-plans.tsx). A card's form has one Subscribe button per interval, each submitting
// its own `interval`; the one the switch hides is display: none (interval.tsx), neither shown nor focusable.
import { createContext, use, useActionState, useEffect, useId, useState, type FormEvent, type ReactNode } from "react"
import { useFormStatus } from "react-dom"
import { Loader2 } from "@/components/ui/icons"
import { toast } from "@/components/ui/toast"
import { Button } from "@/components/ui/button"
import { Input } from "@/components/ui/input"
import { Label } from "@/components/ui/label"
import { createCheckoutSession } from "@/lib/actions/create-checkout-session"
import type { ActionResult } from "@/lib/result"
import { formatMoney } from "@/lib/billing/views/describe"
import { IntervalOnly } from "./interval"

const CheckoutState = createContext<ActionResult | null>(null)

export function CheckoutForm({ plan, children }: { plan: string; children: ReactNode }) {
  const [state, formAction] = useActionState(createCheckoutSession, null)
  useEffect(() => {
    if (state && !state.ok) toast.error(state.message)
  }, [state])
  return (
    <CheckoutState value={state}>
      <form action={formAction} onSubmit={submitWithShownButton} className="w-full space-y-3">
        <input type="hidden" name="plan" value={plan} />
        {children}
      </form>
    </CheckoutState>
  )
}

/**
 * Enter in Seats submits with the form's first submit button in tree order, rendered or not: Monthly's,
 * while Yearly is shown. That submission is dropped and the shown button submits instead (after this
 * event: a form ignores requestSubmit while its submit event is firing). Without JavaScript, Enter there
 * checks out monthly (the visitor sees the monthly price on Checkout); the buttons themselves are right.
 */
function submitWithShownButton(e: FormEvent<HTMLFormElement>) {
  const submitter = (e.nativeEvent as SubmitEvent).submitter
  if (!submitter || submitter.getClientRects().length > 0) return
  const form = e.currentTarget
  const shown = [...form.querySelectorAll<HTMLButtonElement>("button[type=submit]")].find((b) => b.getClientRects().length > 0)
  if (!shown) return
  e.preventDefault()
  setTimeout(() => form.requestSubmit(shown), 0)
}

export function SeatsField({
  min,
  max,
  monthlyAmount,
  yearlyAmount,
  currency,
}: {
  min: number
  max: number
  monthlyAmount: number
  yearlyAmount: number
  currency: string
}) {
  const state = use(CheckoutState)
  const [seats, setSeats] = useState(min)
  const id = useId()
  const total = (amount: number) => formatMoney(amount * (Number.isFinite(seats) ? seats : 0), currency)
  return (
    <div className="space-y-1.5">
      <Label htmlFor={id}>Seats</Label>
      <Input
        id={id}
        name="seats"
        type="number"
        min={min}
        max={max}
        value={seats}
        onChange={(e) => setSeats(Number(e.target.value))}
        aria-describedby={`${id}-total`}
        aria-invalid={!!(state && !state.ok && state.fieldErrors?.seats)}
      />
      <p id={`${id}-total`} className="text-xs text-muted-foreground">
        <IntervalOnly interval="month">
          {total(monthlyAmount)} / month for {seats} seats ({min}–{max})
        </IntervalOnly>
        <IntervalOnly interval="year">
          {total(yearlyAmount)} / year for {seats} seats ({min}–{max})
        </IntervalOnly>
      </p>
    </div>
  )
}

export function SubscribeButton({ name, interval }: { name: string; interval: "month" | "year" }) {
  const { pending } = useFormStatus()
  return (
    <Button type="submit" name="interval" value={interval} className="w-full" disabled={pending} aria-busy={pending}>
      {pending ? (
        <>
          <Loader2 className="animate-spin" aria-hidden="true" /> Redirecting…
        </>
      ) : (
        `Subscribe to ${name}`
      )}
    </Button>
  )
}

"use client"
// "Buy credits": opens Stripe Checkout for the meter's credit pack. Disabled and announced as busy while
// opening; a refusal (rate limit, a team member, Stripe down) is shown as a toast in the action's words.
import { Coins, Loader2 } from "@/components/ui/icons"
import { useTransition } from "react"
import { toast } from "@/components/ui/toast"
import { Button, type ButtonProps } from "@/components/ui/button"
import { buyCredits } from "@/lib/actions/buy-credits"

type Props = { pack: string; label: string; from: "dashboard" | "manage"; variant?: ButtonProps["variant"] }

export function BuyCreditsButton({ pack, label, from, variant = "outline" }: Props) {
  const [pending, startTransition] = useTransition()
  const buy = () => {
    if (pending) return
    startTransition(async () => {
      try {
        const result = await buyCredits({ pack, from })
        // On success the action redirects to Checkout and never returns here.
        if (result && !result.ok) toast.error(result.message)
      } catch {
        toast.error("We couldn't open Checkout. Check your connection and try again.")
      }
    })
  }
  return (
    <Button type="button" variant={variant} onClick={buy} disabled={pending} aria-busy={pending}>
      {pending ? (
        <>
          <Loader2 className="animate-spin" aria-hidden="true" />
          Opening checkout…
        </>
      ) : (
        <>
          <Coins aria-hidden="true" />
          {label}
        </>
      )}
    </Button>
  )
}

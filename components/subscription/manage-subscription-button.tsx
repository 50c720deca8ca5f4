"use client"
// Opens the Stripe Customer Portal (optionally on one step). Disabled while opening; a failure is
// shown as a toast in the action's own words.
import { Loader2, Settings } from "@/components/ui/icons"
import { useTransition, type ReactNode } from "react"
import { toast } from "@/components/ui/toast"
import { Button, type ButtonProps } from "@/components/ui/button"
import { createCustomerPortalSession } from "@/lib/actions/create-portal-session"
import type { PortalFlow } from "@/lib/billing/portal/open-portal"

type Props = {
  variant?: ButtonProps["variant"]
  className?: string
  showIcon?: boolean
  children?: ReactNode
  flow?: PortalFlow
}

export function ManageSubscriptionButton({
  variant = "default",
  className,
  showIcon = true,
  children = "Manage Subscription",
  flow = "home",
}: Props) {
  const [isPending, startTransition] = useTransition()

  const handleManage = () => {
    if (isPending) return
    startTransition(async () => {
      try {
        const result = await createCustomerPortalSession({ flow })
        // On success the action redirects and never returns here.
        if (result && !result.ok) toast.error(result.message)
      } catch {
        toast.error("We couldn't open billing. Check your connection and try again.")
      }
    })
  }

  return (
    <Button
      type="button"
      onClick={handleManage}
      disabled={isPending}
      aria-busy={isPending}
      variant={variant}
      className={className}
      data-flow={flow}
    >
      {isPending ? (
        <>
          <Loader2 className="animate-spin" aria-hidden="true" />
          Opening…
        </>
      ) : (
        <>
          {showIcon && <Settings aria-hidden="true" />}
          {children}
        </>
      )}
    </Button>
  )
}

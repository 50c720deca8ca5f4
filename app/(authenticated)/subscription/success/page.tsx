// After Checkout: verify the session is this user's, sync at once, show the plan now active.
import type { Metadata } from "next"
import { AlertTriangle, PartyPopper } from "@/components/ui/icons"
import Link from "next/link"
import { CurrentSubscription } from "@/components/subscription/current-subscription"
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert"
import { Button } from "@/components/ui/button"
import { requireUser } from "@/lib/auth/current-user"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { z } from "zod"
import { getBillingCustomer, getCurrentSubscription } from "@/lib/billing/views/queries"
import { confirmCheckout } from "@/lib/billing/sync/eager-return"

export const metadata: Metadata = { title: "Subscribed" }

export default async function CheckoutSuccessPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  const user = await requireUser()
  const result = await confirmCheckout(user, parseSearchParams(await searchParams, { session_id: z.string().max(255) }).session_id)
  if (!result.ok) {
    return (
      <div className="mx-auto max-w-xl space-y-4">
        <Alert variant="destructive">
          <AlertTriangle aria-hidden="true" />
          <div>
            <AlertTitle>We couldn&apos;t confirm this checkout</AlertTitle>
            <AlertDescription>{result.message}</AlertDescription>
          </div>
        </Alert>
        <Button asChild variant="outline">
          <Link href="/pricing">Back to pricing</Link>
        </Button>
      </div>
    )
  }
  const [sub, customer] = await Promise.all([getCurrentSubscription(user.id), getBillingCustomer(user.id)])
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <div className="space-y-2 text-center">
        <PartyPopper className="mx-auto size-10 text-primary" aria-hidden="true" />
        <h1 className="text-3xl font-bold">Thanks for subscribing!</h1>
        <p className="text-muted-foreground">
          {result.fresh ? "Your plan is ready." : "Your payment went through. Your plan will appear here in a moment."}
        </p>
      </div>
      {sub && <CurrentSubscription subscription={sub} card={customer?.defaultPaymentMethod} />}
      <div className="flex justify-center">
        <Button asChild>
          <Link href="/dashboard">Go to Dashboard</Link>
        </Button>
      </div>
    </div>
  )
}

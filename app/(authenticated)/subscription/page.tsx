// Current subscription.
import type { Metadata } from "next"
import Link from "next/link"
import { CurrentSubscription } from "@/components/subscription/current-subscription"
import { Button } from "@/components/ui/button"
import { Card, CardDescription, CardHeader, CardTitle, CardContent } from "@/components/ui/card"
import { requireUser } from "@/lib/auth/current-user"
import { getBillingCustomer, getCurrentSubscription } from "@/lib/billing/views/queries"

export const metadata: Metadata = { title: "Subscription" }

export default async function SubscriptionPage() {
  const user = await requireUser()
  const [sub, customer] = await Promise.all([getCurrentSubscription(user.id), getBillingCustomer(user.id)])
  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <div className="flex items-end justify-between gap-4">
        <h1 className="text-3xl font-bold">Subscription</h1>
        {sub && (
          <Button asChild variant="link">
            <Link href="/subscription/manage">Billing details</Link>
          </Button>
        )}
      </div>
      {sub ? (
        <CurrentSubscription subscription={sub} card={customer?.defaultPaymentMethod} />
      ) : (
        <Card>
          <CardHeader>
            <CardTitle>No subscription yet</CardTitle>
            <CardDescription>Choose Pro or Team to get started.</CardDescription>
          </CardHeader>
          <CardContent>
            <Button asChild>
              <Link href="/pricing">View plans</Link>
            </Button>
          </CardContent>
        </Card>
      )}
    </div>
  )
}

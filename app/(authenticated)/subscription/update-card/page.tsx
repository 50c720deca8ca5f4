// Where the "payment failed" email's button lands: signed out, sign-in comes first (and returns here);
// signed in, one click opens the Customer Portal's payment_method_update flow for this user's own
// customer. A GET never opens a portal session by itself (a link in an email must not have side effects).
import type { Metadata } from "next"
import { ManageSubscriptionButton } from "@/components/subscription/manage-subscription-button"
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card"
import { requireUser } from "@/lib/auth/current-user"

export const metadata: Metadata = { title: "Update payment method" }

export default async function UpdateCardPage() {
  await requireUser()
  return (
    <div className="mx-auto max-w-xl">
      <Card>
        <CardHeader>
          <CardTitle>
            <h1>Update your payment method</h1>
          </CardTitle>
        </CardHeader>
        <CardContent className="space-y-4">
          <p className="text-muted-foreground">
            Add a new card in the secure billing portal. As soon as it is saved, we retry your open invoice with it, so you keep your plan.
          </p>
          <ManageSubscriptionButton flow="payment_method_update" showIcon={false}>
            Update payment method
          </ManageSubscriptionButton>
        </CardContent>
      </Card>
    </div>
  )
}

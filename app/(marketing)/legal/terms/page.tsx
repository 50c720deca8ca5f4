// Terms of service (linked from the Customer Portal). Replace with your own.
import type { Metadata } from "next"

export const metadata: Metadata = { title: "Terms of service" }

export default function TermsPage() {
  return (
    <article className="prose mx-auto max-w-2xl space-y-4">
      <h1 className="text-3xl font-bold">Terms of service</h1>
      <p>
        Subscriptions renew automatically each billing period until canceled. Cancellations take effect at the end of the period already
        paid for.
      </p>
      <p>This is placeholder text for subkit&apos;s demo: replace it with your company&apos;s terms.</p>
    </article>
  )
}

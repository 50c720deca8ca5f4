// Privacy policy (linked from the Customer Portal). Replace with your own.
import type { Metadata } from "next"

export const metadata: Metadata = { title: "Privacy policy" }

export default function PrivacyPage() {
  return (
    <article className="mx-auto max-w-2xl space-y-4">
      <h1 className="text-3xl font-bold">Privacy policy</h1>
      <p>
        Payments are processed by Stripe; we never see or store card numbers. We keep your email, plan and billing status to run your
        account.
      </p>
      <p>This is placeholder text for subkit&apos;s demo: replace it with your company&apos;s policy.</p>
    </article>
  )
}

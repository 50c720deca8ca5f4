// Landing page.
import { ArrowRight, RefreshCw, ShieldCheck, Wallet } from "@/components/ui/icons"
import Link from "next/link"
import { Button } from "@/components/ui/button"

const POINTS = [
  { icon: Wallet, title: "Stripe Checkout", text: "Pick Pro or Team, pay on Stripe's hosted page." },
  { icon: RefreshCw, title: "Always in sync", text: "Signed webhooks and an eager sync keep your plan current." },
  { icon: ShieldCheck, title: "Self-serve billing", text: "Cards, invoices, plan changes and cancellation in the Customer Portal." },
]

export default function HomePage() {
  return (
    <div className="space-y-12 py-8">
      <section className="space-y-5 text-center">
        <h1 className="text-4xl font-bold tracking-tight sm:text-5xl">Subscriptions that just work</h1>
        <p className="mx-auto max-w-2xl text-lg text-muted-foreground">
          subkit is the billing feature of a Next.js + Supabase + Stripe SaaS: plans, Checkout, webhooks and the Customer Portal.
        </p>
        <div className="flex justify-center gap-3">
          <Button asChild size="lg">
            <Link href="/pricing">
              See plans <ArrowRight aria-hidden="true" />
            </Link>
          </Button>
          <Button asChild size="lg" variant="outline">
            <Link href="/auth/signup">Create an account</Link>
          </Button>
        </div>
      </section>
      <ul className="grid gap-4 sm:grid-cols-3">
        {POINTS.map(({ icon: Icon, title, text }) => (
          <li key={title} className="rounded-lg border bg-background p-5">
            <Icon className="mb-3 size-5 text-primary" aria-hidden="true" />
            <h2 className="font-semibold">{title}</h2>
            <p className="text-sm text-muted-foreground">{text}</p>
          </li>
        ))}
      </ul>
    </div>
  )
}

// A feature behind an entitlement: its content when the user has it, otherwise a locked card that
// says which plan unlocks it and links to pricing. The decision is made on the server (hasEntitlement).
import Link from "next/link"
import { Lock, Unlock } from "@/components/ui/icons"
import { Button } from "@/components/ui/button"
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card"

type Props = {
  featureKey: string
  title: string
  unlocked: boolean
  plans: string[]
  /** Why a plan the user has is locked (a failed payment past the grace): said instead of the upgrade. */
  lockedReason?: string | null
  children: React.ReactNode
}

export function GatedFeature({ featureKey, title, unlocked, plans, lockedReason = null, children }: Props) {
  return (
    <Card data-testid={`feature-${featureKey}`} data-unlocked={unlocked}>
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          {unlocked ? <Unlock aria-hidden className="size-4" /> : <Lock aria-hidden className="size-4" />}
          {title}
          <span className="sr-only">{unlocked ? "(unlocked)" : "(locked)"}</span>
        </CardTitle>
        <CardDescription>{unlocked ? "Included in your plan." : (lockedReason ?? `Included in ${plans.join(" and ")}.`)}</CardDescription>
      </CardHeader>
      <CardContent>
        {unlocked ? (
          children
        ) : lockedReason ? (
          <Button asChild variant="destructive">
            <Link href="/subscription/update-card">Update payment method</Link>
          </Button>
        ) : (
          <Button asChild>
            <Link href="/pricing">Upgrade to unlock {title.toLowerCase()}</Link>
          </Button>
        )}
      </CardContent>
    </Card>
  )
}

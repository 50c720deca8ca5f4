"use client"
// The demo feature that consumes usage: each click records one report through POST /api/usage/reports
// (a fresh idempotency key per click), then refreshes the meter. At a hard limit it offers the upgrade and,
// when the catalog has a pack, buying credits.
import Link from "next/link"
import { useRouter } from "next/navigation"
import { useState, useTransition } from "react"
import { Button } from "@/components/ui/button"
import { BuyCreditsButton } from "./buy-credits-button"

type Answer = { used?: number; remaining?: number; error?: { code: string; message: string } }

type CreditsOffer = { pack: string; label: string; from: "dashboard" | "manage" }

export function GenerateReport({ blocked, credits = null }: { blocked: boolean; credits?: CreditsOffer | null }) {
  const router = useRouter()
  const [message, setMessage] = useState<string | null>(null)
  const [limited, setLimited] = useState(blocked)
  const [pending, startTransition] = useTransition()

  async function generate() {
    const res = await fetch("/api/usage/reports", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ value: 1, idempotency_key: crypto.randomUUID() }),
    })
    const body = (await res.json().catch(() => ({}))) as Answer
    if (res.status === 200) {
      setMessage(`Report generated. ${body.remaining ?? 0} left this period.`)
      setLimited(false)
    } else {
      setMessage(body.error?.message ?? "The report could not be generated. Try again.")
      if (res.status === 402) setLimited(true)
    }
    startTransition(() => router.refresh())
  }

  return (
    <div className="space-y-2">
      <div className="flex gap-2">
        <Button onClick={() => void generate()} disabled={pending}>
          Generate report
        </Button>
        {limited && (
          <Button asChild variant="outline">
            <Link href="/pricing">Upgrade</Link>
          </Button>
        )}
        {limited && credits && <BuyCreditsButton {...credits} />}
      </div>
      <p aria-live="polite" className="text-sm" data-testid="usage-message">
        {message}
      </p>
    </div>
  )
}

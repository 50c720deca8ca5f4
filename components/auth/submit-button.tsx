"use client"
// Submit button that shows the form is working (spinner, aria-busy) and cannot be sent twice.
import { Loader2 } from "@/components/ui/icons"
import { useFormStatus } from "react-dom"
import { Button } from "@/components/ui/button"

export function SubmitButton({ label, pendingLabel, className }: { label: string; pendingLabel?: string; className?: string }) {
  const { pending } = useFormStatus()
  return (
    <Button type="submit" className={className} disabled={pending} aria-busy={pending}>
      {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
      {pending ? (pendingLabel ?? label) : label}
    </Button>
  )
}

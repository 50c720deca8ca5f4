"use client"
// "Sync now": the server action syncCustomer (lib/actions/admin.ts), its result said as a toast.
import { Loader2 } from "lucide-react"
import { useTransition } from "react"
import { toast } from "sonner"
import { Button } from "@/components/ui/button"
import { syncCustomer } from "@/lib/actions/admin"

export function SyncCustomerButton({ userId }: { userId: string }) {
  const [pending, start] = useTransition()
  return (
    <Button
      type="button"
      size="sm"
      variant="outline"
      disabled={pending}
      aria-busy={pending}
      onClick={() =>
        start(async () => {
          const result = await syncCustomer(userId)
          if (result.ok) toast.success("Synced from Stripe.")
          else toast.error(result.message)
        })
      }
    >
      {pending && <Loader2 className="animate-spin" aria-hidden="true" />}
      Sync now
    </Button>
  )
}

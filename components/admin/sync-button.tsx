"use client"
// "Sync now": the server action syncCustomer (lib/actions/admin.ts), its result said as a toast.
import { syncCustomer } from "@/lib/actions/admin"
import { AdminActionButton } from "./action-button"

export function SyncCustomerButton({ userId }: { userId: string }) {
  return <AdminActionButton label="Sync now" run={() => syncCustomer(userId)} success={() => "Synced from Stripe."} />
}

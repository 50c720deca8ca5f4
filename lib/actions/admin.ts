"use server"
// The operator console's actions. Each checks the admin role on the server (requireAdmin: a 404 for
// anyone else), does what the CLI does (npm run billing:events -- --retry / --retry-dead), and
// records who did it in the audit log.
import { eq } from "drizzle-orm"
import { revalidatePath } from "next/cache"
import { z } from "zod"
import { requireAdmin } from "@/lib/auth/admin"
import { audit } from "@/lib/billing/admin/audit"
import { syncUserNow, type SyncNow } from "@/lib/billing/sync/eager"
import { retryDeadEvents } from "@/lib/billing/sync/inbox-admin"
import { requestReconcileRun } from "@/lib/billing/sync/reconcile"
import { db } from "@/lib/db/client"
import { billingCustomers } from "@/lib/db/schema"
import { fail, type ActionResult } from "@/lib/result"

const eventId = z.string().regex(/^evt_[A-Za-z0-9]+$/, "Not a Stripe event id.")

export type ReplayResult = ActionResult<{ replayed: number }>

/** Makes one dead event due again with a fresh attempt budget; the next drain applies it. */
export async function replayEvent(id: unknown): Promise<ReplayResult> {
  const admin = await requireAdmin()
  const parsed = eventId.safeParse(id)
  if (!parsed.success) return fail("invalid_event", parsed.error.issues[0]?.message ?? "Not a Stripe event id.")
  const replayed = await retryDeadEvents(parsed.data)
  await audit(admin, "event.replay", parsed.data, { replayed })
  revalidatePath("/admin/events")
  if (replayed === 0) return fail("not_dead", "That event is not dead (already applied, or already due again).")
  return { ok: true, replayed }
}

/** Every dead event, due again. */
export async function replayAllDead(): Promise<ReplayResult> {
  const admin = await requireAdmin()
  const replayed = await retryDeadEvents()
  await audit(admin, "event.replay_dead", null, { replayed })
  revalidatePath("/admin/events")
  return { ok: true, replayed }
}

export type SyncCustomerResult = ActionResult<{ status: SyncNow["status"] }>

/**
 * "Sync now" on /admin/customers/<user>: the user's Stripe customer read and written through the same
 * per-customer path as the drain (syncUserNow, forced past the page-reload throttle, under the lease).
 */
export async function syncCustomer(userId: unknown): Promise<SyncCustomerResult> {
  const admin = await requireAdmin()
  const parsed = z.uuid().safeParse(userId)
  if (!parsed.success) return fail("invalid_user", "Not a user id.")
  const result = await syncUserNow(parsed.data, { force: true })
  const [row] = await db
    .select({ id: billingCustomers.stripeCustomerId })
    .from(billingCustomers)
    .where(eq(billingCustomers.userId, parsed.data))
  await audit(admin, "customer.sync", row?.id ?? parsed.data, {
    status: result.status,
    ...(result.error ? { error: result.error.message } : {}),
  })
  revalidatePath(`/admin/customers/${parsed.data}`)
  if (result.status === "no_customer") return fail("no_customer", "This user has no Stripe customer yet.")
  if (result.status === "busy") return fail("busy", "A sync of this customer is running; try again in a moment.")
  if (result.status === "failed") return fail("failed", `Stripe could not be read: ${result.error?.message ?? "unknown error"}`)
  return { ok: true, status: result.status }
}

export type ReconcileResult = ActionResult<{ runId: number; created: boolean }>

/** "Reconcile now": opens a run that the cron's next steps work through within the call budget. */
export async function startReconciliation(): Promise<ReconcileResult> {
  const admin = await requireAdmin()
  const run = await requestReconcileRun("admin")
  await audit(admin, "reconcile.start", String(run.runId), { created: run.created })
  revalidatePath("/admin/reconciliation")
  return { ok: true, ...run }
}

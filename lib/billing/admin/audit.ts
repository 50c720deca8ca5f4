// The admin audit log: who did what, when. Written by every admin action after it acts.
import "server-only"
import { desc } from "drizzle-orm"
import { db } from "@/lib/db/client"
import { adminAuditLog } from "@/lib/db/schema"

export type AuditAction = "event.replay" | "event.replay_dead" | "customer.sync" | "admin.grant" | "reconcile.start" | "metrics.export"
export type Actor = { id: string | null; email: string | null }

export async function audit(actor: Actor, action: AuditAction, target: string | null, detail: Record<string, unknown> = {}) {
  await db.insert(adminAuditLog).values({ actorId: actor.id, actorEmail: actor.email, action, target, detail })
}

export async function recentAudit(limit = 20) {
  return db.select().from(adminAuditLog).orderBy(desc(adminAuditLog.id)).limit(limit)
}

// Which optional billing emails a user gets (no row: all of them). The sender reads them when an
// email goes out (lib/billing/email/outbox.ts), so turning one off also stops what is still queued.
import "server-only"
import { eq, sql } from "drizzle-orm"
import { z } from "zod"
import { db } from "@/lib/db/client"
import { emailPreferences } from "@/lib/db/schema"
import type { OptionalEmail } from "@/lib/email/templates"

export type EmailPreferences = Record<OptionalEmail, boolean>

export async function getEmailPreferences(userId: string): Promise<EmailPreferences> {
  const [row] = await db.select().from(emailPreferences).where(eq(emailPreferences.userId, userId))
  return { trial_ending: row?.trialEnding ?? true, seats_changed: row?.seatsChanged ?? true }
}

/** A checkbox form: a ticked box sends "on", an unticked one nothing. Anything else is refused. */
export const preferencesForm = z.object({
  trial_ending: z.literal("on").optional(),
  seats_changed: z.literal("on").optional(),
})

export async function setEmailPreferences(userId: string, prefs: EmailPreferences) {
  await db
    .insert(emailPreferences)
    .values({ userId, trialEnding: prefs.trial_ending, seatsChanged: prefs.seats_changed })
    .onConflictDoUpdate({
      target: emailPreferences.userId,
      set: { trialEnding: prefs.trial_ending, seatsChanged: prefs.seats_changed, updatedAt: sql`now()` },
    })
}

// Every outbox, for what treats them alike: the cron and billing:events list their pending and dead
// rows, and --retry-dead makes the dead ones due again. A new outbox is one defineOutbox and a line here.
import "server-only"
import { billingActionsOutbox } from "../checkout/trial-cards"
import { emailOutbox } from "../email/outbox"
import { usageOutbox } from "../usage/outbox"
import type { OutboxSummary } from "./outbox"

export const OUTBOXES = [usageOutbox, emailOutbox, billingActionsOutbox]

/** Pending and dead rows of each outbox, by name (usage, email, billing action). */
export async function outboxSummaries(): Promise<Record<string, OutboxSummary>> {
  return Object.fromEntries(await Promise.all(OUTBOXES.map(async (o) => [o.spec.name, await o.summary()] as const)))
}

/** Makes every outbox's dead rows due again; how many of each. */
export async function retryDeadOutboxes(): Promise<Record<string, number>> {
  const made: Record<string, number> = {}
  for (const o of OUTBOXES) made[o.spec.name] = await o.retryDead()
  return made
}

// The billing email outbox. The drain queues a row per (event, template) in the transaction that applies the
// event (queueEmails), so an email is queued once however often the event is delivered, replayed or re-applied.
// The sender (lib/billing/outbox: the drain script and the cron, never a request) skips optional emails the user
// turned off, renders and sends over SMTP; retried with backoff, dead after EMAIL_MAX_ATTEMPTS (billing:events).
import "server-only"
import { sql } from "drizzle-orm"
import type { Executor } from "@/lib/db/client"
import { env } from "@/lib/env"
import { sendMail } from "@/lib/email/mailer"
import { EMAIL_TEMPLATES, isOptionalEmail, renderEmail, type EmailTemplate } from "@/lib/email/templates"
import { CATALOG } from "../catalog"
import { planIdForPrice } from "../sync/plans"
import { defineOutbox, PermanentFailure, type OutboxSummary } from "../outbox/outbox"
import type { CustomerRead, EmailHint, EventIntent } from "../types"

/** Where the email's buttons go: app URLs, which send a signed-out reader through sign-in first. */
export const EMAIL_LINKS = {
  updateCard: () => `${env.appUrl}/subscription/update-card`,
  manage: () => `${env.appUrl}/subscription/manage`,
  plans: () => `${env.appUrl}/pricing`,
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null)

/** The template's data from the event's hint and the rows just read; null when there is nothing to say. */
function dataFor(hint: EmailHint, planName: string): Record<string, unknown> | null {
  switch (hint.template) {
    case "payment_failed":
      return {
        planName,
        amount: hint.amount,
        currency: hint.currency,
        invoiceNumber: hint.invoiceNumber,
        nextAttemptAt: iso(hint.nextAttemptAt),
        updateCardUrl: EMAIL_LINKS.updateCard(),
        hostedInvoiceUrl: hint.hostedInvoiceUrl,
      }
    case "payment_action_required":
      if (!hint.hostedInvoiceUrl) return null
      return {
        planName,
        amount: hint.amount,
        currency: hint.currency,
        invoiceNumber: hint.invoiceNumber,
        hostedInvoiceUrl: hint.hostedInvoiceUrl,
      }
    case "trial_ending":
      return hint.trialEndsAt ? { planName, trialEndsAt: iso(hint.trialEndsAt), manageUrl: EMAIL_LINKS.manage() } : null
    case "subscription_will_cancel":
      return hint.endsAt ? { planName, endsAt: iso(hint.endsAt), manageUrl: EMAIL_LINKS.manage() } : null
    case "subscription_cancelled":
      return { planName, endedAt: iso(hint.endedAt ?? new Date()), plansUrl: EMAIL_LINKS.plans() }
    case "seats_changed":
      return { planName, from: hint.from, to: hint.to, manageUrl: EMAIL_LINKS.manage() }
  }
}

/**
 * Queues the emails `pending` events ask for, inside the drain's write transaction (same commit as
 * the rows and the events' outcomes). The unique (event, template) makes a second apply a no-op.
 */
export async function queueEmails(
  tx: Executor,
  userId: string,
  pending: { id: string; intent: EventIntent }[],
  read: CustomerRead,
): Promise<number> {
  let queued = 0
  for (const { id, intent } of pending) {
    if (intent.kind !== "sync" || !intent.email) continue
    const sub = read.subscriptions?.find((s) => s.id === intent.subscriptionId)
    const planId = sub ? await planIdForPrice(tx, sub.priceId) : null
    const planName = CATALOG.find((p) => p.id === planId)?.name ?? "subscription"
    const data = dataFor(intent.email, planName)
    if (!data) continue
    const { rows } = await tx.execute(sql`insert into public.email_outbox (stripe_event_id, template, user_id, to_email, data)
      select ${id}, ${intent.email.template}, u.id, u.email, ${JSON.stringify(data)}::jsonb
      from public.users u where u.id = ${userId}::uuid and u.email is not null
      on conflict (stripe_event_id, template) do nothing
      returning id`)
    queued += rows.length
  }
  return queued
}

type Row = { template: string; to_email: string; data: unknown; opted_out: boolean }

export const emailOutbox = defineOutbox<Row>({
  name: "email",
  table: "public.email_outbox",
  // The preference is read when the email goes, so turning one off stops what is still queued.
  columns: sql`o.template, o.to_email, o.data,
    coalesce((select case o.template when 'trial_ending' then not p.trial_ending when 'seats_changed' then not p.seats_changed else false end
      from public.email_preferences p where p.user_id = o.user_id), false) as opted_out`,
  batchSize: 100,
  leaseSeconds: 60,
  maxAttempts: () => env.email.maxAttempts,
  deadColumns: sql`template, to_email "to"`,
  async send({ id, rows: [row] }) {
    if (!row) return
    if (row.opted_out && isOptionalEmail(row.template)) return { status: "skipped" }
    let rendered
    try {
      if (!(EMAIL_TEMPLATES as readonly string[]).includes(row.template)) throw new Error(`unknown template ${row.template}`)
      rendered = await renderEmail(row.template as EmailTemplate, row.data)
    } catch (err) {
      // A row that does not render never will: dead at once, not retried.
      throw new PermanentFailure(err instanceof Error ? err.message : String(err))
    }
    const headers = { "X-Subkit-Email": row.template, "X-Subkit-Outbox-Id": id }
    const messageId = await sendMail({ ...rendered, to: row.to_email, headers })
    return { set: sql`message_id = ${messageId}` }
  },
})

/** Sends what is due (at most `limit`); each row is one SMTP message. */
export const flushEmailOutbox = (options?: { limit?: number; concurrency?: number }) => emailOutbox.flush(options)

export type EmailOutboxSummary = OutboxSummary<{ id: number; template: string; to: string; attempts: number; error: string | null }>
export const emailOutboxSummary = () => emailOutbox.summary<EmailOutboxSummary["dead"]["rows"][number]>()
export const retryDeadEmails = () => emailOutbox.retryDead()

// The billing email outbox. The drain queues a row per (event, template) in the transaction that
// applies the event (queueEmails), so an email is queued once however often the event is delivered,
// replayed or re-applied. The sender (flushEmailOutbox, run by the drain script and the cron, never a
// request) claims due rows, skips optional emails the user turned off, renders the template and sends
// it over SMTP; a failure is retried with exponential backoff, and after EMAIL_MAX_ATTEMPTS the row is
// dead and listed by `npm run billing:events` (`--retry-dead` makes it due again).
import "server-only"
import { sql } from "drizzle-orm"
import { db, type Executor } from "@/lib/db/client"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { sendMail } from "@/lib/email/mailer"
import { EMAIL_TEMPLATES, isOptionalEmail, renderEmail, type EmailTemplate } from "@/lib/email/templates"
import { CATALOG } from "../catalog"
import { planIdForPrice } from "../sync/plans"
import { retryDelaySeconds } from "../sync/retry"
import type { CustomerRead, EmailHint, EventIntent } from "../types"

export const EMAIL_CLAIM_SECONDS = 60

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

export type EmailFlushReport = { claimed: number; sent: number; skipped: number; failed: number; dead: number }

type Claimed = { id: number; template: string; to_email: string; data: unknown; attempts: number; opted_out: boolean }

async function claim(limit: number): Promise<Claimed[]> {
  const { rows } = await db.execute<Claimed>(sql`
    with due as (
      select id from public.email_outbox
      where status = 'pending' and next_attempt_at <= now() and (claimed_until is null or claimed_until < now())
      order by id limit ${limit} for update skip locked
    )
    update public.email_outbox o set claimed_until = now() + make_interval(secs => ${EMAIL_CLAIM_SECONDS})
    from due where o.id = due.id
    returning o.id::int, o.template, o.to_email, o.data, o.attempts,
      coalesce((select case o.template when 'trial_ending' then not p.trial_ending when 'seats_changed' then not p.seats_changed else false end
        from public.email_preferences p where p.user_id = o.user_id), false) as opted_out`)
  return rows
}

/** Sends what is due (at most `limit`); each row is one SMTP message. */
export async function flushEmailOutbox({ limit = 100, concurrency = 4 } = {}): Promise<EmailFlushReport> {
  const rows = await claim(limit)
  const report: EmailFlushReport = { claimed: rows.length, sent: 0, skipped: 0, failed: 0, dead: 0 }
  const queue = [...rows]
  await Promise.all(
    Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let row = queue.shift(); row; row = queue.shift()) await sendOne(row, report)
    }),
  )
  return report
}

async function sendOne(row: Claimed, report: EmailFlushReport) {
  // The preference is read when the email goes, so turning one off stops what is still queued.
  if (row.opted_out && isOptionalEmail(row.template)) {
    await db.execute(sql`update public.email_outbox set status = 'skipped', sent_at = now(), claimed_until = null where id = ${row.id}`)
    report.skipped++
    return
  }
  let rendered
  try {
    if (!(EMAIL_TEMPLATES as readonly string[]).includes(row.template)) throw new Error(`unknown template ${row.template}`)
    rendered = await renderEmail(row.template as EmailTemplate, row.data)
  } catch (err) {
    // A row that does not render never will: dead at once, not retried.
    await fail(row, err, true, report)
    return
  }
  try {
    const messageId = await sendMail({
      ...rendered,
      to: row.to_email,
      headers: { "X-Subkit-Email": row.template, "X-Subkit-Outbox-Id": String(row.id) },
    })
    await db.execute(sql`update public.email_outbox set status = 'sent', sent_at = now(), claimed_until = null, message_id = ${messageId},
      last_error = null where id = ${row.id}`)
    report.sent++
  } catch (err) {
    await fail(row, err, false, report)
  }
}

async function fail(row: Claimed, err: unknown, permanent: boolean, report: EmailFlushReport) {
  const attempts = row.attempts + 1
  const dead = permanent || attempts >= env.email.maxAttempts
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 500)
  report.failed++
  if (dead) report.dead++
  await db.execute(sql`update public.email_outbox set attempts = ${attempts}, last_error = ${message}, claimed_until = null,
      status = ${dead ? "dead" : "pending"}, next_attempt_at = now() + make_interval(secs => ${retryDelaySeconds(attempts)})
    where id = ${row.id}`)
  log.warn("billing email not sent", { id: row.id, template: row.template, attempts, dead, error: message })
}

export type EmailOutboxSummary = {
  pending: number
  dead: { count: number; rows: { id: number; template: string; to: string; attempts: number; error: string | null }[] }
}

export async function emailOutboxSummary(): Promise<EmailOutboxSummary> {
  const counts = await db.execute<{ status: string; n: number }>(
    sql`select status, count(*)::int n from public.email_outbox where status in ('pending', 'dead') group by status`,
  )
  const dead = await db.execute<{ id: number; template: string; to: string; attempts: number; error: string | null }>(
    sql`select id::int, template, to_email "to", attempts, last_error error from public.email_outbox where status = 'dead' order by id limit 20`,
  )
  const n = (s: string) => counts.rows.find((r) => r.status === s)?.n ?? 0
  return { pending: n("pending"), dead: { count: n("dead"), rows: dead.rows } }
}

/** Makes dead emails due again (npm run billing:events -- --retry-dead). */
export async function retryDeadEmails(): Promise<number> {
  const res = await db.execute(
    sql`update public.email_outbox set status = 'pending', attempts = 0, next_attempt_at = now() where status = 'dead' returning id`,
  )
  return res.rows.length
}

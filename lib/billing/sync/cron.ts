// GET /api/cron/billing: Vercel Cron's convention (Authorization: Bearer CRON_SECRET).
import "server-only"
import { timingSafeEqual } from "node:crypto"
import { env } from "@/lib/env"
import { log } from "@/lib/log"
import { pruneRateLimits } from "@/lib/rate-limit"
import { drainBillingEvents } from "./drain"
import { inboxSummary, pruneProcessedPayloads } from "./inbox-admin"
import { reconcileDue, reconcileStep, type StepReport } from "./reconcile"
import { flushUsageOutbox } from "../usage/outbox"
import { flushEmailOutbox } from "../email/outbox"
import { OUTBOXES } from "../outbox/all"
import { compactSubscriptionTotals } from "../admin/metrics"

const json = (status: number, body: object) => Response.json(body, { status, headers: { "cache-control": "no-store" } })

export async function runBillingCron(request: Request): Promise<Response> {
  if (!env.cronSecret) {
    log.error("cron refused: CRON_SECRET is not configured")
    return json(503, { error: "cron not configured" })
  }
  if (!authorized(request.headers.get("authorization"), env.cronSecret)) return json(401, { error: "unauthorized" })
  try {
    const drained = await drainBillingEvents({ budgetMs: 40_000 })
    const usage = await flushUsageOutbox({ ripeOnly: true })
    // Emails after the drain, so those its events just queued go in this same call.
    const email = await flushEmailOutbox()
    const pruned = await pruneProcessedPayloads(env.billing.eventRetentionDays)
    await pruneRateLimits()
    // The metrics' per-group totals: the triggers' deltas folded, so /admin/metrics reads a few dozen rows.
    await compactSubscriptionTotals()
    const inbox = await inboxSummary()
    if (inbox.dead.count) log.error("billing events are dead; run `npm run billing:events -- --retry-dead`", { dead: inbox.dead.count })
    const outboxes = Object.fromEntries(await Promise.all(OUTBOXES.map(async (o) => [o.spec.name, await o.summary()] as const)))
    for (const [name, o] of Object.entries(outboxes))
      if (o.dead.count) log.error(`${name} outbox rows are dead; run \`npm run billing:events -- --retry-dead\``, { dead: o.dead.count })
    const reconcile = await reconcileCronStep()
    return json(200, { drained, usage, email, pruned, inbox, outboxes, reconcile })
  } catch (err) {
    log.error("billing cron failed", { error: err })
    return json(503, { error: "drain failed" })
  }
}

function authorized(header: string | null, secret: string): boolean {
  const given = Buffer.from(header ?? "")
  const expected = Buffer.from(`Bearer ${secret}`)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/**
 * The daily reconciliation, a bounded step per cron call: a new run once a day, and each call after it
 * continues the open run for RECONCILE_DEFAULTS.maxCalls Stripe requests until it finishes. Its failure
 * is logged and never fails the drain's answer (the next call resumes from the cursor).
 */
async function reconcileCronStep(): Promise<StepReport | { error: string }> {
  try {
    return await reconcileStep({ trigger: "cron", start: await reconcileDue() })
  } catch (err) {
    log.error("reconciliation step failed", { error: err })
    return { error: "reconciliation step failed" }
  }
}

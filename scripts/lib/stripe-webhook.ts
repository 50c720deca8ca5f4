// The webhook endpoint as code: one endpoint for the app's URL, subscribed to exactly the events
// subkit applies (the handler table, lib/stripe/events/handlers.ts) and pinned to our API version, so events arrive in
// the shapes the handlers are written for. Stripe returns an endpoint's signing secret only when
// it is created; `recreate` replaces the endpoint to get a new one (or a new API version).
import Stripe from "stripe"
import { HANDLED_EVENT_TYPES } from "../../lib/stripe/events/handlers"
import { STRIPE_API_VERSION } from "../../lib/stripe/client-options"

export const WEBHOOK_PATH = "/api/webhooks/stripe"

export type WebhookResult = {
  action: "created" | "updated" | "unchanged" | "recreated"
  endpoint: Stripe.WebhookEndpoint
  /** Only when the endpoint was (re)created: Stripe never shows it again. */
  secret?: string
  /** Things the operator must fix by hand (printed, and a non-zero exit). */
  problems: string[]
}

export async function ensureWebhookEndpoint(stripe: Stripe, appUrl: string, opts: { recreate?: boolean } = {}): Promise<WebhookResult> {
  const url = `${appUrl.replace(/\/+$/, "")}${WEBHOOK_PATH}`
  const events = [...HANDLED_EVENT_TYPES].sort()
  const mine: Stripe.WebhookEndpoint[] = []
  for await (const ep of stripe.webhookEndpoints.list({ limit: 100 })) if (ep.url === url) mine.push(ep)

  const create = async () => {
    const created = await stripe.webhookEndpoints.create({
      url,
      enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
      api_version: STRIPE_API_VERSION,
      description: "subkit: subscriptions, invoices and customers (npm run stripe:webhook)",
      metadata: { subkit: "webhook" },
    })
    if (!created.secret) throw new Error("Stripe did not return the new endpoint's signing secret")
    return created
  }
  if (opts.recreate || mine.length === 0) {
    const created = await create()
    // Delete the old ones only once the new one exists, so no event goes undelivered in between.
    for (const old of mine) await stripe.webhookEndpoints.del(old.id)
    return { action: mine.length ? "recreated" : "created", endpoint: created, secret: created.secret ?? undefined, problems: [] }
  }

  const [current, ...extra] = mine as [Stripe.WebhookEndpoint, ...Stripe.WebhookEndpoint[]]
  const problems: string[] = []
  if (extra.length)
    problems.push(
      `${extra.length} more endpoint(s) point at ${url} (${extra.map((e) => e.id).join(", ")}): each event would be delivered more than once; run again with --recreate to keep one`,
    )
  if (current.api_version !== STRIPE_API_VERSION)
    problems.push(
      `endpoint ${current.id} renders events at API version ${current.api_version ?? "(account default)"}, not ${STRIPE_API_VERSION}; an endpoint's version cannot be changed: run again with --recreate`,
    )
  const same = JSON.stringify([...current.enabled_events].sort()) === JSON.stringify(events) && current.status === "enabled"
  if (same) return { action: "unchanged", endpoint: current, problems }
  const updated = await stripe.webhookEndpoints.update(current.id, {
    enabled_events: events as Stripe.WebhookEndpointUpdateParams.EnabledEvent[],
    disabled: false,
  })
  return { action: "updated", endpoint: updated, problems }
}

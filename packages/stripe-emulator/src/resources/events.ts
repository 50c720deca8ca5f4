// Events, webhook endpoints and the clock.
import type Stripe from "stripe"
import { invalid } from "../errors"
import { fromDefaults } from "../defaults"
import { allow, missingParam, bool, list, mergeMetadata, req, str } from "../params"
import { paginate } from "../store"
import { type Endpoint, type Handler } from "./shared"

export const events: Record<string, Handler> = {
  "GET /v1/events/:id": (ctx, p, { id }) => allow(p, []) && ctx.store.get(id, "event"),
  "GET /v1/events": (ctx, p) => {
    allow(p, ["type", "types", "limit", "starting_after", "ending_before", "created", "delivery_success"])
    const type = str(p, "type")
    const types = list(p, "types")?.map(String)
    const match = (t: string) =>
      (!type || (type.endsWith("*") ? t.startsWith(type.slice(0, -1)) : t === type)) && (!types || types.includes(t))
    return paginate(
      ctx.store.all<Stripe.Event>("event", (e) => match(e.type)),
      p,
      "/v1/events",
    )
  },
  "POST /v1/webhook_endpoints": (ctx, p) => {
    allow(p, ["url", "enabled_events", "description", "metadata", "api_version", "connect"])
    const url = req(p, "url")
    if (!/^https?:\/\//.test(url)) throw invalid("url", "Invalid URL: must be an http(s) URL.")
    const enabled = (list(p, "enabled_events") ?? []).map(String)
    if (enabled.length === 0) throw missingParam("enabled_events")
    const ep = fromDefaults<Endpoint>("webhook_endpoint", {
      id: ctx.store.id("we"),
      object: "webhook_endpoint",
      api_version: str(p, "api_version") ?? null,
      application: null,
      created: ctx.store.now(),
      description: str(p, "description") ?? null,
      enabled_events: enabled,
      metadata: mergeMetadata({}, p),
      status: "enabled",
      url,
      secret: `whsec_${ctx.store.id("x", 32).slice(2)}`,
    } as Partial<Endpoint> & { id: string })
    ctx.store.put(ep)
    return ep
  },
  "GET /v1/webhook_endpoints/:id": (ctx, p, { id }) => {
    allow(p, [])
    const { secret: _secret, ...ep } = ctx.store.get<Endpoint>(id, "webhook endpoint", "webhook_endpoint")
    return ep
  },
  "POST /v1/webhook_endpoints/:id": (ctx, p, { id }) => {
    allow(p, ["url", "enabled_events", "description", "metadata", "disabled"])
    const ep = ctx.store.get<Endpoint>(id, "webhook endpoint", "webhook_endpoint")
    if (p.url !== undefined) ep.url = req(p, "url")
    if (p.enabled_events !== undefined) ep.enabled_events = (list(p, "enabled_events") ?? []).map(String)
    if (p.disabled !== undefined) ep.status = bool(p, "disabled") ? "disabled" : "enabled"
    ep.metadata = mergeMetadata(ep.metadata, p)
    ctx.store.put(ep)
    const { secret: _secret, ...out } = ep
    return out
  },
  "DELETE /v1/webhook_endpoints/:id": (ctx, p, { id }) => {
    allow(p, [])
    const ep = ctx.store.get<Endpoint>(id, "webhook endpoint", "webhook_endpoint")
    ;(ep as unknown as { deleted: boolean }).deleted = true
    ctx.store.put(ep)
    return { id: ep.id, object: "webhook_endpoint", deleted: true }
  },
  "GET /v1/webhook_endpoints": (ctx, p) =>
    allow(p, ["limit", "starting_after", "ending_before"]) &&
    paginate(
      ctx.store.all<Endpoint>("webhook_endpoint").map(({ secret: _s, ...ep }) => ep),
      p,
      "/v1/webhook_endpoints",
    ),
}

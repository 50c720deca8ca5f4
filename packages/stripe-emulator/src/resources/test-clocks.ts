// Stripe's test clocks (/v1/test_helpers/test_clocks): a customer created with `test_clock` lives at
// the clock's frozen_time; advancing the clock runs that customer's renewals, retries and
// cancellations. Advancing is asynchronous as on Stripe: status `advancing`, then `ready`.
import type Stripe from "stripe"
import { addInterval } from "../periods"
import { advanceTo } from "../clock"
import type { Ctx } from "../context"
import { invalid } from "../errors"
import { fromDefaults } from "../defaults"
import { allow, int, missingParam, str, type Params } from "../params"
import { paginate } from "../store"
import type { Handler } from "./shared"

type Clock = Stripe.TestHelpers.TestClock
const getClock = (ctx: Ctx, id: string, param = "id") => ctx.store.get<Clock>(id, "test clock", "test_helpers.test_clock", param)

/** Runs `fn` at the customer's test clock time (or the emulator's, for a customer on no clock). */
export function atCustomerTime<T>(ctx: Ctx, customer: Stripe.Customer, fn: () => T): T {
  const clock = customer.test_clock ? ctx.store.find<Clock>(customer.test_clock as string) : undefined
  if (!clock) return fn()
  const before = ctx.store.frozenAt
  ctx.store.frozenAt = clock.frozen_time
  try {
    return fn()
  } finally {
    ctx.store.frozenAt = before
  }
}

/**
 * The customer a request acts for, when it names one: the URL's customer, subscription or invoice, or
 * its `customer` / `subscription` parameter. Stripe runs everything for a customer on a test clock at
 * the clock's time: a subscription update prorates, a preview previews, a cancel ends as of frozen_time.
 */
export function requestCustomer(ctx: Ctx, id: string, p: Params): Stripe.Customer | undefined {
  const of = (ref: unknown): Stripe.Customer | undefined => {
    if (typeof ref !== "string") return undefined
    const o = ctx.store.find<{ object: string; customer?: unknown }>(ref)
    if (o?.object === "customer") return o as unknown as Stripe.Customer
    if (o?.object === "subscription" || o?.object === "invoice" || o?.object === "subscription_schedule") return of(o.customer)
    return undefined
  }
  return of(id) ?? of(p.customer) ?? of(p.subscription) ?? of(p.from_subscription)
}

/**
 * How far one advance may go: "Cannot be more than two intervals in the future from the shortest
 * subscription in this test clock. If there are no subscriptions in this test clock, it cannot be more
 * than two years in the future." An interval is the subscription's price interval × interval_count,
 * counted from the clock's frozen_time; only subscriptions still alive (not canceled or expired) count.
 */
function advanceLimit(ctx: Ctx, clock: Clock): { at: number; span: string } {
  const customers = new Set(ctx.store.all<Stripe.Customer>("customer", (c) => c.test_clock === clock.id).map((c) => c.id))
  let best = { at: addInterval(clock.frozen_time, "year", 2), span: "two years" }
  const subs = ctx.store.all<Stripe.Subscription>(
    "subscription",
    (s) => customers.has(s.customer as string) && s.status !== "canceled" && s.status !== "incomplete_expired",
  )
  for (const sub of subs)
    for (const it of sub.items.data) {
      const r = it.price.recurring
      if (!r) continue
      const at = addInterval(clock.frozen_time, r.interval, 2 * r.interval_count)
      if (at < best.at) best = { at, span: `two intervals (2 × ${r.interval_count} ${r.interval}) of subscription ${sub.id}` }
    }
  return best
}

export const testClocks: Record<string, Handler> = {
  "POST /v1/test_helpers/test_clocks": (ctx, p) => {
    allow(p, ["frozen_time", "name"])
    const frozen = int(p, "frozen_time")
    if (frozen === undefined) throw missingParam("frozen_time")
    const clock = fromDefaults<Clock>("test_helpers.test_clock", {
      id: ctx.store.id("clock"),
      object: "test_helpers.test_clock",
      created: ctx.store.now(),
      deletes_after: ctx.store.now() + 30 * 86_400,
      frozen_time: frozen,
      name: str(p, "name") ?? null,
      status: "ready",
      status_details: {},
    } as Partial<Clock> & { id: string })
    ctx.store.put(clock)
    ctx.emit("test_helpers.test_clock.created", clock)
    return clock
  },
  "GET /v1/test_helpers/test_clocks/:id": (ctx, p, { id }) => allow(p, []) && getClock(ctx, id as string),
  "GET /v1/test_helpers/test_clocks": (ctx, p) =>
    allow(p, ["limit", "starting_after", "ending_before"]) &&
    paginate(ctx.store.all<Clock>("test_helpers.test_clock"), p, "/v1/test_helpers/test_clocks"),
  "DELETE /v1/test_helpers/test_clocks/:id": (ctx, p, { id }) => {
    allow(p, [])
    const clock = getClock(ctx, id as string)
    // Deleting a clock deletes the objects attached to it.
    for (const c of ctx.store.all<Stripe.Customer>("customer", (x) => x.test_clock === clock.id)) {
      for (const s of ctx.store.all<Stripe.Subscription>("subscription", (x) => x.customer === c.id))
        ctx.store.put(Object.assign(s, { deleted: true }))
      ctx.store.put(Object.assign(c, { deleted: true }))
    }
    ctx.emit("test_helpers.test_clock.deleted", clock)
    ctx.store.put(Object.assign(clock, { deleted: true }))
    return { id: clock.id, object: "test_helpers.test_clock", deleted: true }
  },
  "POST /v1/test_helpers/test_clocks/:id/advance": (ctx, p, { id }) => {
    allow(p, ["frozen_time"])
    const clock = getClock(ctx, id as string)
    const target = int(p, "frozen_time")
    if (target === undefined) throw missingParam("frozen_time")
    if (clock.status !== "ready") throw invalid("test_clock", `The test clock ${clock.id} is already advancing.`)
    if (target <= clock.frozen_time) throw invalid("frozen_time", "The frozen_time must be after the test clock's current frozen_time.")
    const limit = advanceLimit(ctx, clock)
    if (target > limit.at)
      throw invalid(
        "frozen_time",
        `The frozen_time cannot be more than ${limit.span} after the test clock's current frozen_time (${clock.frozen_time}): at most ${limit.at}.`,
      )
    clock.status = "advancing"
    clock.status_details = { advancing: { target_frozen_time: target } }
    ctx.store.put(clock)
    ctx.emit("test_helpers.test_clock.advancing", clock)
    // The work happens after the response, as on Stripe; poll the clock until it is `ready`.
    setTimeout(() => {
      try {
        advanceTo(ctx, target, clock)
      } finally {
        clock.status = "ready"
        clock.status_details = {}
        ctx.store.put(clock)
        ctx.emit("test_helpers.test_clock.ready", clock)
      }
    }, 10)
    return clock
  },
}

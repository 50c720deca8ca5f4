// The v2 meter event stream in the emulator, through the official SDK: a session's token (15 minutes,
// on the emulator's clock), the stream on the same port (the SDK sends `apiBase: meter_events` to the
// configured host), up to 100 events a call, Stripe's asynchronous validation (an event outside the
// timestamp window, a repeated identifier, no meter or an unknown customer: accepted, not counted),
// adjustments, and stream events billed on a renewal under a test clock net of a credit grant.
// Every response also passes the contract check (v2 bodies and v2 errors included).
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { advanceTestClock, must, startCheckedEmulator } from "./support"

const DAY = 86_400
let em: Awaited<ReturnType<typeof startCheckedEmulator>>
let stripe: Stripe
let seq = 0

beforeAll(async () => {
  em = await startCheckedEmulator("stripe-meter-stream", { secretKey: "sk_test_stream" })
  stripe = em.client()
})
afterAll(() => em.stop())

/** A client authenticated with a session's token, as Stripe's example does (`new Stripe(token)`), at the emulator. */
const streamClient = (token: string) => new Stripe(token, { host: "127.0.0.1", port: em.port, protocol: "http", maxNetworkRetries: 0 })

async function meterAndCustomer(formula: "sum" | "count" | "last" = "sum", customerParams: Stripe.CustomerCreateParams = {}) {
  const eventName = `stream_${++seq}`
  const meter = await stripe.billing.meters.create({ display_name: "Stream", event_name: eventName, default_aggregation: { formula } })
  const customer = await stripe.customers.create(customerParams)
  return { eventName, meter, customer }
}

async function usage(meter: string, customer: string, from = em.store.now() - 40 * DAY, to = em.store.now() + DAY) {
  const s = await stripe.billing.meters.listEventSummaries(meter, {
    customer,
    start_time: Math.floor(from / 60) * 60,
    end_time: Math.ceil(to / 60) * 60,
  })
  return s.data.reduce((a, x) => a + x.aggregated_value, 0)
}

type MeterEventError = { code: string; identifier: string | null; event_name: string }
async function droppedFor(eventName: string): Promise<MeterEventError[]> {
  const res = await fetch(`${em.url}/_emulator/meter_event_errors`)
  return ((await res.json()) as { data: MeterEventError[] }).data.filter((e) => e.event_name === eventName)
}

const iso = (s: number) => new Date(s * 1000).toISOString()

describe("meter event session and stream", () => {
  it("a session's token sends a batch on the stream, on the same port; the summary is the batch's sum", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const session = await stripe.v2.billing.meterEventSession.create()
    expect(session).toMatchObject({ object: "v2.billing.meter_event_session", livemode: false })
    expect(Date.parse(session.expires_at) - Date.parse(session.created)).toBe(15 * 60 * 1000)
    expect(session.created).toBe(iso(em.store.now()))
    const out = await streamClient(session.authentication_token).v2.billing.meterEventStream.create({
      events: [2, 3, 4].map((v) => ({ event_name: eventName, payload: { stripe_customer_id: customer.id, value: String(v) } })),
    })
    expect(out).toEqual({})
    expect(await usage(meter.id, customer.id)).toBe(9)
  })

  it("takes JSON, not a form body, and answers v2 errors", async () => {
    const session = await stripe.v2.billing.meterEventSession.create()
    const res = await fetch(`${em.url}/v2/billing/meter_event_stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${session.authentication_token}`, "content-type": "application/x-www-form-urlencoded" },
      body: "events[0][event_name]=x",
    })
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: Record<string, unknown> }
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_fields", message: expect.any(String) })
    expect(body.error).not.toHaveProperty("param")
  })

  it("a token is good for the stream only; the stream takes no API key and no unknown token", async () => {
    const session = await stripe.v2.billing.meterEventSession.create()
    const tokenClient = streamClient(session.authentication_token)
    await expect(tokenClient.customers.list()).rejects.toMatchObject({ statusCode: 401, type: "StripeAuthenticationError" })
    await expect(tokenClient.v2.billing.meterEventSession.create()).rejects.toMatchObject({ statusCode: 401 })
    const events = [{ event_name: "x", payload: { stripe_customer_id: "cus_x", value: "1" } }]
    await expect(stripe.v2.billing.meterEventStream.create({ events })).rejects.toMatchObject({
      statusCode: 401,
      type: "StripeAuthenticationError",
    })
    await expect(streamClient(`${session.authentication_token}x`).v2.billing.meterEventStream.create({ events })).rejects.toMatchObject({
      statusCode: 401,
      type: "StripeAuthenticationError",
    })
  })

  it("a token expires 15 minutes after its session was created (the emulator's clock)", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const session = await stripe.v2.billing.meterEventSession.create()
    const client = streamClient(session.authentication_token)
    const send = (value: string) =>
      client.v2.billing.meterEventStream.create({
        events: [{ event_name: eventName, payload: { stripe_customer_id: customer.id, value } }],
      })
    // (A margin of seconds: the emulator's clock also moves with real time.)
    em.advance(15 * 60 - 10)
    await send("5")
    em.advance(10)
    const err = await send("7").catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Stripe.errors.TemporarySessionExpiredError)
    expect(err).toMatchObject({
      statusCode: 401,
      code: "billing_meter_event_session_expired",
      message: "The temporary session token has expired.",
    })
    const fresh = await stripe.v2.billing.meterEventSession.create()
    await streamClient(fresh.authentication_token).v2.billing.meterEventStream.create({
      events: [{ event_name: eventName, payload: { stripe_customer_id: customer.id, value: "11" } }],
    })
    expect(await usage(meter.id, customer.id)).toBe(16)
  })

  it("up to 100 events a call: 100 are counted, 101 are refused whole", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const client = streamClient((await stripe.v2.billing.meterEventSession.create()).authentication_token)
    const batch = (n: number) =>
      Array.from({ length: n }, () => ({ event_name: eventName, payload: { stripe_customer_id: customer.id, value: "1" } }))
    await client.v2.billing.meterEventStream.create({ events: batch(100) })
    const err = await client.v2.billing.meterEventStream.create({ events: batch(101) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
    expect(err).toMatchObject({ statusCode: 400, code: "invalid_fields", message: "events: at most 100 events per request, got 101." })
    expect(await usage(meter.id, customer.id)).toBe(100)
  })

  it("a malformed event refuses the call, nothing stored: a number for a payload value, a timestamp not RFC 3339", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const client = streamClient((await stripe.v2.billing.meterEventSession.create()).authentication_token)
    const good = { event_name: eventName, payload: { stripe_customer_id: customer.id, value: "1" } }
    await expect(
      client.v2.billing.meterEventStream.create({
        events: [good, { event_name: eventName, payload: { stripe_customer_id: customer.id, value: 2 as never } }],
      }),
    ).rejects.toMatchObject({ statusCode: 400, message: "events[1].payload.value: expected a string." })
    await expect(
      client.v2.billing.meterEventStream.create({ events: [good, { ...good, timestamp: String(em.store.now()) }] }),
    ).rejects.toMatchObject({ statusCode: 400 })
    expect(await usage(meter.id, customer.id)).toBe(0)
  })

  it("Stripe's timestamp window, validated after the call: 35 days back and 5 minutes ahead are counted, beyond is dropped", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const client = streamClient((await stripe.v2.billing.meterEventSession.create()).authentication_token)
    const now = em.store.now()
    const at = (timestamp: number, value: string, identifier: string) => ({
      event_name: eventName,
      identifier: `${eventName}-${identifier}`,
      timestamp: iso(timestamp),
      payload: { stripe_customer_id: customer.id, value },
    })
    const out = await client.v2.billing.meterEventStream.create({
      events: [
        at(now - 35 * DAY + 60, "1", "old-in"),
        at(now - 35 * DAY - 60, "10", "old-out"),
        at(now + 4 * 60, "100", "ahead-in"),
        at(now + 6 * 60, "1000", "ahead-out"),
      ],
    })
    expect(out).toEqual({})
    expect(await usage(meter.id, customer.id, now - 36 * DAY, now + 3600)).toBe(101)
    expect((await droppedFor(eventName)).map((e) => [e.identifier, e.code])).toEqual([
      [`${eventName}-old-out`, "timestamp_too_far_in_past"],
      [`${eventName}-ahead-out`, "timestamp_in_future"],
    ])
  })

  it("an identifier counts once within 24 hours: in one batch, across calls, and with a v1 event; again after 24 hours", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const session = async () => streamClient((await stripe.v2.billing.meterEventSession.create()).authentication_token)
    const ev = (identifier: string, value: string) => ({
      event_name: eventName,
      identifier: `${eventName}-${identifier}`,
      payload: { stripe_customer_id: customer.id, value },
    })
    const client = await session()
    await client.v2.billing.meterEventStream.create({ events: [ev("a", "1"), ev("a", "1"), ev("b", "2")] })
    await client.v2.billing.meterEventStream.create({ events: [ev("b", "2"), ev("c", "4")] })
    await stripe.billing.meterEvents.create({
      event_name: eventName,
      identifier: `${eventName}-v1`,
      payload: { stripe_customer_id: customer.id, value: "8" },
    })
    await client.v2.billing.meterEventStream.create({ events: [ev("v1", "8")] })
    expect(await usage(meter.id, customer.id)).toBe(15)
    expect((await droppedFor(eventName)).map((e) => e.code)).toEqual([
      "duplicate_meter_event",
      "duplicate_meter_event",
      "duplicate_meter_event",
    ])
    // (The emulator's clock also moves with real time: a margin of seconds either side of the 24 hours.)
    em.advance(DAY - 10)
    await (await session()).v2.billing.meterEventStream.create({ events: [ev("a", "16")] })
    expect(await usage(meter.id, customer.id)).toBe(15)
    em.advance(20)
    await (await session()).v2.billing.meterEventStream.create({ events: [ev("a", "16")] })
    expect(await usage(meter.id, customer.id)).toBe(31)
  })

  it("no meter, an inactive meter, an unknown customer, a missing customer key or a bad value: accepted, not counted", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const client = streamClient((await stripe.v2.billing.meterEventSession.create()).authentication_token)
    const out = await client.v2.billing.meterEventStream.create({
      events: [
        { event_name: `${eventName}_none`, payload: { stripe_customer_id: customer.id, value: "1" } },
        { event_name: eventName, payload: { stripe_customer_id: "cus_missing", value: "1" } },
        { event_name: eventName, payload: { value: "1" } },
        { event_name: eventName, payload: { stripe_customer_id: customer.id, value: "lots" } },
        { event_name: eventName, payload: { stripe_customer_id: customer.id, value: "3" } },
      ],
    })
    expect(out).toEqual({})
    expect(await usage(meter.id, customer.id)).toBe(3)
    // (The emulator times deactivation to the second: events of that second before it would not count.)
    em.advance(1)
    await stripe.billing.meters.deactivate(meter.id)
    await client.v2.billing.meterEventStream.create({
      events: [{ event_name: eventName, payload: { stripe_customer_id: customer.id, value: "5" } }],
    })
    expect(await usage(meter.id, customer.id)).toBe(3)
    expect((await droppedFor(`${eventName}_none`)).map((e) => e.code)).toEqual(["no_meter"])
    expect((await droppedFor(eventName)).map((e) => e.code)).toEqual([
      "meter_event_customer_not_found",
      "meter_event_no_customer_defined",
      "meter_event_invalid_value",
      "archived_meter",
    ])
  })
})

describe("meter event adjustments (v2)", () => {
  it("cancels an event by identifier within 24 hours of its receipt; not after; a bad type or cancel is refused", async () => {
    const { eventName, meter, customer } = await meterAndCustomer()
    const client = streamClient((await stripe.v2.billing.meterEventSession.create()).authentication_token)
    const ev = (identifier: string, value: string) => ({
      event_name: eventName,
      identifier,
      payload: { stripe_customer_id: customer.id, value },
    })
    await client.v2.billing.meterEventStream.create({ events: [ev(`${eventName}-1`, "5"), ev(`${eventName}-2`, "7")] })
    const adj = await stripe.v2.billing.meterEventAdjustments.create({
      event_name: eventName,
      type: "cancel",
      cancel: { identifier: `${eventName}-1` },
    })
    expect(adj).toMatchObject({
      object: "v2.billing.meter_event_adjustment",
      status: "pending",
      type: "cancel",
      event_name: eventName,
      cancel: { identifier: `${eventName}-1` },
      created: iso(em.store.now()),
    })
    expect(await usage(meter.id, customer.id)).toBe(7)
    em.advance(DAY + 1)
    await stripe.v2.billing.meterEventAdjustments.create({
      event_name: eventName,
      type: "cancel",
      cancel: { identifier: `${eventName}-2` },
    })
    expect(await usage(meter.id, customer.id)).toBe(7)
    await expect(
      stripe.v2.billing.meterEventAdjustments.create({ event_name: eventName, type: "cancel", cancel: {} as never }),
    ).rejects.toMatchObject({ statusCode: 400, code: "invalid_cancel_configuration" })
    await expect(
      stripe.v2.billing.meterEventAdjustments.create({ event_name: eventName, type: "range" as never, cancel: { identifier: "x" } }),
    ).rejects.toMatchObject({ statusCode: 400 })
  })
})

describe("stream usage on the renewal invoice under a test clock", () => {
  it("events timed at the customer's clock are billed at the period end, net of a credit grant", async () => {
    const start = em.store.now()
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start })
    const { eventName, meter, customer } = await meterAndCustomer("sum", { test_clock: clock.id, payment_method: "pm_card_visa" })
    const product = await stripe.products.create({ name: "Reports" })
    const plan = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 1500, recurring: { interval: "month" } })
    const metered = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 5,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    })
    const pm = must((await stripe.customers.listPaymentMethods(customer.id)).data[0], "a card").id
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: plan.id }, { price: metered.id }],
      default_payment_method: pm,
    })
    await stripe.billing.creditGrants.create({
      customer: customer.id,
      category: "paid",
      amount: { type: "monetary", monetary: { currency: "usd", value: 100 } },
      applicability_config: { scope: { price_type: "metered" } },
    })
    const mid = start + 5 * DAY
    await advanceTestClock(stripe, clock.id, mid)
    const client = streamClient((await stripe.v2.billing.meterEventSession.create()).authentication_token)
    // The clock is 5 days ahead of the emulator: on the emulator's time both events would be in the future
    // (dropped); on the customer's clock they are now and a minute ago.
    await client.v2.billing.meterEventStream.create({
      events: [
        { event_name: eventName, payload: { stripe_customer_id: customer.id, value: "30" } },
        { event_name: eventName, timestamp: iso(mid - 60), payload: { stripe_customer_id: customer.id, value: "20" } },
      ],
    })
    expect(await droppedFor(eventName)).toEqual([])
    expect(await usage(meter.id, customer.id, mid - 3600, mid + 3600)).toBe(50)
    const end = must(sub.items.data[0], "an item").current_period_end
    await advanceTestClock(stripe, clock.id, end + 3600)
    const [renewal] = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data
    const line = must(renewal, "the renewal").lines.data.find((l) => l.pricing?.price_details?.price === metered.id)
    expect(line).toMatchObject({ quantity: 50, amount: 250 })
    // $2.50 of usage, $1.00 of it paid by the grant: total 1500 + 250 − 100.
    expect(line?.pretax_credit_amounts?.reduce((s, c) => s + c.amount, 0)).toBe(100)
    expect(renewal?.total).toBe(1650)
  })
})

describe("the stream is Stripe's other host", () => {
  it("the API's rate limit does not apply to it: past the limit /v1 gets 429, the stream still takes events", async () => {
    const limited = await startCheckedEmulator("stripe-meter-stream-limit", { secretKey: "sk_test_limit", rateLimit: 3 })
    try {
      const api = limited.client()
      const meter = await api.billing.meters.create({ display_name: "S", event_name: "limited", default_aggregation: { formula: "sum" } })
      const customer = await api.customers.create({})
      await new Promise((r) => setTimeout(r, 1100))
      const session = await api.v2.billing.meterEventSession.create()
      const client = new Stripe(session.authentication_token, {
        host: "127.0.0.1",
        port: limited.port,
        protocol: "http",
        maxNetworkRetries: 0,
      })
      // Eight at once: past the 3 a second, some are refused.
      const lists = await Promise.allSettled(Array.from({ length: 8 }, () => api.customers.list()))
      const refused = lists.filter((r) => r.status === "rejected" && (r.reason as { statusCode?: number }).statusCode === 429)
      expect(refused.length).toBeGreaterThan(0)
      for (let i = 0; i < 5; i++)
        await client.v2.billing.meterEventStream.create({
          events: [{ event_name: "limited", payload: { stripe_customer_id: customer.id, value: "1" } }],
        })
      await new Promise((r) => setTimeout(r, 1100))
      const now = limited.store.now()
      const s = await api.billing.meters.listEventSummaries(meter.id, {
        customer: customer.id,
        start_time: Math.floor((now - 600) / 60) * 60,
        end_time: Math.ceil((now + 600) / 60) * 60,
      })
      expect(s.data.reduce((a, x) => a + x.aggregated_value, 0)).toBe(5)
    } finally {
      await limited.stop()
    }
  })
})

import type Stripe from "stripe"
import { describe, expect, it } from "vitest"
import { retryDelaySeconds, RETRY_CAP_SECONDS } from "@/lib/billing/sync/retry"
import { HANDLED_EVENT_TYPES, intentOf } from "@/lib/stripe"

const USER = "6f1c2b9e-8a0d-4c57-9b1e-2f3a4b5c6d7e"
const event = (type: string, object: object, previous?: object) =>
  ({
    id: "evt_1",
    object: "event",
    type,
    created: 1,
    data: { object, ...(previous ? { previous_attributes: previous } : {}) },
  }) as unknown as Stripe.Event

describe("event intents", () => {
  it("every type in the handler table (the endpoint subscribes to exactly these) reaches its handler", () => {
    for (const type of HANDLED_EVENT_TYPES) {
      const object = {
        id: "x_1",
        object: type.split(".")[0],
        customer: "cus_1",
        mode: "subscription",
        parent: { subscription_details: { subscription: "sub_1" } },
      }
      expect(
        intentOf(
          event(
            type,
            type.startsWith("customer.") && !type.startsWith("customer.subscription")
              ? { ...object, id: "cus_1", object: "customer" }
              : object,
          ),
        ),
        type,
      ).toMatchObject({
        kind: "sync",
        customerId: "cus_1",
      })
    }
    expect(intentOf(event("invoice.created", { customer: "cus_1" }))).toEqual({ kind: "ignore", outcome: "ignored_type" })
  })

  it("renewal-burst events need only the subscriptions read; customer events only the customer", () => {
    expect(
      intentOf(event("invoice.paid", { customer: "cus_1", parent: { subscription_details: { subscription: "sub_1" } } })),
    ).toMatchObject({ needs: { customer: false, subscriptions: true }, subscriptionId: "sub_1" })
    expect(intentOf(event("invoice.paid", { customer: "cus_1", parent: null }))).toEqual({
      kind: "ignore",
      outcome: "ignored_not_subscription",
    })
    expect(intentOf(event("customer.updated", { id: "cus_1", object: "customer" }))).toMatchObject({
      needs: { customer: true, subscriptions: false },
    })
    // A balance changed (a credit given, or drawn on): the subscriptions' next charge is re-read.
    expect(intentOf(event("customer.updated", { id: "cus_1", object: "customer", balance: -500 }, { balance: 0 }))).toMatchObject({
      needs: { customer: true, subscriptions: true },
    })
    expect(intentOf(event("payment_method.detached", { customer: null }, { customer: "cus_9" }))).toMatchObject({ customerId: "cus_9" })
  })

  it("links a Checkout customer only when client_reference_id is a user id that the metadata confirms", () => {
    const session = (ref: string | null, metaUser?: string) =>
      event("checkout.session.completed", {
        mode: "subscription",
        customer: "cus_1",
        subscription: "sub_1",
        client_reference_id: ref,
        metadata: metaUser ? { user_id: metaUser } : {},
      })
    expect(intentOf(session(USER, USER))).toMatchObject({ link: { userId: USER } })
    expect(intentOf(session("not-a-uuid", "not-a-uuid"))).toMatchObject({ refusedLink: "client_reference_id is not a user id" })
    expect(intentOf(session(USER, "6f1c2b9e-0000-4c57-9b1e-2f3a4b5c6d7e"))).toMatchObject({
      refusedLink: "client_reference_id and metadata.user_id disagree",
    })
    expect(intentOf(session(USER))).not.toHaveProperty("link")
    expect(intentOf(event("checkout.session.completed", { mode: "payment", customer: "cus_1" }))).toMatchObject({ kind: "ignore" })
  })
})

describe("retry backoff", () => {
  it("doubles from 2 s with jitter in the upper half, capped at an hour", () => {
    expect(retryDelaySeconds(1, 0)).toBe(1)
    expect(retryDelaySeconds(1, 0.999)).toBeCloseTo(2, 2)
    expect(retryDelaySeconds(4, 0)).toBe(8)
    expect(retryDelaySeconds(30, 0.5)).toBe(RETRY_CAP_SECONDS * 0.75)
    for (let f = 1; f < 20; f++) expect(retryDelaySeconds(f + 1, 0)).toBeGreaterThanOrEqual(retryDelaySeconds(f, 0))
  })
})

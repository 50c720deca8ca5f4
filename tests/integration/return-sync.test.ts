import { afterAll, describe, expect, it } from "vitest"
import { pool } from "@/lib/db/client"
import { confirmCheckout, refreshFromStripe } from "@/lib/billing/return-sync"
import { createUser, sql } from "../support/helpers"
import { subscribedUser } from "../support/billing"

afterAll(() => pool.end())

describe("Checkout success", () => {
  it("syncs the buyer's own completed session at once, before any webhook", async () => {
    const { user, sessionId, subscriptionId } = await subscribedUser()
    expect((await sql().query("select 1 from user_subscriptions where stripe_subscription_id = $1", [subscriptionId])).rows).toHaveLength(0)
    expect(await confirmCheckout(user, sessionId)).toEqual({ ok: true, fresh: true })
    const { rows } = await sql().query("select status, plan_id from user_subscriptions where stripe_subscription_id = $1", [subscriptionId])
    expect(rows).toEqual([{ status: "active", plan_id: "pro" }])
  })

  it("refuses another user's session and malformed ids", async () => {
    const { sessionId } = await subscribedUser()
    const stranger = await createUser()
    expect(await confirmCheckout(stranger, sessionId)).toMatchObject({ ok: false, code: "not_yours" })
    expect(await confirmCheckout(stranger, "cs_test_doesnotexist")).toMatchObject({ ok: false, code: "invalid_session" })
    expect(await confirmCheckout(stranger, "../../etc")).toMatchObject({ ok: false, code: "invalid_session" })
    expect(await confirmCheckout(stranger, undefined)).toMatchObject({ ok: false, code: "invalid_session" })
  })

  it("portal return sync is a no-op for users without billing", async () => {
    const user = await createUser()
    expect(await refreshFromStripe(user.id)).toEqual({ fresh: true })
  })
})

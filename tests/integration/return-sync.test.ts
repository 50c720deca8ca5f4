import { afterAll, describe, expect, it } from "vitest"
import { pool } from "@/lib/db/client"
import { confirmCheckout, refreshFromStripe } from "@/lib/billing/sync/eager-return"
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

describe("eager sync throttle", () => {
  it("a reload within the window reads the database; Checkout's forced check neither honours nor stamps it", async () => {
    const { user } = await subscribedUser()
    const { syncUserNow } = await import("@/lib/billing/sync/eager")
    expect((await syncUserNow(user.id, { force: true })).status).toBe("synced")
    expect((await syncUserNow(user.id)).status).toBe("synced") // the forced one did not count as a page visit
    expect((await syncUserNow(user.id)).status).toBe("throttled")
    expect((await syncUserNow(user.id, { force: true })).status).toBe("synced")
    await sql().query(
      "update customer_syncs set eager_sync_at = now() - interval '11 seconds' where stripe_customer_id = (select stripe_customer_id from billing_customers where user_id = $1)",
      [user.id],
    )
    expect((await syncUserNow(user.id)).status).toBe("synced")
  })
})

describe("portal return after a new portal visit", () => {
  it("asks Stripe again even within the reload window", async () => {
    const { user } = await subscribedUser()
    const { syncUserNow } = await import("@/lib/billing/sync/eager")
    const { openPortal } = await import("@/lib/billing/portal/open-portal")
    expect((await syncUserNow(user.id)).status).toBe("synced") // the success page
    expect((await syncUserNow(user.id)).status).toBe("throttled") // a reload
    expect((await openPortal(user, "home")).ok).toBe(true)
    expect((await syncUserNow(user.id)).status).toBe("synced") // back from the portal
    expect((await syncUserNow(user.id)).status).toBe("throttled") // reloading the return page
  })
})

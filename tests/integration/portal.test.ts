import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { openPortal } from "@/lib/billing/portal/open-portal"
import { pool } from "@/lib/db/client"
import { getOrCreateBillingCustomer } from "@/lib/billing/checkout/customer"
import { createUser, faults, sql, stripeClient } from "../support/helpers"
import { subscribedUser } from "../support/billing"
import { syncUserNow } from "@/lib/billing/sync/eager"

afterAll(() => pool.end())

const age = (userId: string, seconds: number) =>
  sql().query(`update portal_sessions set created_at = created_at - make_interval(secs => $2) where user_id = $1`, [userId, seconds])

async function synced() {
  const s = await subscribedUser()
  expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
  return s
}

describe("openPortal", () => {
  beforeEach(async () => {
    await sql().query("delete from portal_sessions")
  })

  it("refuses a user with no billing account", async () => {
    const user = await createUser()
    expect(await openPortal(user, "home")).toMatchObject({ ok: false, code: "no_customer" })
  })

  it("opens the user's own customer with our return URL and configuration", async () => {
    const { user } = await synced()
    const result = await openPortal(user, "home")
    if (!result.ok) throw new Error(result.message)
    expect(result.url).toMatch(/\/p\/session\/bps_/)
    const html = await (await fetch(result.url)).text()
    expect(html).toContain("http://localhost:3999/subscription/portal-return")
    expect(html).toContain("Pro")
  })

  it("a click while another's session is still being opened waits for it, then answers portal_busy", async () => {
    const { user } = await synced()
    await sql().query("insert into portal_sessions (user_id, flow) values ($1, 'home')", [user.id])
    expect(await openPortal(user, "home")).toMatchObject({ ok: false, code: "portal_busy" })
  }, 20_000)

  it("reuses a session opened seconds ago, and allows five a minute", async () => {
    const { user } = await synced()
    const first = await openPortal(user, "home")
    const again = await openPortal(user, "home")
    expect(first.ok && again.ok && again.reused && again.url === first.url).toBe(true)
    for (let i = 0; i < 4; i++) {
      await age(user.id, 11)
      expect((await openPortal(user, "home")).ok).toBe(true)
    }
    await age(user.id, 11)
    expect(await openPortal(user, "home")).toMatchObject({ ok: false, code: "rate_limited" })
    await age(user.id, 61)
    expect((await openPortal(user, "home")).ok).toBe(true)
    expect(Number((await sql().query("select count(*) from portal_sessions where user_id = $1", [user.id])).rows[0].count)).toBe(6)
  })

  it("costs one Stripe call per portal opened, for the customer our mapping names", async () => {
    const { user, customerId } = await synced()
    await openPortal(user, "home") // the configuration id is looked up once per process
    await age(user.id, 11)
    const before = await faults.calls()
    const result = await openPortal(user, "subscription_update")
    if (!result.ok) throw new Error(result.message)
    expect(await faults.calls()).toBe(before + 1)
    await age(user.id, 11)
    const home = await openPortal(user, "home")
    if (!home.ok) throw new Error(home.message)
    const [row] = (await sql().query("select stripe_session_id from portal_sessions where url = $1", [home.url])).rows
    const page = await (await fetch(home.url)).text()
    expect(row.stripe_session_id).toMatch(/^bps_/)
    const customer = await stripeClient().customers.retrieve(customerId)
    if (customer.deleted) throw new Error("customer deleted")
    expect(page).toContain(customer.email)
  })

  it("deep-links to updating the payment method and to cancelling", async () => {
    const { user } = await synced()
    const pm = await openPortal(user, "payment_method_update")
    if (!pm.ok) throw new Error(pm.message)
    const res = await fetch(pm.url, { redirect: "manual" })
    expect(res.headers.get("location")).toMatch(/\/payment-method$/)
    const cancel = await openPortal(user, "subscription_cancel")
    if (!cancel.ok) throw new Error(cancel.message)
    // The cancel flow opens on the retention offer first (offered once per customer: retention-offer.test.ts).
    expect((await fetch(cancel.url, { redirect: "manual" })).headers.get("location")).toMatch(/\/offer\?subscription=sub_/)
    const none = await createUser()
    await getOrCreateBillingCustomer(none.id, none.email)
    expect(await openPortal(none, "subscription_update")).toMatchObject({ ok: false, code: "no_subscription" })
  })

  it("returns a message, not an exception, when Stripe refuses the session", async () => {
    const { user } = await synced()
    // A 400 from Stripe, injected at the proxy rather than by deactivating the configuration, so the
    // result does not depend on whether an earlier test left the configuration id cached in this process.
    await faults.add({ status: 400, count: 1, path: "/v1/billing_portal/sessions" })
    try {
      const result = await openPortal(user, "home")
      expect(result).toMatchObject({ ok: false, code: "stripe_error" })
      if (!result.ok) expect(result.message).toMatch(/try again/)
      expect(Number((await sql().query("select count(*) from portal_sessions where user_id = $1", [user.id])).rows[0].count)).toBe(0)
    } finally {
      await faults.clear()
    }
  })
})

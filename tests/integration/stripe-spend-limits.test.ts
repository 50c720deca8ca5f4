// Stripe's rate limit is account-wide (issue 23, item 3): Checkout and the success page with a made-up
// session id are limited per user in Postgres (public.rate_limits), and a refused attempt makes no Stripe call.
import { afterAll, describe, expect, it } from "vitest"
import { CHECKOUTS_PER_MINUTE, startCheckout } from "@/lib/billing/checkout/start-checkout"
import { CONFIRMS_PER_MINUTE, confirmCheckout } from "@/lib/billing/sync/eager-return"
import { pool } from "@/lib/db/client"
import { createUser, faults } from "../support/helpers"

afterAll(() => pool.end())

describe("per-user limits before any Stripe call", () => {
  it("Checkout: past the limit a click is refused with a coded error and costs Stripe nothing", async () => {
    const user = await createUser()
    const results = await Promise.all(
      Array.from({ length: CHECKOUTS_PER_MINUTE }, () => startCheckout(user, { plan: "pro", interval: "month" })),
    )
    expect(results.every((r) => r.ok)).toBe(true)
    const before = await faults.calls()
    expect(await startCheckout(user, { plan: "pro", interval: "month" })).toMatchObject({ ok: false, code: "rate_limited" })
    expect(await faults.calls()).toBe(before)
  })

  it("success page: made-up session ids are looked up at Stripe only up to the limit", async () => {
    const user = await createUser()
    for (let i = 0; i < CONFIRMS_PER_MINUTE; i++)
      expect(await confirmCheckout(user, `cs_test_madeup${i}`)).toMatchObject({ ok: false, code: "invalid_session" })
    const before = await faults.calls()
    expect(await confirmCheckout(user, "cs_test_madeup_again")).toMatchObject({ ok: false, code: "rate_limited" })
    expect(await faults.calls()).toBe(before)
  })
})

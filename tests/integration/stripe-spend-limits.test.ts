// Stripe's rate limit is account-wide (issue 23, item 3): Checkout and the success page with a made-up
// session id are limited per user in Postgres (public.rate_limits), and a refused attempt makes no Stripe call.
// Seat confirm likewise; and one client IP has one budget across these actions, since accounts are free.
import { afterAll, describe, expect, it, vi } from "vitest"
import { STRIPE_SPEND_PER_IP } from "@/lib/auth/auth-limits"
import { CHECKOUTS_PER_MINUTE, startCheckout } from "@/lib/billing/checkout/start-checkout"
import { syncUserNow } from "@/lib/billing/sync/eager"
import { CONFIRMS_PER_MINUTE, confirmCheckout } from "@/lib/billing/sync/eager-return"
import { SEAT_CONFIRMS, confirmSeats } from "@/lib/billing/team/change-seats"
import { pool } from "@/lib/db/client"
import { hit } from "@/lib/rate-limit"
import { subscribedUser } from "../support/billing"
import { createUser, faults } from "../support/helpers"

const state = vi.hoisted(() => ({ ip: "192.0.2.1" }))
vi.mock("next/headers", () => ({
  cookies: async () => ({ getAll: () => [], get: () => undefined, set: () => {} }),
  headers: async () => new Headers({ "x-forwarded-for": `${state.ip}, 10.0.0.1` }),
}))

/** Counting happens in minute-long windows: start early in one (at most a 15 s wait). */
async function earlyInMinute() {
  const into = Date.now() % 60_000
  if (into > 45_000) await new Promise((r) => setTimeout(r, 60_000 - into + 50))
}

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
  it("seat confirm: a malformed confirm is refused before Stripe and not counted; past the limit a well-formed one costs Stripe nothing", async () => {
    state.ip = "192.0.2.20"
    const s = await subscribedUser({ plan: "team", seats: 2 })
    expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    await earlyInMinute()
    const before = await faults.calls()
    for (const bad of [null, { quantity: 3, itemId: "nope", prorationDate: 1, currentQuantity: 2, amountDue: 0 }])
      expect((await confirmSeats(s.user, bad as never)).ok).toBe(false)
    expect(await faults.calls()).toBe(before)
    for (let i = 0; i < SEAT_CONFIRMS.max; i++) expect(await hit(SEAT_CONFIRMS, s.user.id)).toEqual({ ok: true })
    const wellFormed = {
      quantity: 3,
      itemId: "si_madeup",
      prorationDate: Math.floor(Date.now() / 1000),
      currentQuantity: 2,
      amountDue: 100,
    }
    expect(await confirmSeats(s.user, wellFormed)).toMatchObject({ ok: false, code: "rate_limited" })
    expect(await faults.calls()).toBe(before)
  })

  it("one client IP: past its budget a fresh account's look-up is refused without a Stripe call; another IP is not", async () => {
    await earlyInMinute()
    state.ip = "192.0.2.30"
    for (let i = 0; i < STRIPE_SPEND_PER_IP.max; i++) expect((await hit(STRIPE_SPEND_PER_IP, state.ip)).ok).toBe(true)
    const before = await faults.calls()
    expect(await confirmCheckout(await createUser(), "cs_test_from_a_script")).toMatchObject({ ok: false, code: "rate_limited" })
    expect(await startCheckout(await createUser(), { plan: "pro", interval: "month" })).toMatchObject({ ok: false, code: "rate_limited" })
    expect(await faults.calls()).toBe(before)
    state.ip = "192.0.2.31"
    expect(await confirmCheckout(await createUser(), "cs_test_from_a_script")).toMatchObject({ ok: false, code: "invalid_session" })
  })
})

// Cancellation with a retention offer (issue 20, item 3): the in-app "Cancel subscription" opens the
// portal's subscription_cancel flow with the catalog's retention coupon, once per customer; accepting it
// puts the discount on the subscription (the manage page says what and until when), declining cancels at
// the period's end with the reason stored from cancellation_details. Real Postgres, the emulator via the SDK.
import { afterAll, describe, expect, it } from "vitest"
import { RETENTION_OFFER } from "@/lib/billing/catalog"
import { openPortal } from "@/lib/billing/portal/open-portal"
import { syncUserNow } from "@/lib/billing/sync/eager"
import { loadManageView } from "@/lib/billing/views/manage-view"
import { getCurrentSubscription } from "@/lib/billing/views/queries"
import { pool } from "@/lib/db/client"
import { subscribedUser } from "../support/billing"
import { emulatorNow, sql } from "../support/helpers"

afterAll(() => pool.end())

const offerOf = async (customerId: string) =>
  (await sql().query("select outcome, coupon_id, decided_at from retention_offers where stripe_customer_id = $1", [customerId])).rows[0]
/** The hosted portal as a customer uses it: the cancel flow's first page, then a form post. */
async function portalStep(url: string) {
  const res = await fetch(url, { redirect: "manual" })
  return { status: res.status, location: res.headers.get("location") ?? "", html: await res.text() }
}
const post = (url: string, form: Record<string, string>) =>
  fetch(url, { method: "POST", body: new URLSearchParams(form), redirect: "manual" })

/** Past the portal's 10-second session reuse: the next click opens a new session. */
const forgetSessions = (userId: string) => sql().query("delete from portal_sessions where user_id = $1", [userId])

describe("the retention offer in the cancel flow", () => {
  it("is offered; accepted, the coupon is the subscription's discount and the manage page says until when; never offered again", async () => {
    const s = await subscribedUser({ plan: "pro" })
    await syncUserNow(s.user.id, { force: true })
    const opened = await openPortal(s.user, "subscription_cancel")
    expect(opened).toMatchObject({ ok: true, retentionOffered: true })
    expect(await offerOf(s.customerId)).toMatchObject({ outcome: "offered", coupon_id: RETENTION_OFFER.couponId })
    // The customer left without answering: the next cancel flow offers it again.
    await forgetSessions(s.user.id)
    expect(await openPortal(s.user, "subscription_cancel")).toMatchObject({ ok: true, retentionOffered: true })
    // The cancel flow opens on the offer; accepting it puts the coupon on the subscription.
    const second = await openPortal(s.user, "subscription_cancel")
    expect(second).toMatchObject({ ok: true, reused: true })
    if (!second.ok) throw new Error(second.message)
    const first = await portalStep(second.url)
    expect(first.location).toContain("/offer?subscription=")
    const offer = await portalStep(new URL(first.location, second.url).toString())
    expect(offer.html).toContain("Before you go")
    expect(offer.html).toContain("25% off · for 3 months")
    expect(offer.html).toContain("$11.25 instead of $15.00")
    const accepted = await post(new URL("offer", new URL(first.location, second.url)).toString(), { subscription: s.subscriptionId })
    expect(accepted.status).toBe(303)
    expect(accepted.headers.get("location")).toContain("/subscription/portal-return?flow=subscription_cancel")
    await syncUserNow(s.user.id, { force: true })
    expect(await offerOf(s.customerId)).toMatchObject({ outcome: "accepted" })
    const view = await loadManageView(s.user.id)
    if (view.kind !== "live") throw new Error("not live")
    expect(view.retentionAccepted).toMatchObject({ label: RETENTION_OFFER.name })
    const months = (view.retentionAccepted?.endsAt?.getTime() ?? 0) - (await emulatorNow()) * 1000
    expect(months / 86_400_000).toBeGreaterThan(85)
    expect(months / 86_400_000).toBeLessThan(95)
    await forgetSessions(s.user.id)
    expect(await openPortal(s.user, "subscription_cancel")).toMatchObject({ ok: true, retentionOffered: false })
  })

  it("declined: cancels at the period's end with the reason and comment stored; not offered again", async () => {
    const s = await subscribedUser({ plan: "pro" })
    await syncUserNow(s.user.id, { force: true })
    expect(await openPortal(s.user, "subscription_cancel")).toMatchObject({ ok: true, retentionOffered: true })
    const opened = await openPortal(s.user, "subscription_cancel")
    if (!opened.ok) throw new Error(opened.message)
    const first = await portalStep(opened.url)
    const offerUrl = new URL(first.location, opened.url)
    expect(offerUrl.pathname).toMatch(/\/offer$/)
    // "No thanks": the reason form, then cancel at the period's end with the reason and comment.
    const form = await portalStep(new URL(`cancel?subscription=${s.subscriptionId}&declined=1`, offerUrl).toString())
    expect(form.html).toContain("Tell us why you're canceling")
    const canceled = await post(new URL("cancel", offerUrl).toString(), {
      subscription: s.subscriptionId,
      reason: "too_expensive",
      comment: "Cheaper elsewhere",
    })
    expect(canceled.status).toBe(303)
    await syncUserNow(s.user.id, { force: true })
    expect(await offerOf(s.customerId)).toMatchObject({ outcome: "declined" })
    expect(await getCurrentSubscription(s.user.id)).toMatchObject({
      cancelAtPeriodEnd: true,
      cancellationReason: "cancellation_requested",
      cancellationFeedback: "too_expensive",
      cancellationComment: "Cheaper elsewhere",
    })
    // Renewed, then cancelling again: no second offer.
    await s.stripe.subscriptions.update(s.subscriptionId, { cancel_at_period_end: false })
    await syncUserNow(s.user.id, { force: true })
    await forgetSessions(s.user.id)
    expect(await openPortal(s.user, "subscription_cancel")).toMatchObject({ ok: true, retentionOffered: false })
  })
})

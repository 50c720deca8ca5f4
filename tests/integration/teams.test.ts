// The Team plan as a team, below the browser: seats from the owner's subscription, invites through the
// email outbox and SMTP into the Auth emulator's mailbox, accept rules, entitlements inherited and lost, the seat change previewed with
// Stripe's createPreview and billed as shown, fewer seats than people refused.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { mails, startTestAuth, type Emulator } from "../support/auth-emulator"
import { createUser, sql, stripeClient } from "../support/helpers"
import { must } from "../support/must"

// lib/env is read once, when the database client loads: start Auth and name it before any app module loads.
const auth: Emulator = await startTestAuth()
// The app's own emails (invites) go to the shared SMTP sink (tests/support/integration-env.ts).
const MAIL = inject("mailUrl")
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon") // the CLI's anon key
const { subscribedUser, planPrice } = await import("../support/billing")
const { openPortal } = await import("@/lib/billing/portal/open-portal")
const { inviteMember, acceptInvite, describeInvite, revokeInvite } = await import("@/lib/billing/team/invites")
const { removeMember, leaveTeam } = await import("@/lib/billing/team/members")
const { previewSeats, confirmSeats } = await import("@/lib/billing/team/change-seats")
const { getTeamView } = await import("@/lib/billing/team/view")
const { hasEntitlement, entitlementKeys } = await import("@/lib/billing/views/entitlements")
const { syncUserNow } = await import("@/lib/billing/sync/eager")
const { flushEmailOutbox } = await import("@/lib/billing/email/outbox")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

/** The secret from the link in the newest invite email to `email` (sent by the outbox, as the drain/cron does: /invite?token=…). */
async function inviteLink(email: string) {
  await flushEmailOutbox()
  const mail = must(
    (await mails(MAIL, email)).find((m) => m.headers["x-subkit-email"] === "team_invite"),
    `an invite to ${email}`,
  )
  const link = new URL(must(mail.link, "the mail's link"))
  expect(link.pathname).toBe("/invite")
  return { link: link.href, token: must(link.searchParams.get("token"), "the invite token") }
}

/** What the owner saw on the preview, sent back with the confirm. */
const seen = (p: { currentQuantity: number; amountDue: number }) => ({ currentQuantity: p.currentQuantity, amountDue: p.amountDue })

const ok = (r: { ok: boolean; message?: string }) => expect(r, r.ok ? "" : (r as { message: string }).message).toMatchObject({ ok: true })

describe("a Team subscription's team", () => {
  let owner: { id: string; email: string }
  let subscriptionId: string
  let stripe: Awaited<ReturnType<typeof subscribedUser>>["stripe"]
  const member = { id: "", email: "" }

  beforeAll(async () => {
    const s = await subscribedUser({ plan: "team", seats: 2 })
    owner = s.user
    subscriptionId = s.subscriptionId
    stripe = s.stripe
    expect((await syncUserNow(owner.id, { force: true })).status).toBe("synced")
    const m = await createUser()
    Object.assign(member, m)
  })

  it("is made for the owner, who holds one of the seats", async () => {
    const view = await getTeamView(owner.id)
    expect(view).toMatchObject({ kind: "owner", seats: 2, invites: [] })
    expect(view.kind === "owner" && view.members.map((m) => [m.email, m.role])).toEqual([[owner.email, "owner"]])
    expect(await getTeamView(member.id)).toEqual({ kind: "none", ownTeamPlan: false })
  })

  it("invites by email up to the seat count, the link in the invitee's mailbox", async () => {
    expect(await inviteMember(owner, "not an email")).toMatchObject({ ok: false, code: "invalid_input" })
    expect(await inviteMember(owner, owner.email.toUpperCase())).toMatchObject({ ok: false, code: "self" })
    ok(await inviteMember(owner, ` ${member.email.toUpperCase()} `))
    const { token } = await inviteLink(member.email)
    expect(await describeInvite(token)).toEqual({ state: "open", email: member.email, ownerEmail: owner.email })
    // Owner + one open invite = 2 of 2 seats.
    const third = await createUser()
    expect(await inviteMember(owner, third.email)).toMatchObject({
      ok: false,
      code: "no_seats",
      message: "All 2 seats are taken. Add a seat or withdraw an invite first.",
    })
    await flushEmailOutbox()
    expect(await mails(MAIL, third.email)).toEqual([])
    // Inviting the same address again sends a fresh link and retires the old one, still one seat.
    ok(await inviteMember(owner, member.email))
    const fresh = await inviteLink(member.email)
    expect(fresh.token).not.toBe(token)
    expect(await describeInvite(token)).toMatchObject({ state: "revoked" })
    const view = await getTeamView(owner.id)
    expect(view.kind === "owner" && view.invites.map((i) => i.email)).toEqual([member.email])
  })

  it("only the invited address accepts, once (the link's sign-in: team-invites.test.ts)", async () => {
    const { token } = await inviteLink(member.email)
    expect(await hasEntitlement(member.id, "shared_workspaces")).toBe(false)
    const stranger = await createUser()
    expect(await acceptInvite(stranger, token)).toMatchObject({
      ok: false,
      code: "wrong_account",
      message: `This invite is for ${member.email}. Sign in with that address to accept it.`,
    })
    expect(await acceptInvite(member, "not-a-token")).toMatchObject({ ok: false, code: "not_found" })
    ok(await acceptInvite(member, token))
    ok(await acceptInvite(member, token)) // a second click on the same link is not an error
    expect(await acceptInvite(stranger, token)).toMatchObject({ ok: false, code: "used" })
    expect(await hasEntitlement(member.id, "shared_workspaces")).toBe(true)
    expect([...(await entitlementKeys(member.id))].sort()).toEqual([...(await entitlementKeys(owner.id))].sort())
    const seen = await getTeamView(member.id)
    expect(seen).toMatchObject({ kind: "member", ownerEmail: owner.email })
    expect(seen.kind === "member" && seen.members.map((m) => m.email).sort()).toEqual([owner.email, member.email].sort())
  })

  it("previews a seat change with Stripe's proration and bills exactly that", async () => {
    expect(await previewSeats(owner, 1)).toMatchObject({ ok: false, code: "invalid_input", message: "Choose between 2 and 100 seats." })
    expect(await previewSeats(owner, 2)).toMatchObject({ ok: false, code: "unchanged" })
    const previewed = await previewSeats(owner, 3)
    if (!previewed.ok) throw new Error(previewed.message)
    const { preview } = previewed
    expect(preview).toMatchObject({ currentQuantity: 2, quantity: 3, currency: "usd" })
    // The unused time on 2 seats credited, the rest of the period on 3 charged: about one seat's worth.
    expect(preview.lines).toHaveLength(2)
    expect(preview.amountDue).toBeGreaterThan(1100)
    expect(preview.amountDue).toBeLessThanOrEqual(1200)
    expect(preview.nextRenewal?.amount).toBe(3600)
    ok(await confirmSeats(owner, { quantity: 3, itemId: preview.itemId, prorationDate: preview.prorationDate, ...seen(preview) }))
    const sub = await stripe.subscriptions.retrieve(subscriptionId)
    expect(sub.items.data[0]?.quantity).toBe(3)
    const [invoice] = (await stripe.invoices.list({ subscription: subscriptionId, limit: 1 })).data
    expect(invoice).toMatchObject({ billing_reason: "subscription_update", total: preview.amountDue, status: "paid" })
    expect(await getTeamView(owner.id)).toMatchObject({ kind: "owner", seats: 3 })
    expect(
      await confirmSeats(owner, { quantity: 2, itemId: preview.itemId, prorationDate: preview.prorationDate - 3600, ...seen(preview) }),
    ).toMatchObject({
      ok: false,
      code: "stale_preview",
    })
  })

  it("a confirm with no input at all (confirmTeamSeats(null)) is a coded error, not a throw (issue 23, item 7)", async () => {
    const owner = await createUser()
    for (const input of [null, undefined, "x", 3])
      expect(await confirmSeats(owner, input as never)).toMatchObject({ ok: false, code: "invalid_input" })
  })

  it("refuses fewer seats than the people on the team, and says why", async () => {
    const third = await createUser()
    ok(await inviteMember(owner, third.email))
    expect(await previewSeats(owner, 2)).toMatchObject({
      ok: false,
      code: "below_members",
      message:
        "2 people are on your team and 1 open invite holds a seat, so it needs at least 3 seats. Withdraw invites first to go lower.",
    })
    ok(await acceptInvite(third, (await inviteLink(third.email)).token))
    expect(await previewSeats(owner, 2)).toMatchObject({
      ok: false,
      code: "below_members",
      message: "3 people are on your team, so it needs at least 3 seats. Remove members first to go lower.",
    })
    // The portal's minimum is the member count too: its configuration is a variant with minimum 3.
    const portal = await openPortal(owner, "home")
    if (!portal.ok) throw new Error(portal.message)
    const teamPrice = await planPrice(stripe, "subkit_team_monthly")
    const refused = await fetch(`${portal.url}/confirm?subscription=${subscriptionId}`, {
      method: "POST",
      body: new URLSearchParams({ price: teamPrice.id, quantity: "2" }),
    })
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain("Choose between 3 and 100 seats for this plan.")
    expect((await stripe.subscriptions.retrieve(subscriptionId)).items.data[0]?.quantity).toBe(3)
    ok(await leaveTeam(third))
    expect(await leaveTeam(owner)).toMatchObject({ ok: false, code: "not_member" })
  })

  it("withdrawn invites free their seat and their link stops working", async () => {
    const fourth = await createUser()
    ok(await inviteMember(owner, fourth.email))
    const { token } = await inviteLink(fourth.email) // sent before it was withdrawn
    const view = await getTeamView(owner.id)
    const invite = must(view.kind === "owner" ? view.invites.find((i) => i.email === fourth.email) : undefined, "the invite")
    expect(await revokeInvite(member, invite.id)).toMatchObject({ ok: false, code: "not_found" })
    ok(await revokeInvite(owner, invite.id))
    expect(await acceptInvite(fourth, token)).toMatchObject({ ok: false, code: "revoked" })
  })

  it("the owner removes a member, who loses the team's entitlements at once", async () => {
    expect(await removeMember(member, owner.id)).toMatchObject({ ok: false, code: "not_owner" })
    expect(await removeMember(owner, owner.id)).toMatchObject({ ok: false, code: "owner" })
    ok(await removeMember(owner, member.id))
    expect(await hasEntitlement(member.id, "shared_workspaces")).toBe(false)
    expect(await getTeamView(member.id)).toEqual({ kind: "none", ownTeamPlan: false })
    const { rows } = await sql().query(
      "select count(*)::int n from team_members where team_id = (select id from teams where owner_user_id = $1)",
      [owner.id],
    )
    expect(rows[0].n).toBe(1)
  })

  it("concurrent invites for the last free seat: exactly one gets it", async () => {
    // 3 seats: the owner and no other member (removed above), so 2 are free; take one, race for the other.
    const first = await createUser()
    ok(await inviteMember(owner, first.email))
    const racers = await Promise.all(Array.from({ length: 6 }, () => createUser()))
    const results = await Promise.all(racers.map((r) => inviteMember(owner, r.email)))
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? "" : r.code))).toEqual(Array(5).fill("no_seats"))
    const view = await getTeamView(owner.id)
    expect(view.kind === "owner" && view.members.length + view.invites.length).toBe(3)
    // The joined member keeps the Team features only while the owner's subscription is a Team one.
    ok(await acceptInvite(first, (await inviteLink(first.email)).token))
    expect(await hasEntitlement(first.id, "shared_workspaces")).toBe(true)
  })

  it("a downgrade to Pro is not shared, and when the subscription ends no one can join", async () => {
    const view = await getTeamView(owner.id)
    const joined = must(view.kind === "owner" ? view.members.find((m) => m.role === "member") : undefined, "a member")
    const sub = await stripe.subscriptions.retrieve(subscriptionId)
    const pro = await planPrice(stripe, "subkit_pro_monthly")
    await stripe.subscriptions.update(subscriptionId, {
      items: [{ id: must(sub.items.data[0], "the item").id, price: pro.id, quantity: 1 }],
      proration_behavior: "none",
    })
    expect((await syncUserNow(owner.id, { force: true })).status).toBe("synced")
    expect(await hasEntitlement(owner.id, "advanced_analytics")).toBe(true) // Pro has it…
    expect(await hasEntitlement(joined.userId, "advanced_analytics")).toBe(false) // …but Pro has no seats to share
    expect(await getTeamView(owner.id)).toMatchObject({ kind: "owner", subscription: null, seats: 0 })
    expect(await inviteMember(owner, (await createUser()).email)).toMatchObject({ ok: false, code: "no_team" })
    await stripe.subscriptions.cancel(subscriptionId)
    expect((await syncUserNow(owner.id, { force: true })).status).toBe("synced")
    expect(await entitlementKeys(joined.userId)).toEqual(new Set())
  })
})

describe("a discounted Team subscription", () => {
  it("previews a seat change net of the discount, and the renewal at the discounted price", async () => {
    const stripe = stripeClient()
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: "repeating", duration_in_months: 3 })
    const code = `TEAM25X${Date.now()}`
    await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code })
    const s = await subscribedUser({ plan: "team", seats: 2, promotionCode: code })
    expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    const previewed = await previewSeats(s.user, 3)
    if (!previewed.ok) throw new Error(previewed.message)
    const { preview } = previewed
    // Stripe folds the discount into prorations: about one seat's worth for the rest of the period, less 25 %.
    expect(preview.amountDue).toBeGreaterThan(825)
    expect(preview.amountDue).toBeLessThanOrEqual(900)
    // The next renewal falls inside the discount's three months: 3 × $12 less 25 %.
    expect(preview.nextRenewal?.amount).toBe(2700)
    ok(await confirmSeats(s.user, { quantity: 3, itemId: preview.itemId, prorationDate: preview.prorationDate, ...seen(preview) }))
    const [invoice] = (await stripe.invoices.list({ subscription: s.subscriptionId, limit: 1 })).data
    expect(invoice).toMatchObject({ billing_reason: "subscription_update", total: preview.amountDue, status: "paid" })
  })
})

describe("seat changes that cannot be billed as shown", () => {
  it("a declined card changes nothing and says so", async () => {
    const s = await subscribedUser({ plan: "team", seats: 2 })
    expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    const failing = await s.stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: s.customerId })
    await s.stripe.subscriptions.update(s.subscriptionId, { default_payment_method: failing.id })
    const previewed = await previewSeats(s.user, 4)
    if (!previewed.ok) throw new Error(previewed.message)
    const { preview } = previewed
    expect(
      await confirmSeats(s.user, { quantity: 4, itemId: preview.itemId, prorationDate: preview.prorationDate, ...seen(preview) }),
    ).toMatchObject({
      ok: false,
      code: "card_declined",
      message: "Your card was declined. Update your payment method and try again.",
    })
    const sub = await s.stripe.subscriptions.retrieve(s.subscriptionId)
    expect([sub.items.data[0]?.quantity, sub.status]).toEqual([2, "active"])
    expect((await s.stripe.invoices.list({ subscription: s.subscriptionId })).data.map((i) => i.billing_reason)).toEqual([
      "subscription_create",
    ])
  })

  it("a preview overtaken by another change (another tab, the portal) is not billed", async () => {
    const s = await subscribedUser({ plan: "team", seats: 2 })
    expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    const previewed = await previewSeats(s.user, 5)
    if (!previewed.ok) throw new Error(previewed.message)
    const { preview } = previewed
    // Meanwhile the seats go to 3 elsewhere: confirming the 2 → 5 preview would bill 3 → 5 instead.
    const itemId = preview.itemId
    await s.stripe.subscriptions.update(s.subscriptionId, { items: [{ id: itemId, quantity: 3 }], proration_behavior: "none" })
    await syncUserNow(s.user.id, { force: true })
    expect(await confirmSeats(s.user, { quantity: 5, itemId, prorationDate: preview.prorationDate, ...seen(preview) })).toMatchObject({
      ok: false,
      code: "stale_preview",
    })
    expect((await s.stripe.subscriptions.retrieve(s.subscriptionId)).items.data[0]?.quantity).toBe(3)
  })
})

describe("fewer paid seats than people (seats lowered at Stripe: the Dashboard, the API)", () => {
  it("members who joined last lose the Team features until seats are added, and the team page says who", async () => {
    const s = await subscribedUser({ plan: "team", seats: 3 })
    expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    expect(await getTeamView(s.user.id)).toMatchObject({ kind: "owner", seats: 3 }) // the owner's first visit makes the team
    const [first, second] = [await createUser(), await createUser()]
    for (const m of [first, second]) {
      ok(await inviteMember(s.user, m.email))
      ok(await acceptInvite(m, (await inviteLink(m.email)).token))
    }
    const features = async () => [await hasEntitlement(first.id, "shared_workspaces"), await hasEntitlement(second.id, "shared_workspaces")]
    const seated = async (userId: string) => {
      const view = await getTeamView(userId)
      return view.kind === "none" ? [] : view.members.map((m) => [m.email, m.seated])
    }
    expect(await features()).toEqual([true, true])
    const item = (await s.stripe.subscriptions.retrieve(s.subscriptionId)).items.data[0]?.id ?? ""
    const setSeats = async (quantity: number) => {
      await s.stripe.subscriptions.update(s.subscriptionId, { items: [{ id: item, quantity }], proration_behavior: "none" })
      expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    }

    await setSeats(2)
    expect(await features()).toEqual([true, false])
    expect(await seated(s.user.id)).toEqual([
      [s.user.email, true],
      [first.email, true],
      [second.email, false],
    ])
    expect(await seated(second.id)).toContainEqual([second.email, false])
    await setSeats(3)
    expect(await features()).toEqual([true, true])
    expect((await seated(s.user.id)).every(([, has]) => has)).toBe(true)
  })
})

describe("seat previews are limited per owner (three Stripe calls each)", () => {
  it("the 21st in a minute is refused with when to try again; other owners and the next minute are not affected", async () => {
    const { hit, pruneRateLimits } = await import("@/lib/rate-limit")
    const { SEAT_PREVIEWS } = await import("@/lib/billing/team/change-seats")
    const s = await subscribedUser({ plan: "team", seats: 2 })
    expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
    // Counting happens in one minute-long window: start early in one (at most a 15 s wait).
    const into = Date.now() % 60_000
    if (into > 45_000) await new Promise((r) => setTimeout(r, 60_000 - into + 50))
    for (let i = 1; i < SEAT_PREVIEWS.max; i++) expect(await hit(SEAT_PREVIEWS, s.user.id)).toEqual({ ok: true })
    expect((await previewSeats(s.user, 3)).ok).toBe(true) // the 20th
    expect(await previewSeats(s.user, 3)).toMatchObject({
      ok: false,
      code: "rate_limited",
      message: expect.stringMatching(/^Too many price previews\. Try again in \d+ seconds\.$/),
    })
    expect((await hit(SEAT_PREVIEWS, "someone-else")).ok).toBe(true)
    const nextMinute = new Date((Math.floor(Date.now() / 60_000) + 1) * 60_000 + 1)
    expect(await hit(SEAT_PREVIEWS, s.user.id, nextMinute)).toEqual({ ok: true })
    // Windows a day old are pruned by the cron; current ones are kept.
    await pruneRateLimits(new Date(Date.now() + 2 * 86_400_000))
    expect(
      (await sql().query("select count(*)::int as n from rate_limits where key like $1", [`seat_preview:${s.user.id}`])).rows[0]?.n,
    ).toBe(0)
  })
})

// Team invites at their edges. The invite email is the app's own (issue 23, item 10): queued in the
// email outbox with the invite, sent over SMTP by the outbox's sender into the auth emulator's dev
// mailbox, and read from there as a person would; it names the inviter and the team, and its link signs
// the invitee in (only on Join, never over someone else signed in) and joins. Also: expired, withdrawn
// and replaced invites, an existing member invited again, a refused send retried, one person accepting
// two teams at once, a paused or unpaid Team subscription, an email changed since sign-in, a link with
// its token twice, and the per-team hourly invite limit.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import type { Mail } from "@subkit/supabase-auth-emulator/mailbox"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { adminClient, client, mails, startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"
import { createUser, sql } from "../support/helpers"
import { must } from "../support/must"
import { jar } from "../support/cookie-jar"

// The actions read the session from next/headers' cookies: a cookie jar stands in for the browser's.
vi.mock("next/headers", () => import("../support/cookie-jar"))
const sessionCookies = () => [...jar.keys()].filter((k) => k.includes("auth-token"))

// lib/env is read once, when the database client loads: name Auth and its SMTP sink before any app module loads.
const auth: Emulator = await startTestAuth()
// The app's own emails (invites) go to the shared SMTP sink (tests/support/integration-env.ts).
const MAIL = inject("mailUrl")
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { subscribedUser } = await import("../support/billing")
const { inviteMember, acceptInvite, describeInvite, revokeInvite, INVITES_PER_HOUR } = await import("@/lib/billing/team/invites")
const { previewSeats } = await import("@/lib/billing/team/change-seats")
const { getTeamView } = await import("@/lib/billing/team/view")
const { syncUserNow } = await import("@/lib/billing/sync/eager")
const { joinTeamWithLink, acceptTeamInvite } = await import("@/lib/actions/team")
const { flushEmailOutbox } = await import("@/lib/billing/email/outbox")
const { getCurrentUser } = await import("@/lib/auth/current-user")
const { createClient } = await import("@/lib/supabase/server")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

const ok = (r: { ok: boolean; message?: string }) => expect(r, r.ok ? "" : (r as { message: string }).message).toMatchObject({ ok: true })
const JOINED = { digest: expect.stringContaining("/team?joined=1") }

/** Sends what the outbox has due (as the drain/cron does) and returns the newest invite email to `email`. */
async function inviteMail(email: string): Promise<Mail> {
  await flushEmailOutbox()
  const mail = (await mails(MAIL, email)).find((m) => m.headers["x-subkit-email"] === "team_invite")
  return must(mail, `an invite email to ${email}`)
}

/** The invite email's link and the secret in the /invite?token=… it opens. */
async function inviteLink(email: string) {
  const link = must((await inviteMail(email)).link, "the email's link")
  return { link, token: must(new URL(link).searchParams.get("token"), "the invite token") }
}

/** A session of someone's own account, as signing up gives it. */
async function ownSession(email = uniqueEmail("own")) {
  const { data, error } = await client(auth.url).auth.signUp({ email, password: "correct horse battery staple" })
  if (error) throw error
  const session = must(data.session, "a session")
  return { email, access_token: session.access_token, refresh_token: session.refresh_token }
}

async function signInJar(s: { access_token: string; refresh_token: string }) {
  const supabase = await createClient()
  expect((await supabase.auth.setSession(s)).error).toBeNull()
}

const isMember = async (userEmail: string, ownerId: string) =>
  (
    await sql().query(
      "select 1 from team_members m join teams t on t.id = m.team_id join users u on u.id = m.user_id where t.owner_user_id = $1 and lower(u.email) = $2",
      [ownerId, userEmail],
    )
  ).rows.length === 1

async function teamOwner(seats: number) {
  const s = await subscribedUser({ plan: "team", seats })
  expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
  await getTeamView(s.user.id) // makes the team
  return s
}

describe("the invite email", () => {
  let owner: { id: string; email: string }
  beforeAll(async () => {
    owner = (await teamOwner(8)).user
  })

  it("is the app's own, through the outbox: it names the inviter and the team, and Join on its link signs a new invitee in and joins", async () => {
    jar.clear()
    const invitee = uniqueEmail("new-invitee")
    ok(await inviteMember(owner, invitee))
    // Queued with the invite, not sent on the request: nothing in the mailbox yet, and nothing from Supabase.
    const { rows } = await sql().query("select template, status, user_id, to_email from email_outbox where to_email = $1", [invitee])
    expect(rows).toEqual([{ template: "team_invite", status: "pending", user_id: owner.id, to_email: invitee }])
    expect(await mails(MAIL, invitee)).toEqual([])
    expect(await mails(auth.url, invitee)).toEqual([])

    const mail = await inviteMail(invitee)
    expect(mail.kind).toBe("smtp")
    expect(mail.subject).toBe(`${owner.email} invited you to join ${owner.email}'s team on subkit`)
    expect(mail.text).toContain(`${owner.email} invited you (${invitee}) to join ${owner.email}'s team on subkit`)
    expect(mail.html).toContain(`Join ${owner.email}&#x27;s team`)
    expect(await mails(auth.url, invitee)).toEqual([]) // no Magic Link email from Supabase Auth
    const { link, token } = await inviteLink(invitee)
    expect(link.startsWith(`${process.env.NEXT_PUBLIC_APP_URL ?? "http://localhost:3000"}/invite?token=`)).toBe(true)

    // Opening the link signs no one in (the page only describes it); Join does, and joins.
    expect(await describeInvite(token)).toMatchObject({ state: "open", email: invitee, ownerEmail: owner.email })
    expect(sessionCookies()).toEqual([])
    await expect(joinTeamWithLink(token)).rejects.toMatchObject(JOINED)
    expect((await getCurrentUser())?.email).toBe(invitee)
    expect(await isMember(invitee, owner.id)).toBe(true)
    // Used: the link signs no one in any more.
    jar.clear()
    expect(await joinTeamWithLink(token)).toMatchObject({ ok: false, code: "invite_closed" })
    expect(sessionCookies()).toEqual([])
  })

  it("signs in an invitee who already has an account (with a password) as that account", async () => {
    jar.clear()
    const existing = await ownSession(uniqueEmail("has-account"))
    const { data } = await client(auth.url).auth.signInWithPassword({ email: existing.email, password: "correct horse battery staple" })
    const id = must(data.user?.id, "the account")
    ok(await inviteMember(owner, existing.email))
    await expect(joinTeamWithLink((await inviteLink(existing.email)).token)).rejects.toMatchObject(JOINED)
    expect(await getCurrentUser()).toMatchObject({ id, email: existing.email })
  })

  it("never replaces someone else's session; someone signed in with the invited address just joins", async () => {
    jar.clear()
    const victim = await ownSession(uniqueEmail("victim"))
    await signInJar(victim)
    const other = uniqueEmail("other")
    ok(await inviteMember(owner, other))
    expect(await joinTeamWithLink((await inviteLink(other)).token)).toMatchObject({
      ok: false,
      code: "signed_in",
      message: `You're signed in as ${victim.email}. Sign out first to accept an invite for ${other}.`,
    })
    expect((await getCurrentUser())?.email).toBe(victim.email)
    expect(await isMember(other, owner.id)).toBe(false)
    ok(await inviteMember(owner, victim.email))
    await expect(joinTeamWithLink((await inviteLink(victim.email)).token)).rejects.toMatchObject(JOINED)
    expect((await getCurrentUser())?.email).toBe(victim.email)
    expect(await isMember(victim.email, owner.id)).toBe(true)
  })

  it("a made-up, withdrawn, replaced or expired invite says so and signs no one in", async () => {
    jar.clear()
    expect(await joinTeamWithLink("made-up-token")).toMatchObject({ ok: false, code: "invalid_link" })
    expect(await joinTeamWithLink(["a"] as never)).toMatchObject({ ok: false, code: "invalid_link" })

    const withdrawn = uniqueEmail("withdrawn")
    ok(await inviteMember(owner, withdrawn))
    const { token: withdrawnToken } = await inviteLink(withdrawn)
    const view = await getTeamView(owner.id)
    ok(await revokeInvite(owner, must(view.kind === "owner" ? view.invites.find((i) => i.email === withdrawn) : undefined, "invite").id))
    expect(await joinTeamWithLink(withdrawnToken)).toMatchObject({
      ok: false,
      code: "invite_closed",
      message: "This invite was withdrawn, so its link no longer signs you in. Ask the team owner for a new one.",
    })

    // A re-send replaces the first link; the first email's link says so. An unsent email of a replaced
    // or withdrawn invite is not sent at all.
    const resent = uniqueEmail("resent")
    ok(await inviteMember(owner, resent))
    const first = (await inviteLink(resent)).token
    ok(await inviteMember(owner, resent))
    ok(await inviteMember(owner, resent))
    await flushEmailOutbox()
    const sent = (await mails(MAIL, resent)).filter((m) => m.headers["x-subkit-email"] === "team_invite")
    expect(sent).toHaveLength(2) // the first, and the last re-send; the middle one was replaced before it went
    const statuses = await sql().query<{ status: string }>("select status from email_outbox where to_email = $1 order by id", [resent])
    expect(statuses.rows.map((r) => r.status)).toEqual(["sent", "skipped", "sent"])
    expect(await joinTeamWithLink(first)).toMatchObject({ ok: false, code: "invite_closed" })
    const unsent = uniqueEmail("withdrawn-unsent")
    ok(await inviteMember(owner, unsent))
    const after = await getTeamView(owner.id)
    ok(await revokeInvite(owner, must(after.kind === "owner" ? after.invites.find((i) => i.email === unsent) : undefined, "invite").id))
    await flushEmailOutbox()
    expect(await mails(MAIL, unsent)).toEqual([])

    const expired = uniqueEmail("expired")
    ok(await inviteMember(owner, expired))
    const { token: expiredToken } = await inviteLink(expired)
    await sql().query("update team_invites set expires_at = now() - interval '1 minute' where email = $1", [expired])
    expect(await describeInvite(expiredToken)).toMatchObject({ state: "expired" })
    expect(await joinTeamWithLink(expiredToken)).toMatchObject({
      ok: false,
      code: "invite_closed",
      message: "This invite has expired, so its link no longer signs you in. Ask the team owner for a new one.",
    })
    expect(sessionCookies()).toEqual([])
    // Nobody was signed up by a closed link.
    const admin = await adminClient(auth.url)
    const listed = (await admin.auth.admin.listUsers({ perPage: 1000 })).data.users.map((u) => u.email)
    for (const address of [withdrawn, expired]) expect(listed).not.toContain(address)
  })

  it("an existing member invited again, or the owner, is told so and no email is queued", async () => {
    const { user: owner2 } = await teamOwner(3)
    const member = uniqueEmail("member")
    ok(await inviteMember(owner2, member))
    jar.clear()
    await expect(joinTeamWithLink((await inviteLink(member)).token)).rejects.toMatchObject(JOINED)
    expect(await inviteMember(owner2, member.toUpperCase())).toMatchObject({
      ok: false,
      code: "already_member",
      message: `${member} is already on your team.`,
    })
    expect(await inviteMember(owner2, owner2.email)).toMatchObject({ ok: false, code: "self" })
    const queued = await sql().query("select count(*)::int n from email_outbox where to_email = any($1)", [[member, owner2.email]])
    expect(queued.rows[0]).toEqual({ n: 1 })
  })

  it("an email the mail server refuses stays queued and is retried; the invite stays open meanwhile", async () => {
    // The SMTP sink refuses the reserved .invalid TLD with 550.
    const { user: owner3 } = await teamOwner(2)
    const invitee = `invitee-${Date.now()}@mailbox.invalid`
    ok(await inviteMember(owner3, invitee))
    const report = await flushEmailOutbox()
    expect(report.failed).toBeGreaterThanOrEqual(1)
    const { rows } = await sql().query<{ status: string; attempts: number; last_error: string }>(
      "select status, attempts, last_error from email_outbox where to_email = $1",
      [invitee],
    )
    expect(rows[0]).toMatchObject({ status: "pending", attempts: 1 })
    const view = await getTeamView(owner3.id)
    expect(view.kind === "owner" && view.invites.map((i) => i.email)).toEqual([invitee])
  })
})

describe("invites", () => {
  it("one person accepting invites from two teams at once joins one and is told why not the other", async () => {
    const [a, b] = await Promise.all([teamOwner(6), teamOwner(6)])
    for (let round = 0; round < 3; round++) {
      const person = await createUser(uniqueEmail(`both-${round}`))
      ok(await inviteMember(a.user, person.email))
      const tokenA = (await inviteLink(person.email)).token
      ok(await inviteMember(b.user, person.email))
      const tokenB = (await inviteLink(person.email)).token
      const results = await Promise.allSettled([acceptInvite(person, tokenA), acceptInvite(person, tokenB)])
      const values = results.map((r) => (r.status === "fulfilled" ? r.value : { ok: false, code: "threw", message: String(r.reason) }))
      expect(values.filter((v) => v.ok)).toHaveLength(1)
      expect(values.find((v) => !v.ok)).toMatchObject({
        ok: false,
        code: "already_on_team",
        message: "You're already on a team. Leave it before joining another.",
      })
      await sql().query("delete from team_members where user_id = $1", [person.id])
    }
  })

  it("a paused or unpaid Team subscription takes no invites, joins or seat changes", async () => {
    const s = await teamOwner(3)
    const invitee = await createUser(uniqueEmail("paused"))
    ok(await inviteMember(s.user, invitee.email))
    const { token } = await inviteLink(invitee.email)
    for (const status of ["paused", "unpaid"] as const) {
      // Stripe's own status change is tested in packages/stripe-emulator/test/trials.test.ts; here the row says it.
      await sql().query("update user_subscriptions set status = $2 where stripe_subscription_id = $1", [s.subscriptionId, status])
      const why =
        status === "paused"
          ? "Your Team subscription is paused, so you can't invite anyone until it resumes."
          : "Your Team subscription is unpaid, so you can't invite anyone until its invoice is paid."
      expect(await inviteMember(s.user, uniqueEmail("more"))).toMatchObject({ ok: false, code: "team_inactive", message: why })
      expect(await acceptInvite(invitee, token)).toMatchObject({
        ok: false,
        code: "team_inactive",
        message: "This team's subscription isn't active, so no one can join right now.",
      })
      expect(await previewSeats(s.user, 4)).toMatchObject({
        ok: false,
        code: "team_inactive",
        message:
          status === "paused"
            ? "Your Team subscription is paused, so you can't change seats until it resumes."
            : "Your Team subscription is unpaid, so you can't change seats until its invoice is paid.",
      })
    }
    await sql().query("update user_subscriptions set status = 'active' where stripe_subscription_id = $1", [s.subscriptionId])
    ok(await acceptInvite(invitee, token))
  })

  it("accepting checks the address the account has now, not the one in the session's token", async () => {
    jar.clear()
    const { user: owner } = await teamOwner(3)
    const before = uniqueEmail("before")
    await signInJar(await ownSession(before))
    ok(await inviteMember(owner, before))
    const first = await inviteLink(before)
    const me = must(await getCurrentUser(), "signed in")
    // The address changes (confirmed elsewhere, or by an admin); this session's token still names the old one.
    const after = uniqueEmail("after")
    const admin = await adminClient(auth.url)
    expect((await admin.auth.admin.updateUserById(me.id, { email: after, email_confirm: true })).error).toBeNull()
    expect((await getCurrentUser())?.email).toBe(before)
    expect(await acceptTeamInvite(first.token)).toMatchObject({
      ok: false,
      code: "wrong_account",
      message: `This invite is for ${before}. Sign in with that address to accept it.`,
    })
    ok(await inviteMember(owner, after))
    // Accepted: the action goes on to the team page.
    await expect(acceptTeamInvite((await inviteLink(after)).token)).rejects.toMatchObject({
      digest: expect.stringContaining("/team?joined=1"),
    })
  })

  it("a link with the token twice is read with the first", async () => {
    const { user: owner } = await teamOwner(2)
    const invitee = uniqueEmail("twice")
    ok(await inviteMember(owner, invitee))
    const { token } = await inviteLink(invitee)
    expect(await describeInvite([token, "other"] as never)).toMatchObject({ state: "open", email: invitee })
    expect(await describeInvite(["other", token] as never)).toBeNull()
  })

  it("an owner sends at most 10 invites an hour, re-sends included", async () => {
    const { user: owner } = await teamOwner(20)
    const first = uniqueEmail("hourly")
    ok(await inviteMember(owner, first))
    ok(await inviteMember(owner, first)) // a re-send counts
    for (let i = 0; i < 8; i++) ok(await inviteMember(owner, uniqueEmail(`hourly-${i}`)))
    const refused = await inviteMember(owner, uniqueEmail("eleventh"))
    expect(refused).toMatchObject({
      ok: false,
      code: "invite_limit",
      message: `You've sent ${INVITES_PER_HOUR} invites in the last hour, the most we allow. You can send another in 60 minutes.`,
    })
    // An hour after the first, one more may go.
    await sql().query(
      "update team_invites set created_at = created_at - interval '59 minutes' where id = (select id from team_invites where team_id = (select id from teams where owner_user_id = $1) order by created_at limit 1)",
      [owner.id],
    )
    expect(await inviteMember(owner, uniqueEmail("eleventh"))).toMatchObject({
      ok: false,
      message: expect.stringContaining("You can send another in 1 minute."),
    })
    await sql().query(
      "update team_invites set created_at = created_at - interval '2 minutes' where id = (select id from team_invites where team_id = (select id from teams where owner_user_id = $1) order by created_at limit 1)",
      [owner.id],
    )
    ok(await inviteMember(owner, uniqueEmail("eleventh")))
  })
})

// Team invites at their edges: the session an invite link carries (adopted only for that invite's own
// address, never over someone already signed in), a re-send whose email fails, one person accepting
// two teams at once, a paused or unpaid Team subscription, an email changed since sign-in, a link with
// its token twice, and the per-team hourly invite limit.
import http from "node:http"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { adminClient, client, follow, mails, startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"
import { createUser, sql } from "../support/helpers"
import { must } from "../support/must"
import { jar } from "../support/cookie-jar"

// The actions read the session from next/headers' cookies: a cookie jar stands in for the browser's.
vi.mock("next/headers", () => import("../support/cookie-jar"))
const sessionCookies = () => [...jar.keys()].filter((k) => k.includes("auth-token"))

// The app talks to Auth through this proxy, which can answer the magic-link endpoint as Supabase does
// when its email quota is spent (429), to test an invite whose email is not sent.
const auth: Emulator = await startTestAuth()
let refuseMail = false
const proxy = http.createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    if (refuseMail && req.url?.includes("/otp")) {
      res.writeHead(429, { "content-type": "application/json", "x-sb-error-code": "over_email_send_rate_limit" })
      return res.end(JSON.stringify({ code: "over_email_send_rate_limit", message: "email rate limit exceeded" }))
    }
    const headers = new Headers()
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === "string" && !["host", "connection", "content-length"].includes(k)) headers.set(k, v)
    const body = Buffer.concat(chunks)
    fetch(`${auth.url}${req.url}`, { method: req.method, headers, body: body.length ? body : undefined, redirect: "manual" })
      .then(async (r) => {
        const out: Record<string, string> = {}
        r.headers.forEach((v, k) => {
          if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(k)) out[k] = v
        })
        res.writeHead(r.status, out)
        res.end(Buffer.from(await r.arrayBuffer()))
      })
      .catch((err: Error) => {
        res.writeHead(502)
        res.end(err.message)
      })
  })
})
await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve))
// lib/env is read once, when the database client loads: name Auth before any app module loads.
process.env.NEXT_PUBLIC_SUPABASE_URL = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { subscribedUser } = await import("../support/billing")
const { inviteMember, acceptInvite, describeInvite, revokeInvite, INVITES_PER_HOUR } = await import("@/lib/billing/team/invites")
const { previewSeats } = await import("@/lib/billing/team/change-seats")
const { getTeamView } = await import("@/lib/billing/team/view")
const { syncUserNow } = await import("@/lib/billing/sync/eager")
const { adoptLinkSession, acceptTeamInvite } = await import("@/lib/actions/team")
const { getCurrentUser } = await import("@/lib/auth/current-user")
const { createClient } = await import("@/lib/supabase/server")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await new Promise((r) => proxy.close(r))
  await auth.stop()
})

const ok = (r: { ok: boolean; message?: string }) => expect(r, r.ok ? "" : (r as { message: string }).message).toMatchObject({ ok: true })

/** The newest invite mail to `email`: its link and the secret in the /invite?token=… it lands on. */
async function inviteLink(email: string) {
  const mail = must((await mails(auth.url, email))[0], `a mail to ${email}`)
  const link = must(mail.link, "the mail's link")
  const redirect = new URL(must(new URL(link).searchParams.get("redirect_to"), "redirect_to"))
  return { link, token: must(redirect.searchParams.get("token"), "the invite token") }
}

/** Follows the newest invite link to `email` as the invitee's browser: the session in the fragment. */
async function linkSession(email: string) {
  const { link, token } = await inviteLink(email)
  const { fragment } = await follow(link)
  return {
    token,
    access_token: must(fragment.get("access_token"), "access_token"),
    refresh_token: must(fragment.get("refresh_token"), "refresh_token"),
  }
}

/** A session of someone's own account (an attacker's, say), as signing up gives it. */
async function ownSession(email = uniqueEmail("own")) {
  const { data, error } = await client(auth.url).auth.signUp({ email, password: "correct horse battery staple" })
  if (error) throw error
  const session = must(data.session, "a session")
  return { email, access_token: session.access_token, refresh_token: session.refresh_token }
}

async function teamOwner(seats: number) {
  const s = await subscribedUser({ plan: "team", seats })
  expect((await syncUserNow(s.user.id, { force: true })).status).toBe("synced")
  await getTeamView(s.user.id) // makes the team
  return s
}

describe("the session an invite link carries", () => {
  let owner: { id: string; email: string }
  beforeAll(async () => {
    owner = (await teamOwner(6)).user
  })

  it("becomes the browser's session only with its own open invite, for the invited address", async () => {
    jar.clear()
    const invitee = uniqueEmail("invitee")
    ok(await inviteMember(owner, invitee))
    const genuine = await linkSession(invitee)
    const attacker = await ownSession()
    const attackerTokens = { access_token: attacker.access_token, refresh_token: attacker.refresh_token }
    // The attacker's own tokens, with no invite or with the victim's: refused, no session written.
    expect(await adoptLinkSession({ token: "", ...attackerTokens })).toMatchObject({ ok: false })
    expect(await adoptLinkSession(attackerTokens as never)).toMatchObject({ ok: false })
    expect(await adoptLinkSession({ token: "made-up-token", ...attackerTokens })).toMatchObject({ ok: false, code: "invalid_link" })
    expect(await adoptLinkSession({ token: genuine.token, ...attackerTokens })).toMatchObject({
      ok: false,
      code: "wrong_account",
      message: `This sign-in link is not for ${invitee}. Ask the team owner for a new invite.`,
    })
    expect(sessionCookies()).toEqual([])
    expect(await getCurrentUser()).toBeNull()
    // A forged access token is refused by Auth.
    expect(await adoptLinkSession({ ...genuine, access_token: `${genuine.access_token.slice(0, -4)}AAAA` })).toMatchObject({
      ok: false,
      code: "invalid_link",
    })
    expect(sessionCookies()).toEqual([])
    // The invitee's own link signs them in.
    ok(await adoptLinkSession(genuine))
    expect((await getCurrentUser())?.email).toBe(invitee)
  })

  it("does not replace the session of someone already signed in as another user", async () => {
    jar.clear()
    const victim = await ownSession(uniqueEmail("victim"))
    const supabase = await createClient()
    expect((await supabase.auth.setSession({ access_token: victim.access_token, refresh_token: victim.refresh_token })).error).toBeNull()
    expect((await getCurrentUser())?.email).toBe(victim.email)
    const other = uniqueEmail("other")
    ok(await inviteMember(owner, other))
    const link = await linkSession(other)
    expect(await adoptLinkSession(link)).toMatchObject({
      ok: false,
      code: "signed_in",
      message: `You're signed in as ${victim.email}. Sign out first to accept an invite for ${other}.`,
    })
    expect((await getCurrentUser())?.email).toBe(victim.email)
    // Someone signed in who follows their own invite link stays signed in as themselves.
    ok(await inviteMember(owner, victim.email))
    ok(await adoptLinkSession(await linkSession(victim.email)))
    expect((await getCurrentUser())?.email).toBe(victim.email)
  })

  it("is refused once the invite is withdrawn", async () => {
    jar.clear()
    const invitee = uniqueEmail("withdrawn")
    ok(await inviteMember(owner, invitee))
    const link = await linkSession(invitee)
    const view = await getTeamView(owner.id)
    const invite = must(view.kind === "owner" ? view.invites.find((i) => i.email === invitee) : undefined, "the invite")
    ok(await revokeInvite(owner, invite.id))
    expect(await adoptLinkSession(link)).toMatchObject({ ok: false, code: "invite_closed" })
    expect(sessionCookies()).toEqual([])
  })
})

describe("invites", () => {
  it("a re-send whose email is not sent leaves the first invite open", async () => {
    const { user: owner } = await teamOwner(3)
    const invitee = uniqueEmail("resend")
    ok(await inviteMember(owner, invitee))
    const { token } = await inviteLink(invitee)
    refuseMail = true
    try {
      expect(await inviteMember(owner, invitee)).toMatchObject({ ok: false, code: "email_rate_limited" })
    } finally {
      refuseMail = false
    }
    // The link already in the invitee's mailbox still works, and still holds its one seat.
    expect(await describeInvite(token)).toMatchObject({ state: "open", email: invitee })
    const view = await getTeamView(owner.id)
    expect(view.kind === "owner" && view.invites.map((i) => i.email)).toEqual([invitee])
    // A failed first invite leaves nothing behind.
    const second = uniqueEmail("unsent")
    refuseMail = true
    try {
      expect(await inviteMember(owner, second)).toMatchObject({ ok: false, code: "email_rate_limited" })
    } finally {
      refuseMail = false
    }
    const after = await getTeamView(owner.id)
    expect(after.kind === "owner" && after.invites.map((i) => i.email)).toEqual([invitee])
  })

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
    ok(await inviteMember(owner, before))
    const first = await linkSession(before)
    ok(await adoptLinkSession(first))
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

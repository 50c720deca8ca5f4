// Login CSRF on /auth/confirm (issue 23, item 1): a token_hash link never replaces the browser's session
// on GET; the page names the account the link is for, and only the explicit POST (the form's button,
// a server action) verifies the token and signs in, and only as the account the page named.
import { afterAll, describe, expect, it, vi } from "vitest"
import { NextRequest } from "next/server"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { client, lastLink, startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"
import { must } from "../support/must"
import { jar } from "../support/cookie-jar"

// The actions read the session from next/headers' cookies: a cookie jar stands in for the browser's.
vi.mock("next/headers", () => import("../support/cookie-jar"))

const auth: Emulator = await startTestAuth()
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { GET } = await import("@/app/auth/confirm/route")
const { confirmEmailLink } = await import("@/lib/actions/confirm-link")
const { getCurrentUser } = await import("@/lib/auth/current-user")
const { createClient } = await import("@/lib/supabase/server")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

async function account(tag: string) {
  const email = uniqueEmail(tag)
  const { data, error } = await client(auth.url).auth.signUp({ email, password: "correct horse battery staple" })
  if (error) throw error
  return { email, session: must(data.session, "a session") }
}

/** A recovery link's token hash, as the hosted token_hash template would put it in the link. */
async function recoveryHash(email: string) {
  await client(auth.url).auth.resetPasswordForEmail(email, { redirectTo: "http://localhost:3999/auth/confirm" })
  return must(new URL(await lastLink(auth.url, email, "recovery")).searchParams.get("token"), "token")
}

async function signInAs(s: { access_token: string; refresh_token: string }) {
  jar.clear()
  const { error } = await (await createClient()).auth.setSession(s)
  expect(error).toBeNull()
}

/** Runs a server action that ends in redirect(): the path it redirected to. */
async function redirected(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
  } catch (err) {
    const digest = (err as { digest?: string }).digest ?? ""
    if (digest.startsWith("NEXT_REDIRECT")) return digest.split(";")[2] ?? ""
    throw err
  }
  throw new Error("no redirect")
}

const form = (fields: Record<string, string>) => {
  const f = new FormData()
  for (const [k, v] of Object.entries(fields)) f.set(k, v)
  return f
}

describe("/auth/confirm with a token_hash", () => {
  it("GET leaves the signed-in session alone and sends the browser to the page that names the link's account", async () => {
    const victim = await account("victim")
    const attacker = await account("attacker")
    await signInAs(victim.session)
    const hash = await recoveryHash(attacker.email)
    const res = await GET(
      new NextRequest(
        `http://localhost:3999/auth/confirm?token_hash=${hash}&type=recovery&next=/auth/reset-password&email=${attacker.email}`,
      ),
    )
    expect((await getCurrentUser())?.email).toBe(victim.email)
    const location = new URL(must(res.headers.get("location"), "location"))
    expect(location.pathname).toBe("/auth/confirm/link")
    expect(location.searchParams.get("token_hash")).toBe(hash)
    expect(location.searchParams.get("email")).toBe(attacker.email)
    // The token was not spent by the GET: the explicit POST still works, as the named account.
    expect(
      await redirected(() =>
        confirmEmailLink(null, form({ token_hash: hash, type: "recovery", next: "/auth/reset-password", email: attacker.email })),
      ),
    ).toBe("/auth/reset-password")
    expect((await getCurrentUser())?.email).toBe(attacker.email)
  })

  it("POST refuses a link whose account is not the one the page named, and keeps the session", async () => {
    const victim = await account("victim2")
    const attacker = await account("attacker2")
    await signInAs(victim.session)
    const hash = await recoveryHash(attacker.email)
    // The attacker put the victim's address in the link, so the page would have named the victim.
    expect(
      await confirmEmailLink(null, form({ token_hash: hash, type: "recovery", next: "/dashboard", email: victim.email })),
    ).toMatchObject({
      ok: false,
      code: "link_mismatch",
    })
    expect((await getCurrentUser())?.email).toBe(victim.email)
  })

  it("POST parses its fields: a bad type or a missing hash is a coded error, never a throw", async () => {
    expect(await confirmEmailLink(null, form({ token_hash: "", type: "recovery" }))).toMatchObject({ ok: false, code: "invalid_link" })
    expect(await confirmEmailLink(null, form({ token_hash: "x", type: "nope" }))).toMatchObject({ ok: false, code: "invalid_link" })
  })

  it("GET with a repeated parameter does not crash", async () => {
    const res = await GET(new NextRequest("http://localhost:3999/auth/confirm?token_hash=a&token_hash=b&type=recovery&next=/a&next=/b"))
    expect(res.status).toBeLessThan(400)
  })
})

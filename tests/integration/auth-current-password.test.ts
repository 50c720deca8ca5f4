// Password and email changes from the account page ask for the current password (issue 23, item 7): a
// session left open in a shared browser cannot change either. Checked by a password sign-in on a client
// that keeps no session; a reset link's page (resetPassword) does not ask.
import { afterAll, describe, expect, it, vi } from "vitest"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { client, mails, startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"
import { jar } from "../support/cookie-jar"

vi.mock("next/headers", () => import("../support/cookie-jar"))

const auth: Emulator = await startTestAuth()
process.env.NEXT_PUBLIC_SUPABASE_URL = auth.url
process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY = await apiKey(LOCAL_JWT_SECRET, "anon")
const { signIn, changePassword, changeEmail } = await import("@/lib/actions/auth")
const { pool } = await import("@/lib/db/client")

afterAll(async () => {
  await pool.end()
  await auth.stop()
})

const form = (fields: Record<string, string>) => {
  const f = new FormData()
  for (const [k, v] of Object.entries(fields)) f.set(k, v)
  return f
}
const PASSWORD = "correct horse battery staple"

async function signedIn() {
  jar.clear()
  const email = uniqueEmail("reauth")
  expect((await client(auth.url).auth.signUp({ email, password: PASSWORD })).error).toBeNull()
  // The action redirects on success (Next's redirect throws); the session is in the jar by then.
  await signIn(null, form({ email, password: PASSWORD })).catch((e: unknown) => {
    if (!String((e as Error).message).includes("NEXT_REDIRECT")) throw e
  })
  expect(jar.size).toBeGreaterThan(0)
  return email
}

describe("the current password before a change", () => {
  it("password: missing or wrong is refused and nothing changes; the right one changes it", async () => {
    const email = await signedIn()
    const next = { password: "a-brand-new-secret", confirm: "a-brand-new-secret" }
    expect(await changePassword(null, form(next))).toMatchObject({ ok: false, fieldErrors: { current_password: expect.any(String) } })
    expect(await changePassword(null, form({ ...next, current_password: "not-it" }))).toMatchObject({
      ok: false,
      code: "wrong_current_password",
    })
    expect((await client(auth.url).auth.signInWithPassword({ email, password: PASSWORD })).error).toBeNull()
    expect(await changePassword(null, form({ ...next, current_password: PASSWORD }))).toMatchObject({ ok: true })
    expect((await client(auth.url).auth.signInWithPassword({ email, password: "a-brand-new-secret" })).error).toBeNull()
  })

  it("email: a wrong current password sends no link; the right one does", async () => {
    await signedIn()
    const target = uniqueEmail("moved")
    expect(await changeEmail(null, form({ email: target, current_password: "not-it" }))).toMatchObject({
      ok: false,
      code: "wrong_current_password",
    })
    expect(await mails(auth.url, target)).toEqual([])
    expect(await changeEmail(null, form({ email: target, current_password: PASSWORD }))).toMatchObject({ ok: true, email: target })
    expect((await mails(auth.url, target)).map((m) => m.kind)).toContain("email_change")
  })
})

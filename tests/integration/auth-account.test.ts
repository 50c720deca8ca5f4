// Password recovery and account changes through supabase-js against the auth emulator, with the
// links taken from its dev mailbox. Ported auth-js tests are marked "auth-js:".
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sql } from "../support/helpers"
import { client, follow, lastLink, mails, startTestAuth, uniqueEmail, type Emulator } from "../support/auth-emulator"

let auth: Emulator
beforeAll(async () => {
  auth = await startTestAuth()
})
afterAll(() => auth.stop())

async function signedIn(tag: string, password = "first-password") {
  const sb = client(auth.url, { persist: true })
  const email = uniqueEmail(tag)
  const { error } = await sb.auth.signUp({ email, password })
  expect(error).toBeNull()
  return { sb, email, password }
}

describe("password recovery", () => {
  it("auth-js: resetPasswordForEmail() sends an email for password recovery", async () => {
    const { sb, email } = await signedIn("reset")
    const { error, data } = await sb.auth.resetPasswordForEmail(email, { redirectTo: "http://localhost:9999/welcome" })
    expect(data).toBeTruthy()
    expect(error?.message).toBeUndefined()
    const [mail] = await mails(auth.url, email)
    expect(mail).toMatchObject({ to: email, kind: "recovery", subject: "Reset Your Password" })
    expect(mail?.link).toContain("type=recovery")
    // As GoTrue's encodeRedirectURL: a redirect without &, = or # goes into the link as it is.
    expect(mail?.link).toContain("&redirect_to=http://localhost:9999/welcome")
  })

  it("auth-js: resetPasswordForEmail() if user does not exist, user details are not exposed", async () => {
    const { data, error } = await client(auth.url).auth.resetPasswordForEmail("this_user@does-not-exist.com", {
      redirectTo: "http://localhost:9999/welcome",
      captchaToken: "some_token",
    })
    expect(data).toEqual({})
    expect(error).toBeNull()
    expect(await mails(auth.url, "this_user@does-not-exist.com")).toEqual([])
  })

  it("implicit flow: the link signs in with type=recovery, a new password works and the old one does not", async () => {
    const { email } = await signedIn("reset-implicit")
    const anon = client(auth.url, { persist: true })
    await anon.auth.resetPasswordForEmail(email, { redirectTo: "http://localhost:9999/reset" })
    const { target, fragment } = await follow(await lastLink(auth.url, email, "recovery"))
    expect(target.origin + target.pathname).toBe("http://localhost:9999/reset")
    expect(fragment.get("type")).toBe("recovery")
    const session = await anon.auth.setSession({
      access_token: fragment.get("access_token") ?? "",
      refresh_token: fragment.get("refresh_token") ?? "",
    })
    expect(session.data.user?.email).toBe(email)
    expect((await anon.auth.updateUser({ password: "second-password" })).error).toBeNull()
    expect((await client(auth.url).auth.signInWithPassword({ email, password: "first-password" })).error?.code).toBe("invalid_credentials")
    expect((await client(auth.url).auth.signInWithPassword({ email, password: "second-password" })).error).toBeNull()
    // A link works once.
    const again = await follow(await lastLink(auth.url, email, "recovery"))
    expect(again.fragment.get("error_code")).toBe("otp_expired")
  })

  it("PKCE flow (what @supabase/ssr uses): the link carries a code the same client exchanges", async () => {
    const { email } = await signedIn("reset-pkce")
    const pkce = client(auth.url, { flowType: "pkce", persist: true })
    await pkce.auth.resetPasswordForEmail(email, { redirectTo: "http://localhost:9999/auth/confirm" })
    const link = await lastLink(auth.url, email, "recovery")
    expect(link).toContain("token=pkce_")
    const { query } = await follow(link)
    const code = query.get("code") ?? ""
    expect(code).not.toBe("")
    const { data, error } = await pkce.auth.exchangeCodeForSession(code)
    expect(error).toBeNull()
    expect(data.user?.email).toBe(email)
    // Another client (no code verifier) cannot use a code.
    await pkce.auth.resetPasswordForEmail(email, { redirectTo: "http://localhost:9999/auth/confirm" })
    const other = await follow(await lastLink(auth.url, email, "recovery"))
    expect((await client(auth.url, { flowType: "pkce" }).auth.exchangeCodeForSession(other.query.get("code") ?? "")).error).not.toBeNull()
  })

  it("verifyOtp({ type: 'recovery' }) with the emailed code or token hash", async () => {
    const { email } = await signedIn("reset-otp")
    const anon = client(auth.url)
    await anon.auth.resetPasswordForEmail(email)
    const [mail] = await mails(auth.url, email)
    const { data, error } = await anon.auth.verifyOtp({ email, token: mail?.otp ?? "", type: "recovery" })
    expect(error).toBeNull()
    expect(data.session?.user.email).toBe(email)
    // The wrong type cannot consume a recovery token.
    await anon.auth.resetPasswordForEmail(email)
    const hash = new URL((await lastLink(auth.url, email, "recovery")).replace("/verify?token=", "/verify?token_hash=")).searchParams.get(
      "token_hash",
    )
    expect((await anon.auth.verifyOtp({ token_hash: hash ?? "", type: "email_change" })).error?.code).toBe("otp_expired")
    expect((await anon.auth.verifyOtp({ token_hash: hash ?? "", type: "recovery" })).error).toBeNull()
  })
})

describe("PUT /user", () => {
  it("changes the password, refuses the same one and signs out the other sessions", async () => {
    const { sb, email, password } = await signedIn("pw")
    const other = client(auth.url, { persist: true })
    await other.auth.signInWithPassword({ email, password })
    const same = await sb.auth.updateUser({ password })
    expect(same.error?.code).toBe("same_password")
    expect(same.error?.status).toBe(422)
    expect((await sb.auth.updateUser({ password: "123" })).error?.code).toBe("weak_password")
    expect((await sb.auth.updateUser({ password: "brand-new-password" })).error).toBeNull()
    expect((await sb.auth.getUser()).data.user?.email).toBe(email) // this session stays
    expect((await other.auth.getUser()).error).not.toBeNull() // GoTrue's LogoutAllExceptMe
    expect((await client(auth.url).auth.signInWithPassword({ email, password: "brand-new-password" })).error).toBeNull()
  })

  it("a password change voids reset links already sent (GoTrue's UpdatePassword clears one-time tokens)", async () => {
    const { sb, email } = await signedIn("pw-void")
    await client(auth.url).auth.resetPasswordForEmail(email)
    const link = await lastLink(auth.url, email, "recovery")
    expect((await sb.auth.updateUser({ password: "changed-meanwhile" })).error).toBeNull()
    expect((await follow(link)).fragment.get("error_code")).toBe("otp_expired")
  })

  it("auth-js: updateUser() without a session returns an error", async () => {
    const { data, error } = await client(auth.url).auth.updateUser({ data: { name: "Test User" } })
    expect(error).toBeDefined()
    expect(data.user).toBeNull()
  })

  it("auth-js: updateUser({ data }) merges user metadata", async () => {
    const { sb } = await signedIn("meta")
    const { data, error } = await sb.auth.updateUser({ data: { hello: "world" } })
    expect(error).toBeNull()
    expect(data.user?.user_metadata).toMatchObject({ hello: "world" })
  })

  it("changes the email only once the new address is confirmed (both addresses mailed, as GoTrue's secure email change)", async () => {
    const { sb, email, password } = await signedIn("change")
    const next = uniqueEmail("changed")
    const { data, error } = await sb.auth.updateUser({ email: next }, { emailRedirectTo: "http://localhost:9999/account" })
    expect(error).toBeNull()
    expect(data.user?.email).toBe(email)
    expect(data.user?.new_email).toBe(next)
    expect((await mails(auth.url, next))[0]?.kind).toBe("email_change")
    expect((await mails(auth.url, email))[0]?.kind).toBe("email_change")
    // Not changed yet: the old address still signs in, the new one does not.
    expect((await client(auth.url).auth.signInWithPassword({ email: next, password })).error?.code).toBe("invalid_credentials")
    const { target, fragment } = await follow(await lastLink(auth.url, next, "email_change"))
    expect(target.pathname).toBe("/account")
    expect(fragment.get("type")).toBe("email_change")
    expect((await client(auth.url).auth.signInWithPassword({ email: next, password })).error).toBeNull()
    expect((await client(auth.url).auth.signInWithPassword({ email, password })).error?.code).toBe("invalid_credentials")
    const { rows } = await sql().query("select email from public.users where email = $1", [next])
    expect(rows).toHaveLength(1) // the app's copy follows through the trigger
  })

  it("refuses an address another account has", async () => {
    const { email: taken } = await signedIn("taken")
    const { sb } = await signedIn("wants")
    const { error } = await sb.auth.updateUser({ email: taken })
    expect(error?.code).toBe("email_exists")
    expect(error?.status).toBe(422)
  })

  it("auth-js: PKCE updateUser({ email }) confirms through a code", async () => {
    const pkce = client(auth.url, { flowType: "pkce", persist: true })
    const email = uniqueEmail("pkce-change")
    await pkce.auth.signUp({ email, password: "secret-pw" })
    const next = `updated-${email}`
    const { error, data } = await pkce.auth.updateUser({ email: next })
    expect(error).toBeNull()
    expect(data.user).not.toBeNull()
    const link = await lastLink(auth.url, next, "email_change")
    expect(link).toContain("token=pkce_")
    const { query } = await follow(link)
    const exchanged = await pkce.auth.exchangeCodeForSession(query.get("code") ?? "")
    expect(exchanged.error).toBeNull()
    expect(exchanged.data.user?.email).toBe(next)
  })
})

describe("with email confirmations on (hosted Supabase's default)", () => {
  let strict: Emulator
  beforeAll(async () => {
    strict = await startTestAuth({ mailerAutoconfirm: false })
  })
  afterAll(() => strict.stop())

  it("signup mails a confirmation link and gives no session until it is followed", async () => {
    const email = uniqueEmail("confirm")
    const sb = client(strict.url)
    const { data, error } = await sb.auth.signUp({ email, password: "secret-pw" })
    expect(error).toBeNull()
    expect(data.session).toBeNull()
    expect(data.user?.email).toBe(email)
    expect((await sb.auth.signInWithPassword({ email, password: "secret-pw" })).error?.code).toBe("email_not_confirmed")
    const { fragment } = await follow(await lastLink(strict.url, email, "confirmation"))
    expect(fragment.get("type")).toBe("signup")
    expect((await sb.auth.signInWithPassword({ email, password: "secret-pw" })).error).toBeNull()
  })

  it("an email change needs both links (GoTrue's double confirmation)", async () => {
    const email = uniqueEmail("double")
    const admin = client(strict.url)
    await admin.auth.signUp({ email, password: "secret-pw" })
    await follow(await lastLink(strict.url, email, "confirmation"))
    const sb = client(strict.url, { persist: true })
    await sb.auth.signInWithPassword({ email, password: "secret-pw" })
    const next = uniqueEmail("double-new")
    await sb.auth.updateUser({ email: next })
    const first = await follow(await lastLink(strict.url, next, "email_change"))
    expect(first.fragment.get("message")).toBe("Confirmation link accepted. Please proceed to confirm link sent to the other email")
    expect((await client(strict.url).auth.signInWithPassword({ email: next, password: "secret-pw" })).error).not.toBeNull()
    const second = await follow(await lastLink(strict.url, email, "email_change"))
    expect(second.fragment.get("access_token")).toBeTruthy()
    expect((await client(strict.url).auth.signInWithPassword({ email: next, password: "secret-pw" })).error).toBeNull()
  })
})

describe("dev mailbox", () => {
  it("lists every mail as JSON and HTML, refuses cross-origin reads, and can be emptied", async () => {
    const { email } = await signedIn("mailbox")
    await client(auth.url).auth.resetPasswordForEmail(email)
    const html = await fetch(`${auth.url}/_mailbox?to=${encodeURIComponent(email)}`)
    expect(html.headers.get("content-type")).toContain("text/html")
    expect(html.headers.get("access-control-allow-origin")).toBeNull()
    const page = await html.text()
    expect(page).toContain("Reset Your Password")
    expect(page).toContain('<a href="http://127.0.0.1')
    const json = await fetch(`${auth.url}/_mailbox/messages`)
    expect(json.headers.get("access-control-allow-origin")).toBeNull()
    expect(((await json.json()) as { messages: unknown[] }).messages.length).toBeGreaterThan(0)
    expect((await fetch(`${auth.url}/_mailbox/messages`, { method: "DELETE" })).status).toBe(204)
    expect(await mails(auth.url, email)).toEqual([])
  })
})

// supabase-js's `auth.admin` against the auth emulator started as supabase-js's own tests start Auth: with an
// RS256 signing key made as their test/generate-signing-keys.js makes it (GOTRUE_JWT_KEYS), and API keys signed
// by it under its kid (their test/lib/clients.ts SUPABASE_SECRET_KEY / SUPABASE_PUBLISHABLE_KEY). The tests
// marked "auth-js:" are ported from packages/core/auth-js/test/GoTrueApi.test.ts (GoTrueAdminApi); the others
// check what those leave open (pagination headers, following the generated links, the invite in the mailbox).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client, rsaSigningKey, signedApiKey, startTestAuth, uniqueEmail, type Emulator } from "./support"
import type { GenerateLinkProperties, SupabaseClient, User } from "@supabase/supabase-js"

const INVALID_EMAIL = "xx:;x@x.x"
const NON_EXISTANT_USER_ID = "83fd9e20-7a80-46e4-bf29-a86e3d6bbf66"
const signingKey = rsaSigningKey()

let auth: Emulator
let admin: SupabaseClient["auth"]["admin"]
let secretKey: string
let publishableKey: string
beforeAll(async () => {
  auth = await startTestAuth({ jwtKeys: JSON.stringify([signingKey]) })
  secretKey = await signedApiKey(signingKey, "service_role")
  publishableKey = await signedApiKey(signingKey, "anon")
  admin = client(auth.url, { key: secretKey }).auth.admin
})
afterAll(() => auth.stop())

/** A user client with the publishable key (authClientWithSession). */
const userClient = (persist = true) => client(auth.url, { key: publishableKey, persist })
const createNewUserWithEmail = (email: string) => admin.createUser({ email, password: "password-123", user_metadata: {} })
const mockUserMetadata = () => ({ profile_image: "https://avatars.githubusercontent.com/u/1" })
const mockAppMetadata = () => ({ roles: ["editor", "publisher"] })
const mailTo = async (email: string) =>
  (
    (await (await fetch(`${auth.url}/auth/v1/_mailbox/messages?to=${encodeURIComponent(email)}`)).json()) as {
      messages: { kind: string; subject: string; link: string; otp: string; text: string }[]
    }
  ).messages

/** Opens an emailed or generated link as a browser would: the redirect's URL, session in the fragment. */
async function follow(link: string) {
  const res = await fetch(link, { redirect: "manual" })
  expect(res.status).toBe(303)
  const to = new URL(res.headers.get("location") ?? "")
  return { to, fragment: new URLSearchParams(to.hash.slice(1)) }
}

describe("auth.admin users", () => {
  it("auth-js: createUser() should create a new user", async () => {
    const email = uniqueEmail("admin-create")
    const { error, data } = await createNewUserWithEmail(email)
    expect(error).toBeNull()
    expect(data.user?.email).toEqual(email)
  })

  it("auth-js: createUser() with user and app metadata", async () => {
    const user_metadata = mockUserMetadata()
    const { error, data } = await admin.createUser({
      email: uniqueEmail("admin-meta"),
      password: "password-123",
      app_metadata: mockAppMetadata(),
      user_metadata,
    })
    expect(error).toBeNull()
    expect(data.user?.user_metadata).toEqual(user_metadata)
    expect(data.user?.user_metadata?.profile_image).toMatch(/^https:\/\/avatars\..+/)
    expect(data.user?.app_metadata).toHaveProperty("provider")
    expect(data.user?.app_metadata).toHaveProperty("providers")
    expect(data.user?.app_metadata).toHaveProperty("roles")
  })

  it("auth-js: createUser() returns AuthError when email is invalid", async () => {
    const { error, data } = await admin.createUser({ email: INVALID_EMAIL, password: "password123" })
    expect(error?.message).toMatch("Unable to validate email address: invalid format")
    expect(data.user).toBeNull()
  })

  it("createUser() refuses a taken address and confirms only with email_confirm", async () => {
    const email = uniqueEmail("admin-dup")
    await createNewUserWithEmail(email)
    const dup = await createNewUserWithEmail(email)
    expect(dup.error?.code).toBe("email_exists")
    expect(dup.error?.status).toBe(422)
    const confirmed = await admin.createUser({ email: uniqueEmail("admin-confirmed"), password: "password-123", email_confirm: true })
    expect(confirmed.data.user?.email_confirmed_at).toBeTruthy()
    // A confirmed account made by an admin signs in with its password.
    const signIn = await userClient(false).auth.signInWithPassword({ email: confirmed.data.user?.email ?? "", password: "password-123" })
    expect(signIn.error).toBeNull()
  })

  it("auth-js: listUsers() should return registered users", async () => {
    const email = uniqueEmail("admin-list")
    await createNewUserWithEmail(email)
    const { error, data } = await admin.listUsers({ perPage: 1000 })
    expect(error).toBeNull()
    expect(data).toHaveProperty("users")
    expect(data).toHaveProperty("aud")
    expect(data.users.map((u) => u.email)).toContain(email)
  })

  it("listUsers() pages with GoTrue's Link and X-Total-Count headers", async () => {
    for (let i = 0; i < 3; i++) await createNewUserWithEmail(uniqueEmail(`admin-page${i}`))
    const first = await admin.listUsers({ page: 1, perPage: 2 })
    expect(first.error).toBeNull()
    expect(first.data.users).toHaveLength(2)
    const total = "total" in first.data ? first.data.total : 0
    expect(total).toBeGreaterThanOrEqual(3)
    expect(first.data).toMatchObject({ nextPage: 2 }) // (auth-js reads only the first digit of lastPage)
    const raw = await fetch(`${auth.url}/auth/v1/admin/users?page=1&per_page=2`, {
      headers: { apikey: secretKey, authorization: `Bearer ${secretKey}` },
    })
    expect(raw.headers.get("x-total-count")).toBe(String(total))
    expect(raw.headers.get("link")).toBe(
      `</auth/v1/admin/users?page=2&per_page=2>; rel="next", </auth/v1/admin/users?page=${Math.ceil(total / 2)}&per_page=2>; rel="last"`,
    )
    const second = await admin.listUsers({ page: 2, perPage: 2 })
    expect(second.data.users.map((u) => u.id)).not.toContain(first.data.users[0]?.id)
  })

  it("auth-js: listUsers() returns AuthError when page is invalid", async () => {
    const { error, data } = await admin.listUsers({ page: -1, perPage: 10 })
    expect(error).not.toBeNull()
    expect(data.users).toEqual([])
  })

  it("auth-js: getUserById() returns a registered user / AuthError when user id is invalid", async () => {
    const email = uniqueEmail("admin-get")
    const created = await createNewUserWithEmail(email)
    const found = await admin.getUserById(created.data.user?.id ?? "")
    expect(found.error).toBeNull()
    expect(found.data.user?.email).toEqual(email)
    const missing = await admin.getUserById(NON_EXISTANT_USER_ID)
    expect(missing.error?.code).toBe("user_not_found")
    expect(missing.error?.status).toBe(404)
    expect(missing.data.user).toBeNull()
  })

  it("auth-js: updateUserById() modifies email, user metadata, app metadata and confirms email", async () => {
    const created = await admin.createUser({ email: uniqueEmail("admin-upd"), password: "password-123", email_confirm: false })
    expect(created.data.user?.email_confirmed_at).toBeFalsy()
    const uid = created.data.user?.id ?? ""
    const email = await admin.updateUserById(uid, { email: `new_${created.data.user?.email}` })
    expect(email.error).toBeNull()
    expect(email.data.user?.email).toEqual(`new_${created.data.user?.email}`)
    const meta = await admin.updateUserById(uid, { user_metadata: { favorite_color: "yellow" } })
    expect(meta.data.user?.user_metadata).toEqual({ favorite_color: "yellow" })
    const app = await admin.updateUserById(uid, { app_metadata: { roles: ["admin", "publisher"] } })
    expect(app.data.user?.app_metadata).toHaveProperty("roles")
    const confirm = await admin.updateUserById(uid, { email_confirm: true })
    expect(confirm.data.user?.email_confirmed_at).toBeTruthy()
  })

  it("updateUserById() sets a password (signing out every session) and bans", async () => {
    const email = uniqueEmail("admin-pw")
    const created = await admin.createUser({ email, password: "password-123", email_confirm: true })
    const uid = created.data.user?.id ?? ""
    const sb = userClient()
    await sb.auth.signInWithPassword({ email, password: "password-123" })
    expect((await admin.updateUserById(uid, { password: "password-456" })).error).toBeNull()
    expect((await sb.auth.getUser()).error).not.toBeNull()
    expect((await userClient(false).auth.signInWithPassword({ email, password: "password-456" })).error).toBeNull()
    expect((await admin.updateUserById(uid, { ban_duration: "24h" })).data.user?.banned_until).toBeTruthy()
    expect((await userClient(false).auth.signInWithPassword({ email, password: "password-456" })).error?.code).toBe("user_banned")
    await admin.updateUserById(uid, { ban_duration: "none" })
    expect((await userClient(false).auth.signInWithPassword({ email, password: "password-456" })).error).toBeNull()
  })

  it("auth-js: updateUserById() returns AuthError when user id is invalid", async () => {
    const { error, data } = await admin.updateUserById(NON_EXISTANT_USER_ID, { email: "new@email.com" })
    expect(error).not.toBeNull()
    expect(data.user).toBeNull()
  })

  it("auth-js: deleteUser() deletes an existing user / AuthError when user id is invalid", async () => {
    const email = uniqueEmail("admin-del")
    const created = await createNewUserWithEmail(email)
    const deleted = await admin.deleteUser(created.data.user?.id ?? "")
    expect(deleted.error).toBeNull()
    expect(deleted.data.user).not.toBeUndefined()
    const { data } = await admin.listUsers({ perPage: 1000 })
    expect(data.users.map((u) => u.email)).not.toContain(email)
    const missing = await admin.deleteUser(NON_EXISTANT_USER_ID)
    expect(missing.error).not.toBeNull()
    expect(missing.data.user).toBeNull()
  })

  it("refuses anything but a service_role key", async () => {
    const anonAdmin = userClient(false).auth.admin
    const anon = await anonAdmin.listUsers()
    expect(anon.error?.status).toBe(403)
    const email = uniqueEmail("admin-user-token")
    const sb = userClient(false)
    const { data } = await sb.auth.signUp({ email, password: "secret-pw" })
    const res = await fetch(`${auth.url}/auth/v1/admin/users`, {
      headers: { apikey: publishableKey, authorization: `Bearer ${data.session?.access_token}` },
    })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { code: string }).code).toBe("not_admin")
  })
})

describe("auth.admin users (ported, the rest)", () => {
  it("auth-js: getUser() fetches a user by their access_token", async () => {
    const sb = userClient()
    const email = uniqueEmail("admin-getuser")
    const { error: initialError, data } = await sb.auth.signUp({ email, password: "password-123" })
    expect(initialError).toBeNull()
    expect(data.session).not.toBeNull()
    const { error, data: found } = await sb.auth.getUser()
    expect(error).toBeNull()
    expect(found.user?.email).toEqual(email)
  })

  it("auth-js: modify confirm email using updateUserById() (created with email_confirm: false)", async () => {
    const { error: createError, data } = await admin.createUser({
      email: uniqueEmail("admin-confirm"),
      password: "password-123",
      email_confirm: false,
    })
    expect(createError).toBeNull()
    expect(data.user?.email_confirmed_at).toBeFalsy()
    const { error, data: updated } = await admin.updateUserById(data.user?.id ?? "", { email_confirm: true })
    expect(error).toBeNull()
    expect(updated.user).toHaveProperty("email_confirmed_at")
    expect(updated.user?.email_confirmed_at).toBeTruthy()
  })

  it("auth-js: signOut() with a valid access token / an invalid one / an invalid scope", async () => {
    const sb = userClient()
    const email = uniqueEmail("admin-signout")
    const { error: initialError, data } = await sb.auth.signUp({ email, password: "password-123" })
    expect(initialError).toBeNull()
    expect((await admin.signOut(data.session?.access_token ?? "")).error).toBeNull()
    // The session is gone: its token no longer finds a user (supabase-js reports the session missing).
    const after = await sb.auth.getUser()
    expect(after.error).not.toBeNull()
    expect(after.data.user).toBeNull()
    const bad = await admin.signOut("this-is-a-bad-token")
    expect(bad.error?.message).toMatch(/^invalid JWT/)
    await sb.auth.signInWithPassword({ email, password: "password-123" })
    await expect(sb.auth.signOut({ scope: "invalid_scope" as never })).rejects.toThrow(
      "@supabase/auth-js: Parameter scope must be one of global, local, others",
    )
  })
})

describe("auth.admin.generateLink", () => {
  const redirectTo = "http://localhost:9999/welcome"

  const expectProperties = (properties: GenerateLinkProperties | null, type: string) => {
    expect(properties).not.toBeNull()
    expect(properties).toHaveProperty("action_link")
    expect(properties).toHaveProperty("email_otp")
    expect(properties).toHaveProperty("hashed_token")
    expect(properties).toHaveProperty("redirect_to")
    expect(properties).toHaveProperty("verification_type")
    expect(properties?.action_link).toMatch(/\?token/)
    expect(properties?.action_link).toMatch(new RegExp(`type=${type}`))
    // GoTrue leaves a redirect without &, = or # as it is (encodeRedirectURL).
    expect(properties?.action_link).toMatch(new RegExp(`redirect_to=${redirectTo}`))
    expect(properties?.email_otp).toMatch(/^\d{6}$/)
    expect(properties?.hashed_token).toMatch(/^[0-9a-f]{56}$/) // sha224(email + otp)
    expect(properties?.redirect_to).toBe(redirectTo)
  }

  it("auth-js: generateLink supports signUp with generate confirmation signup link", async () => {
    const email = uniqueEmail("link-signup")
    const userMetadata = { status: "alpha" }
    const { error, data } = await admin.generateLink({
      type: "signup",
      email,
      password: "password-123",
      options: { data: userMetadata, redirectTo },
    })
    expect(error).toBeNull()
    const user = data.user as User
    expect(user).not.toBeNull()
    expect(user).toHaveProperty("email")
    expect(user).toHaveProperty("user_metadata")
    expect(user.user_metadata).toEqual(userMetadata)
    expect(user.email_confirmed_at).toBeFalsy()
    expect(user.confirmation_sent_at).toBeTruthy()
    expectProperties(data.properties, "signup")
    expect(data.properties?.verification_type).toBe("signup")
    // Nothing is mailed: the caller sends it.
    expect(await mailTo(email)).toEqual([])
    // The link confirms the address and signs in, at the redirect.
    const { to, fragment } = await follow(data.properties?.action_link ?? "")
    expect(`${to.origin}${to.pathname}`).toBe(redirectTo)
    expect(fragment.get("type")).toBe("signup")
    const me = await userClient(false).auth.getUser(fragment.get("access_token") ?? "")
    expect(me.data.user?.email).toBe(email)
    expect(me.data.user?.email_confirmed_at).toBeTruthy()
    // And the password given signs in.
    expect((await userClient(false).auth.signInWithPassword({ email, password: "password-123" })).error).toBeNull()
  })

  it("signup: an unconfirmed user gets a new link and merged metadata; a confirmed one is email_exists; no password is refused", async () => {
    const email = uniqueEmail("link-signup-again")
    await admin.generateLink({ type: "signup", email, password: "password-123", options: { data: { a: 1 } } })
    const again = await admin.generateLink({ type: "signup", email, password: "password-123", options: { data: { b: 2 } } })
    expect(again.error).toBeNull()
    expect(again.data.user?.user_metadata).toEqual({ a: 1, b: 2 })
    await follow(again.data.properties?.action_link ?? "")
    const confirmed = await admin.generateLink({ type: "signup", email, password: "password-123" })
    expect(confirmed.error?.code).toBe("email_exists")
    expect(confirmed.error?.status).toBe(422)
    const noPassword = await admin.generateLink({ type: "signup", email: uniqueEmail("link-nopw"), password: "" })
    expect(noPassword.error?.message).toBe("Signup requires a valid password")
    expect(noPassword.error?.status).toBe(400)
  })

  it("magiclink: for a user, its code signs in (verifyOtp type magiclink); for an unknown address it is a signup link", async () => {
    const email = uniqueEmail("link-magic")
    await createNewUserWithEmail(email)
    const { data, error } = await admin.generateLink({ type: "magiclink", email, options: { redirectTo } })
    expect(error).toBeNull()
    expectProperties(data.properties, "magiclink")
    expect(data.properties?.verification_type).toBe("magiclink")
    const signIn = await userClient(false).auth.verifyOtp({ email, token: data.properties?.email_otp ?? "", type: "magiclink" })
    expect(signIn.error).toBeNull()
    expect(signIn.data.session?.user.email).toBe(email)
    // Consumed once.
    const twice = await userClient(false).auth.verifyOtp({ email, token: data.properties?.email_otp ?? "", type: "magiclink" })
    expect(twice.error?.code).toBe("otp_expired")

    const fresh = uniqueEmail("link-magic-new")
    const created = await admin.generateLink({ type: "magiclink", email: fresh, options: { redirectTo } })
    expect(created.error).toBeNull()
    expect(created.data.properties?.verification_type).toBe("signup")
    expect(created.data.properties?.action_link).toMatch(/type=signup/)
    expect(created.data.user?.email).toBe(fresh)
  })

  it("recovery: the hashed_token verifies (verifyOtp token_hash); an unknown address is user_not_found", async () => {
    const email = uniqueEmail("link-recovery")
    await createNewUserWithEmail(email)
    const { data, error } = await admin.generateLink({ type: "recovery", email, options: { redirectTo } })
    expect(error).toBeNull()
    expectProperties(data.properties, "recovery")
    expect(data.user?.recovery_sent_at).toBeTruthy()
    const sb = userClient()
    const verified = await sb.auth.verifyOtp({ token_hash: data.properties?.hashed_token ?? "", type: "recovery" })
    expect(verified.error).toBeNull()
    expect((await sb.auth.updateUser({ password: "password-456" })).error).toBeNull()
    expect((await userClient(false).auth.signInWithPassword({ email, password: "password-456" })).error).toBeNull()

    const missing = await admin.generateLink({ type: "recovery", email: uniqueEmail("link-nobody") })
    expect(missing.error?.code).toBe("user_not_found")
    expect(missing.error?.status).toBe(404)
    expect(missing.error?.message).toBe("User with this email not found")
  })

  it("invite: creates the user with invited_at; the link confirms and signs in; a confirmed user is email_exists", async () => {
    const email = uniqueEmail("link-invite")
    const { data, error } = await admin.generateLink({ type: "invite", email, options: { data: { team: "x" }, redirectTo } })
    expect(error).toBeNull()
    expectProperties(data.properties, "invite")
    expect(data.user?.invited_at).toBeTruthy()
    expect(data.user?.user_metadata).toEqual({ team: "x" })
    const { fragment } = await follow(data.properties?.action_link ?? "")
    expect(fragment.get("type")).toBe("invite")
    expect((await userClient(false).auth.getUser(fragment.get("access_token") ?? "")).data.user?.email_confirmed_at).toBeTruthy()
    const again = await admin.generateLink({ type: "invite", email })
    expect(again.error?.code).toBe("email_exists")
  })

  it("auth-js: generateLink supports updating emails with generate email change links (email_change_current)", async () => {
    const email = uniqueEmail("link-change")
    const { error: createError } = await createNewUserWithEmail(email)
    expect(createError).toBeNull()
    const newEmail = uniqueEmail("link-changed")
    const { data, error } = await admin.generateLink({ type: "email_change_current", email, newEmail, options: { redirectTo } })
    expect(error).toBeNull()
    const user = data.user as User
    expect(user).toHaveProperty("email")
    expect(user).toHaveProperty("new_email")
    expect(user).toHaveProperty("user_metadata")
    expect(user.new_email).toEqual(newEmail)
    expectProperties(data.properties, "email_change")
    expect(data.properties?.verification_type).toBe("email_change_current")
    // Following it changes the address (the CLI's autoconfirm: one link is enough).
    const { fragment } = await follow(data.properties?.action_link ?? "")
    expect(fragment.get("type")).toBe("email_change")
    expect((await admin.getUserById(user.id)).data.user?.email).toBe(newEmail)
  })

  it("email_change_new: the link to the new address changes it; a taken new address is email_exists", async () => {
    const email = uniqueEmail("link-change-new")
    const taken = uniqueEmail("link-taken")
    const created = await createNewUserWithEmail(email)
    await createNewUserWithEmail(taken)
    const newEmail = uniqueEmail("link-changed-new")
    const { data, error } = await admin.generateLink({ type: "email_change_new", email, newEmail, options: { redirectTo } })
    expect(error).toBeNull()
    expectProperties(data.properties, "email_change")
    await follow(data.properties?.action_link ?? "")
    expect((await admin.getUserById(created.data.user?.id ?? "")).data.user?.email).toBe(newEmail)
    const clash = await admin.generateLink({ type: "email_change_new", email: newEmail, newEmail: taken })
    expect(clash.error?.code).toBe("email_exists")
  })

  it("auth-js: generateLink() returns AuthError when email is invalid; an unknown type is refused", async () => {
    const { error, data } = await admin.generateLink({ type: "signup", email: INVALID_EMAIL, password: "password123" })
    expect(error).not.toBeNull()
    expect(error?.message).toMatch("Unable to validate email address: invalid format")
    expect(data.user).toBeNull()
    expect(data.properties).toBeNull()
    const bogus = await admin.generateLink({ type: "bogus" as never, email: uniqueEmail("link-bogus"), password: "password-123" })
    expect(bogus.error?.message).toBe("Invalid email action link type requested: bogus")
    expect(bogus.error?.status).toBe(400)
  })

  it("needs a service_role key", async () => {
    const anon = await userClient(false).auth.admin.generateLink({ type: "magiclink", email: uniqueEmail("link-anon") })
    expect(anon.error?.status).toBe(403)
    expect(anon.error?.code).toBe("not_admin")
  })
})

describe("auth.admin.inviteUserByEmail", () => {
  const redirectTo = "http://localhost:9999/welcome"

  it("auth-js: inviteUserByEmail() creates a new user with an invited_at timestamp", async () => {
    const email = uniqueEmail("invite")
    const userMetadata = { status: "alpha" }
    const { error, data } = await admin.inviteUserByEmail(email, { data: userMetadata, redirectTo })
    expect(error).toBeNull()
    expect(data.user).not.toBeNull()
    expect(data.user).toHaveProperty("invited_at")
    expect(data.user?.invited_at).toBeDefined()
    expect(data.user?.user_metadata).toEqual(userMetadata)
    expect(data.user?.email_confirmed_at).toBeFalsy()
  })

  it("mails the invite to the dev mailbox; its link confirms and signs in at the redirect, then a password can be set", async () => {
    const email = uniqueEmail("invite-mail")
    const { data } = await admin.inviteUserByEmail(email, { redirectTo })
    const [mail, ...rest] = await mailTo(email)
    expect(rest).toEqual([])
    expect(mail).toMatchObject({ kind: "invite", subject: "You have been invited" })
    expect(mail?.text).toContain("You have been invited to create a user on")
    expect(mail?.link).toMatch(/\/auth\/v1\/verify\?token=[0-9a-f]{56}&type=invite&redirect_to=http:\/\/localhost:9999\/welcome$/)
    expect(mail?.otp).toMatch(/^\d{6}$/)
    const { to, fragment } = await follow(mail?.link ?? "")
    expect(`${to.origin}${to.pathname}`).toBe(redirectTo)
    expect(fragment.get("type")).toBe("invite")
    const sb = userClient()
    await sb.auth.setSession({ access_token: fragment.get("access_token") ?? "", refresh_token: fragment.get("refresh_token") ?? "" })
    expect((await sb.auth.getUser()).data.user?.id).toBe(data.user?.id)
    expect((await sb.auth.updateUser({ password: "invited-pw-1" })).error).toBeNull()
    expect((await userClient(false).auth.signInWithPassword({ email, password: "invited-pw-1" })).error).toBeNull()
    // Now confirmed: a second invite is refused.
    const again = await admin.inviteUserByEmail(email)
    expect(again.error?.code).toBe("email_exists")
    expect(again.error?.status).toBe(422)
  })

  it("re-inviting a user who has not accepted mails a new link; the invite code also verifies (verifyOtp type invite)", async () => {
    const email = uniqueEmail("invite-again")
    await admin.inviteUserByEmail(email)
    expect((await admin.inviteUserByEmail(email)).error).toBeNull()
    const mails = await mailTo(email)
    expect(mails).toHaveLength(2)
    const verified = await userClient(false).auth.verifyOtp({ email, token: mails[0]?.otp ?? "", type: "invite" })
    expect(verified.error).toBeNull()
    expect(verified.data.user?.email_confirmed_at).toBeTruthy()
  })

  it("auth-js: inviteUserByEmail() returns AuthError when email is invalid", async () => {
    const { error, data } = await admin.inviteUserByEmail(INVALID_EMAIL)
    expect(error).not.toBeNull()
    expect(error?.message).toMatch("Unable to validate email address: invalid format")
    expect(data.user).toBeNull()
  })
})

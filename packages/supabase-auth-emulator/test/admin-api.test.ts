// supabase-js's `auth.admin` against the auth emulator: the auth-js GoTrueAdminApi tests for users
// (test/GoTrueApi.test.ts, "auth-js:"), plus the service_role requirement.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminClient, client, must, startTestAuth, uniqueEmail, type Emulator } from "./support"
import type { SupabaseClient } from "@supabase/supabase-js"
import { LOCAL_JWT_SECRET } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"

const INVALID_EMAIL = "xx:;x@x.x"
const NON_EXISTANT_USER_ID = "83fd9e20-7a80-46e4-bf29-a86e3d6bbf66"

let auth: Emulator
let admin: SupabaseClient["auth"]["admin"]
beforeAll(async () => {
  auth = await startTestAuth()
  admin = (await adminClient(auth.url)).auth.admin
})
afterAll(() => auth.stop())

const createNewUserWithEmail = (email: string) => admin.createUser({ email, password: "password-123" })
const mockUserMetadata = () => ({ profile_image: "https://avatars.githubusercontent.com/u/1" })
const mockAppMetadata = () => ({ roles: ["editor", "publisher"] })

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
    const signIn = await client(auth.url).auth.signInWithPassword({ email: confirmed.data.user?.email ?? "", password: "password-123" })
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
      headers: { authorization: `Bearer ${await apiKey(LOCAL_JWT_SECRET, "service_role")}` },
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
    const sb = client(auth.url, { persist: true })
    await sb.auth.signInWithPassword({ email, password: "password-123" })
    expect((await admin.updateUserById(uid, { password: "password-456" })).error).toBeNull()
    expect((await sb.auth.getUser()).error).not.toBeNull()
    expect((await client(auth.url).auth.signInWithPassword({ email, password: "password-456" })).error).toBeNull()
    expect((await admin.updateUserById(uid, { ban_duration: "24h" })).data.user?.banned_until).toBeTruthy()
    expect((await client(auth.url).auth.signInWithPassword({ email, password: "password-456" })).error?.code).toBe("user_banned")
    await admin.updateUserById(uid, { ban_duration: "none" })
    expect((await client(auth.url).auth.signInWithPassword({ email, password: "password-456" })).error).toBeNull()
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
    const anonAdmin = client(auth.url).auth.admin
    const anon = await anonAdmin.listUsers()
    expect(anon.error?.status).toBe(403)
    const email = uniqueEmail("admin-user-token")
    const sb = client(auth.url)
    const { data } = await sb.auth.signUp({ email, password: "secret-pw" })
    const res = await fetch(`${auth.url}/auth/v1/admin/users`, {
      headers: { apikey: "x", authorization: `Bearer ${data.session?.access_token}` },
    })
    expect(res.status).toBe(403)
    expect(((await res.json()) as { code: string }).code).toBe("not_admin")
  })
})

describe("auth.admin.generateLink (GoTrue's POST /admin/generate_link: the link, not a mail)", () => {
  it("a magic link for an existing user verifies as magiclink and signs them in; nothing is mailed", async () => {
    const email = uniqueEmail("genlink-existing")
    expect((await createNewUserWithEmail(email)).error).toBeNull()
    const { data, error } = await admin.generateLink({ type: "magiclink", email, options: { redirectTo: "http://localhost:3000/x" } })
    expect(error).toBeNull()
    expect(data.properties).toMatchObject({ verification_type: "magiclink", redirect_to: "http://localhost:3000/x" })
    expect(data.properties?.action_link).toContain("/auth/v1/verify?token=")
    expect(data.user?.email).toBe(email)
    const mailbox = (await (await fetch(`${auth.url}/_mailbox/messages?to=${encodeURIComponent(email)}`)).json()) as { messages: unknown[] }
    expect(mailbox.messages).toEqual([])
    const verified = await client(auth.url).auth.verifyOtp({ type: "magiclink", token_hash: must(data.properties?.hashed_token, "hash") })
    expect(verified.error).toBeNull()
    expect(verified.data.user?.email).toBe(email)
    // The token is one use.
    const again = await client(auth.url).auth.verifyOtp({ type: "magiclink", token_hash: must(data.properties?.hashed_token, "hash") })
    expect(again.error?.code).toBe("otp_expired")
  })

  it("a magic link for an unknown address signs it up (GoTrue turns it into a signup link), confirmed by verifying", async () => {
    const email = uniqueEmail("genlink-new")
    const { data, error } = await admin.generateLink({ type: "magiclink", email })
    expect(error).toBeNull()
    expect(data.properties?.verification_type).toBe("signup")
    expect(data.user?.email_confirmed_at ?? null).toBeNull()
    const verified = await client(auth.url).auth.verifyOtp({ type: "signup", token_hash: must(data.properties?.hashed_token, "hash") })
    expect(verified.error).toBeNull()
    expect(verified.data.user?.email_confirmed_at).toBeTruthy()
    expect(verified.data.session?.access_token).toBeTruthy()
  })

  it("recovery needs a user, invite refuses a confirmed one, an unknown type is a 400, and it needs the service_role key", async () => {
    expect((await admin.generateLink({ type: "recovery", email: uniqueEmail("genlink-none") })).error?.status).toBe(404)
    const email = uniqueEmail("genlink-confirmed")
    expect((await admin.createUser({ email, email_confirm: true })).error).toBeNull()
    expect((await admin.generateLink({ type: "invite", email })).error?.code).toBe("email_exists")
    expect((await admin.generateLink({ type: "bogus" as never, email } as never)).error?.status).toBe(400)
    expect((await client(auth.url).auth.admin.generateLink({ type: "magiclink", email })).error?.status).toBe(403)
  })
})

// Hosted Supabase's API-key rules (its gateway in front of Auth; supabase.com/docs/guides/api/api-keys): every
// request carries an API key in `apikey`; the publishable key (anon) and secret keys (service_role) beside the
// legacy anon / service_role JWTs; an unknown or malformed key is refused; a secret key is refused from a browser;
// a publishable or secret key in `Authorization` counts only when it equals `apikey`.
import { randomUUID } from "node:crypto"
import { SignJWT } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defaultApiKeys, LOCAL_JWT_SECRET, LOCAL_PUBLISHABLE_KEY, LOCAL_SECRET_KEY } from "@subkit/supabase-auth-emulator"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"
import { client, startTestAuth, uniqueEmail, type Emulator } from "./support"

const CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
let auth: Emulator
let legacyAnon: string
let legacyService: string
beforeAll(async () => {
  auth = await startTestAuth()
  legacyAnon = await apiKey(LOCAL_JWT_SECRET, "anon")
  legacyService = await apiKey(LOCAL_JWT_SECRET, "service_role")
})
afterAll(() => auth.stop())

const call = (path: string, headers: Record<string, string>, init: RequestInit = {}) =>
  fetch(`${auth.url}/auth/v1${path}`, { ...init, headers })
/** The gateway's refusal: status, `sb-error-code` and its `{ message, hint }` body. */
async function refusal(res: Response) {
  return { status: res.status, code: res.headers.get("sb-error-code"), body: (await res.json()) as { message: string; hint?: string } }
}
const INVALID = {
  status: 401,
  code: "UNAUTHORIZED_INVALID_API_KEY",
  body: { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." },
}

describe("every request carries an API key", () => {
  it("none: 401 UNAUTHORIZED_MISSING_API_KEY, the gateway's body", async () => {
    expect(await refusal(await call("/settings", {}))).toEqual({
      status: 401,
      code: "UNAUTHORIZED_MISSING_API_KEY",
      body: { message: "No API key found in request", hint: "No `apikey` request header or url param was found." },
    })
  })

  it("a key only in Authorization is no API key, not even the secret key on an admin endpoint", async () => {
    for (const key of [LOCAL_SECRET_KEY, legacyService]) {
      const res = await call(`/admin/users/${randomUUID()}`, { authorization: `Bearer ${key}` })
      expect((await refusal(res)).code).toBe("UNAUTHORIZED_MISSING_API_KEY")
    }
  })

  it("the apikey URL parameter counts; /verify, the JWKS and the dev mailbox need none", async () => {
    expect((await fetch(`${auth.url}/auth/v1/settings?apikey=${LOCAL_PUBLISHABLE_KEY}`)).status).toBe(200)
    expect((await call("/.well-known/jwks.json", {})).status).toBe(200)
    expect((await call("/_mailbox/messages", {})).status).toBe(200)
    const verify = await call("/verify?token=nope&type=signup", {}, { redirect: "manual" })
    expect(verify.status).toBe(303)
  })
})

describe("the publishable and secret keys", () => {
  it("defaults: the CLI's keys with the CLI's JWT secret, derived ones (same shape) with another", async () => {
    expect(auth.publishableKey).toBe(LOCAL_PUBLISHABLE_KEY)
    expect(auth.secretKeys).toEqual([LOCAL_SECRET_KEY])
    const other = defaultApiKeys("another-secret-of-at-least-thirty-two-chars")
    expect(other.publishableKey).toMatch(/^sb_publishable_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/)
    expect(other.secretKey).toMatch(/^sb_secret_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{8}$/)
    expect(other).toEqual(defaultApiKeys("another-secret-of-at-least-thirty-two-chars"))
    expect(other.publishableKey).not.toBe(LOCAL_PUBLISHABLE_KEY)
    const e = await startTestAuth({ jwtSecret: "another-secret-of-at-least-thirty-two-chars" })
    try {
      expect(e.publishableKey).toBe(other.publishableKey)
      const res = await fetch(`${e.url}/auth/v1/settings`, { headers: { apikey: LOCAL_PUBLISHABLE_KEY } })
      expect((await refusal(res)).code).toBe("UNAUTHORIZED_INVALID_API_KEY")
    } finally {
      await e.stop()
    }
  })

  it("publishable (anon) through supabase-js: sign up, sign in, getUser, getClaims via the JWKS; no admin", async () => {
    const sb = client(auth.url, { key: LOCAL_PUBLISHABLE_KEY, persist: true })
    const email = uniqueEmail("publishable")
    expect((await sb.auth.signUp({ email, password: "correct horse" })).error).toBeNull()
    await sb.auth.signOut()
    const signIn = await sb.auth.signInWithPassword({ email, password: "correct horse" })
    expect(signIn.error).toBeNull()
    expect((await sb.auth.getUser()).data.user?.email).toBe(email)
    const { data, error } = await sb.auth.getClaims()
    expect(error).toBeNull()
    expect(data?.claims).toMatchObject({ email, role: "authenticated" })
    const admin = await client(auth.url, { key: LOCAL_PUBLISHABLE_KEY }).auth.admin.listUsers()
    expect(admin.error).toMatchObject({ status: 403, code: "not_admin" })
  })

  it("secret (service_role): auth.admin through supabase-js; in apikey alone an admin endpoint needs no Authorization", async () => {
    const admin = client(auth.url, { key: LOCAL_SECRET_KEY }).auth.admin
    const email = uniqueEmail("secret")
    const created = await admin.createUser({ email, password: "correct horse", email_confirm: true })
    expect(created.error).toBeNull()
    expect((await admin.getUserById(created.data.user?.id ?? "")).data.user?.email).toBe(email)
    // The support article's check: a 404 (not a 401) for a random id shows the key was accepted.
    const res = await call(`/admin/users/${randomUUID()}`, { apikey: LOCAL_SECRET_KEY })
    expect(res.status).toBe(404)
    expect(((await res.json()) as { code: string }).code).toBe("user_not_found")
  })

  it("options: a given publishable key and several secret keys replace the defaults; a wrong type refuses to start", async () => {
    const publishableKey = "sb_publishable_TestTestTestTestTestTe_abcd1234"
    const secretKey = ["sb_secret_FirstFirstFirstFirstFir_abcd1234", "sb_secret_SecondSecondSecondSeco_abcd1234"]
    const e = await startTestAuth({ publishableKey, secretKey })
    try {
      const list = (key: string) => fetch(`${e.url}/auth/v1/admin/users?per_page=1`, { headers: { apikey: key } })
      expect((await list(secretKey[0] ?? "")).status).toBe(200)
      expect((await list(secretKey[1] ?? "")).status).toBe(200)
      expect((await refusal(await list(LOCAL_SECRET_KEY))).code).toBe("UNAUTHORIZED_INVALID_API_KEY")
      expect((await fetch(`${e.url}/auth/v1/settings`, { headers: { apikey: publishableKey } })).status).toBe(200)
    } finally {
      await e.stop()
    }
    await expect(startTestAuth({ publishableKey: LOCAL_SECRET_KEY })).rejects.toThrow(/publishableKey must be an sb_publishable_/)
    await expect(startTestAuth({ secretKey: LOCAL_PUBLISHABLE_KEY })).rejects.toThrow(/secretKey must be an sb_secret_/)
  })
})

describe("the legacy JWT keys stay valid", () => {
  it("the CLI's anon and service_role JWTs through supabase-js", async () => {
    const email = uniqueEmail("legacy")
    expect((await client(auth.url, { key: legacyAnon }).auth.signUp({ email, password: "correct horse" })).error).toBeNull()
    const listed = await client(auth.url, { key: legacyService }).auth.admin.listUsers({ perPage: 1 })
    expect(listed.error).toBeNull()
  })
})

describe("unknown or malformed keys", () => {
  it("are refused 401 Invalid API key before Auth sees them", async () => {
    const email = uniqueEmail("invalid")
    const { data } = await client(auth.url).auth.signUp({ email, password: "correct horse" })
    const candidates = [
      "anon-key",
      "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaX",
      "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvX",
      `${LOCAL_PUBLISHABLE_KEY}x`,
      await apiKey("another-secret-of-at-least-thirty-two-chars", "anon"),
      data.session?.access_token ?? "", // a user's access token is no API key
      // An anon key signed with the right secret that has expired.
      await new SignJWT({ iss: "supabase-demo", role: "anon" })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode(LOCAL_JWT_SECRET)),
      "eyJ.not-a.jwt",
    ]
    for (const key of candidates) expect(await refusal(await call("/settings", { apikey: key }))).toEqual(INVALID)
    // Through supabase-js too: the sign-in fails with the gateway's message.
    const { error } = await client(auth.url, { key: "anon-key" }).auth.signInWithPassword({ email, password: "correct horse" })
    expect(error).toMatchObject({ status: 401, message: "Invalid API key" })
  })
})

describe("a secret key from a browser", () => {
  it("is refused 401 (matched on the User-Agent); the publishable and legacy keys are not", async () => {
    const res = await call(`/admin/users?per_page=1`, { apikey: LOCAL_SECRET_KEY, "user-agent": CHROME })
    expect(await refusal(res)).toEqual({
      status: 401,
      code: "UNAUTHORIZED_INVALID_API_KEY_TYPE",
      body: {
        message: "Forbidden use of secret API key in browser",
        hint: "Secret API keys can only be used in a protected environment and should never be used in a browser. Delete this secret API key immediately!",
      },
    })
    const appsScript = "Mozilla/5.0 (compatible; Google-Apps-Script; beanserver; +https://script.google.com; id: UAEmdDd)"
    expect((await call(`/admin/users?per_page=1`, { apikey: LOCAL_SECRET_KEY, "user-agent": appsScript })).status).toBe(401)
    expect((await call(`/admin/users?per_page=1`, { apikey: LOCAL_SECRET_KEY, "user-agent": "node" })).status).toBe(200)
    expect((await call(`/settings`, { apikey: LOCAL_PUBLISHABLE_KEY, "user-agent": CHROME })).status).toBe(200)
    const legacy = { apikey: legacyService, authorization: `Bearer ${legacyService}`, "user-agent": CHROME }
    expect((await call(`/admin/users?per_page=1`, legacy)).status).toBe(200)
  })
})

describe("a publishable or secret key in Authorization", () => {
  it("counts only when it equals apikey: another one goes on to Auth, which refuses it as no JWT", async () => {
    const mixed = { apikey: LOCAL_PUBLISHABLE_KEY, authorization: `Bearer ${LOCAL_SECRET_KEY}` }
    const res = await call(`/admin/users?per_page=1`, mixed)
    expect(res.status).toBe(403)
    expect(((await res.json()) as { code: string }).code).toBe("bad_jwt")
    const same = { apikey: LOCAL_SECRET_KEY, authorization: `Bearer ${LOCAL_SECRET_KEY}` }
    expect((await call(`/admin/users?per_page=1`, same)).status).toBe(200)
  })

  it("a user's token with the publishable key is the user's (the key's role does not replace it)", async () => {
    const email = uniqueEmail("bearer")
    const { data } = await client(auth.url).auth.signUp({ email, password: "correct horse" })
    const res = await call("/user", { apikey: LOCAL_PUBLISHABLE_KEY, authorization: `Bearer ${data.session?.access_token}` })
    expect(((await res.json()) as { email: string }).email).toBe(email)
    const admin = await call("/admin/users", { apikey: LOCAL_SECRET_KEY, authorization: `Bearer ${data.session?.access_token}` })
    expect(((await admin.json()) as { code: string }).code).toBe("not_admin")
  })
})

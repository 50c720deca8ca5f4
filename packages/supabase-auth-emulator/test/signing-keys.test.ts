// Signing keys as GoTrue takes them (GOTRUE_JWT_KEYS, supabase/auth internal/conf/jwk.go): RS256, ES256 and
// HS256 `oct` JWKs, the one whose key_ops has "sign" signs, /.well-known/jwks.json serves the public parts,
// supabase-js's getClaims() verifies through it, and tokens verify only in the listed keys' algorithms. "auth-js:"
// tests are ported from supabase-js's packages/core/auth-js/test/docker-tests/asymmetric-jwt.test.ts.
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto"
import { decodeProtectedHeader } from "jose"
import { afterAll, describe, expect, it, vi } from "vitest"
import { LOCAL_JWT_SECRET, LOCAL_PUBLISHABLE_KEY } from "@subkit/supabase-auth-emulator"
import { apiKey, type JwtKey } from "@subkit/supabase-auth-emulator/tokens"
import { client, rsaSigningKey, signedApiKey, startTestAuth, uniqueEmail, type Emulator } from "./support"

const ecSigningKey = (ops = ["sign", "verify"]): JwtKey => ({
  ...generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }),
  kid: randomUUID(),
  key_ops: ops,
  alg: "ES256",
})
const octKey = (ops: string[]): JwtKey => ({
  kty: "oct",
  k: randomBytes(32).toString("base64url"),
  kid: randomUUID(),
  key_ops: ops,
  alg: "HS256",
})

type Jwks = { keys: (Record<string, unknown> & { kid: string })[] }
const jwksOf = async (e: Emulator) => (await (await fetch(`${e.url}/auth/v1/.well-known/jwks.json`)).json()) as Jwks

const serviceRoleKey = (key: JwtKey) => signedApiKey(key, "service_role")
const listUsers = async (e: Emulator, bearer: string) =>
  fetch(`${e.url}/auth/v1/admin/users?per_page=1`, { headers: { apikey: bearer, authorization: `Bearer ${bearer}` } })
// The same token only as the bearer, behind the publishable key: what GoTrue itself answers for it (the gateway
// refuses a key that does not verify as the API key before Auth sees it: 401 Invalid API key).
const listUsersAsBearer = async (e: Emulator, bearer: string) =>
  fetch(`${e.url}/auth/v1/admin/users?per_page=1`, { headers: { apikey: LOCAL_PUBLISHABLE_KEY, authorization: `Bearer ${bearer}` } })
const gatewayCode = (res: Response) => res.headers.get("sb-error-code")

const started: Emulator[] = []
const start = async (jwtKeys: string | JwtKey[]) => {
  const e = await startTestAuth({ jwtKeys })
  started.push(e)
  return e
}
afterAll(async () => {
  for (const e of started) await e.stop()
})

describe("GOTRUE_JWT_KEYS", () => {
  it("auth-js: getClaims fetches JWKS to verify asymmetric jwt. RS256: signs with the sign key, serves only its public part, getClaims verifies through the JWKS", async () => {
    const rsa = rsaSigningKey()
    const auth = await start(JSON.stringify([rsa]))
    const { keys } = await jwksOf(auth)
    expect(keys).toEqual([{ kty: "RSA", n: rsa.n, e: rsa.e, kid: rsa.kid, alg: "RS256", use: "sig", key_ops: ["verify"] }])
    const sb = client(auth.url, { persist: true })
    const email = uniqueEmail("rs256")
    const up = await sb.auth.signUp({ email, password: "secret-pw" })
    expect(up.error).toBeNull()
    expect(decodeProtectedHeader(up.data.session?.access_token ?? "")).toEqual({ alg: "RS256", typ: "JWT", kid: rsa.kid })
    const urls: string[] = []
    const real = globalThis.fetch
    ;(sb.auth as unknown as { fetch: typeof fetch }).fetch = async (input, init) => (urls.push(String(input)), real(input, init))
    const { data, error } = await sb.auth.getClaims()
    expect(error).toBeNull()
    expect(data?.claims).toMatchObject({ email, role: "authenticated" })
    expect(data?.header).toMatchObject({ alg: "RS256", kid: rsa.kid })
    expect(urls.some((u) => u.endsWith("/.well-known/jwks.json"))).toBe(true)
    expect(urls.some((u) => u.endsWith("/user"))).toBe(false) // verified locally, not by asking Auth
  })

  it("auth-js: getClaims should return error for Invalid JWT signature (mocked verify), with RS256 keys", async () => {
    const auth = await start([rsaSigningKey()])
    const sb = client(auth.url, { persist: true })
    const { data: signUpData, error: signUpError } = await sb.auth.signUp({ email: uniqueEmail("rs256-bad"), password: "secret-pw" })
    expect(signUpError).toBeNull()
    expect(signUpData.session).not.toBeNull()
    const verifySpy = vi.spyOn(crypto.subtle, "verify").mockImplementation(async () => false)
    const { data, error } = await sb.auth.getClaims()
    verifySpy.mockRestore()
    expect(error?.message).toContain("Invalid JWT signature")
    expect(data).toBeNull()
  })

  it("RS256 only: an HS256 key signed with the JWT secret is refused (HS256 is not among the keys' algorithms)", async () => {
    const rsa = rsaSigningKey()
    const auth = await start([rsa])
    const hs256 = await apiKey(LOCAL_JWT_SECRET, "service_role")
    expect(gatewayCode(await listUsers(auth, hs256))).toBe("UNAUTHORIZED_INVALID_API_KEY")
    const legacy = await listUsersAsBearer(auth, hs256)
    expect(legacy.status).toBe(403)
    expect(((await legacy.json()) as { code: string }).code).toBe("bad_jwt")
    expect((await listUsers(auth, await serviceRoleKey(rsa))).status).toBe(200)
    // Another key under the same kid does not pass.
    const forged = await serviceRoleKey({ ...rsaSigningKey(), kid: rsa.kid })
    expect(gatewayCode(await listUsers(auth, forged))).toBe("UNAUTHORIZED_INVALID_API_KEY")
    expect((await listUsersAsBearer(auth, forged)).status).toBe(403)
  })

  it("ES256 signing with a verify-only HS256 oct key (hosted Supabase after rotating): the oct key is not published", async () => {
    const ec = ecSigningKey()
    const oct = octKey(["verify"])
    const auth = await start([oct, ec])
    const { keys } = await jwksOf(auth)
    expect(keys.map((k) => k.kid)).toEqual([ec.kid])
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", key_ops: ["verify"] })
    expect(keys[0]?.d).toBeUndefined()
    const { data } = await client(auth.url).auth.signUp({ email: uniqueEmail("es256"), password: "secret-pw" })
    expect(decodeProtectedHeader(data.session?.access_token ?? "")).toEqual({ alg: "ES256", typ: "JWT", kid: ec.kid })
    // HS256 is listed: a token with the oct kid verifies with the oct key, one without a kid with the secret.
    expect((await listUsers(auth, await serviceRoleKey(oct))).status).toBe(200)
    expect((await listUsers(auth, await apiKey(LOCAL_JWT_SECRET, "service_role"))).status).toBe(200)
    const other = await apiKey("some-other-secret-of-at-least-32-chars", "service_role")
    expect(gatewayCode(await listUsers(auth, other))).toBe("UNAUTHORIZED_INVALID_API_KEY")
    expect((await listUsersAsBearer(auth, other)).status).toBe(403)
  })

  it("HS256 oct signing with a verify-only RS256 key (auth-js's docker `autoconfirm` GoTrue): HS256 tokens with the oct kid", async () => {
    const oct = octKey(["sign", "verify"])
    const rsa = rsaSigningKey(["verify"])
    const auth = await start([oct, rsa])
    expect((await jwksOf(auth)).keys.map((k) => k.kid)).toEqual([rsa.kid])
    const sb = client(auth.url, { persist: true })
    const email = uniqueEmail("hs256")
    const up = await sb.auth.signUp({ email, password: "secret-pw" })
    expect(decodeProtectedHeader(up.data.session?.access_token ?? "")).toEqual({ alg: "HS256", typ: "JWT", kid: oct.kid })
    // getClaims cannot verify HS256 locally: it asks Auth (GET /user), which accepts the token.
    const { data, error } = await sb.auth.getClaims()
    expect(error).toBeNull()
    expect(data?.claims.email).toBe(email)
  })

  it("refuses to start without exactly one signing key, or with a key that is not one", async () => {
    await expect(startTestAuth({ jwtKeys: [rsaSigningKey(["verify"])] })).rejects.toThrow("no signing key detected")
    await expect(startTestAuth({ jwtKeys: [rsaSigningKey(), ecSigningKey()] })).rejects.toThrow(
      "multiple signing keys detected, only 1 signing key is supported",
    )
    await expect(startTestAuth({ jwtKeys: "[{" })).rejects.toThrow("GOTRUE_JWT_KEYS is not JSON")
    await expect(startTestAuth({ jwtKeys: [{ ...rsaSigningKey(), n: "AQAB", d: "AQAB" }] })).rejects.toThrow("is not a valid RSA key")
    await expect(startTestAuth({ jwtKeys: [{ ...ecSigningKey(), alg: "RS256" }] })).rejects.toThrow("has alg RS256; use ES256 or ES512")
    const { d: _d, ...publicOnly } = rsaSigningKey()
    await expect(startTestAuth({ jwtKeys: [publicOnly] })).rejects.toThrow("has no private part")
  })
})

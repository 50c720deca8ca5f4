// getClaims() against the emulator's ES256 signing key: verified locally from the JWKS (fetched once,
// no per-call round trip), and tampered, foreign-key or expired tokens refused. Ports auth-js's
// getClaims tests (test/GoTrueClient.test.ts, docker-tests/asymmetric-jwt.test.ts), marked "auth-js:".
import { generateKeyPair, SignJWT, decodeProtectedHeader, createRemoteJWKSet, jwtVerify } from "jose"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { client, startTestAuth, uniqueEmail, type Emulator } from "./support"

let auth: Emulator
let shortLived: Emulator
// Tokens live whole seconds from a floored iat, as GoTrue's do: with a 1 s lifetime a token issued at
// x.98 s expires 20 ms later. The refresh case needs a refreshed token that outlives its own check.
let threeSecond: Emulator
beforeAll(async () => {
  auth = await startTestAuth()
  shortLived = await startTestAuth({ jwtTtlSeconds: 1 })
  threeSecond = await startTestAuth({ jwtTtlSeconds: 3 })
})
afterAll(async () => {
  await auth.stop()
  await shortLived.stop()
  await threeSecond.stop()
})

/** A client whose every request is recorded, to prove what getClaims() does on the network. */
function recorded(url: string) {
  const urls: string[] = []
  const sb = client(url, { persist: true })
  const real = globalThis.fetch
  ;(sb.auth as unknown as { fetch: typeof fetch }).fetch = async (input, init) => {
    urls.push(String(input))
    return real(input, init)
  }
  return { sb, urls }
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url")

describe("signing keys", () => {
  it("publishes one ES256 P-256 key at /auth/v1/.well-known/jwks.json and signs access tokens with it", async () => {
    const res = await fetch(`${auth.url}/auth/v1/.well-known/jwks.json`)
    const { keys } = (await res.json()) as { keys: { kid: string; kty: string; crv: string; alg: string; d?: string }[] }
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig", key_ops: ["verify"] })
    expect(keys[0]?.d).toBeUndefined() // never the private part
    const { data } = await client(auth.url).auth.signUp({ email: uniqueEmail("jwks"), password: "secret-pw" })
    const token = data.session?.access_token ?? ""
    expect(decodeProtectedHeader(token)).toEqual({ alg: "ES256", typ: "JWT", kid: keys[0]?.kid })
    // Any standard JWKS client verifies it too (what a backend outside supabase-js would do).
    const jwks = createRemoteJWKSet(new URL(`${auth.url}/auth/v1/.well-known/jwks.json`))
    const { payload } = await jwtVerify(token, jwks, { issuer: `${auth.url}/auth/v1`, audience: "authenticated" })
    expect(payload.role).toBe("authenticated")
  })

  it("keeps the key across restarts (derived from the JWT secret), so dev sessions survive", async () => {
    const again = await startTestAuth()
    try {
      const a = (await (await fetch(`${auth.url}/auth/v1/.well-known/jwks.json`)).json()) as { keys: { kid: string; x: string }[] }
      const b = (await (await fetch(`${again.url}/auth/v1/.well-known/jwks.json`)).json()) as { keys: { kid: string; x: string }[] }
      expect(b.keys[0]).toEqual(a.keys[0])
      const other = await startTestAuth({ jwtSecret: "another-secret-of-at-least-thirty-two-chars" })
      const c = (await (await fetch(`${other.url}/auth/v1/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
      await other.stop()
      expect(c.keys[0]?.kid).not.toBe(a.keys[0]?.kid)
    } finally {
      await again.stop()
    }
  })
})

describe("getClaims()", () => {
  it("auth-js: returns nothing if there is no session present", async () => {
    const { data, error } = await client(auth.url).auth.getClaims()
    expect(data).toBeNull()
    expect(error).toBeNull()
  })

  it("auth-js: verifies the asymmetric JWT without calling getUser, fetching the JWKS once", async () => {
    const { sb, urls } = recorded(auth.url)
    const email = uniqueEmail("claims")
    const { data: signUp } = await sb.auth.signUp({ email, password: "secret-pw" })
    const getUser = vi.spyOn(sb.auth, "getUser")
    const first = await sb.auth.getClaims()
    expect(first.error).toBeNull()
    expect(first.data?.claims.email).toBe(signUp.user?.email)
    expect(first.data?.claims).toMatchObject({ sub: signUp.user?.id, role: "authenticated", aal: "aal1", aud: "authenticated" })
    for (let i = 0; i < 5; i++) expect((await sb.auth.getClaims()).data?.claims.sub).toBe(signUp.user?.id)
    expect(getUser).not.toHaveBeenCalled()
    expect(urls.filter((u) => u.includes("/.well-known/jwks.json"))).toHaveLength(1)
    expect(urls.filter((u) => u.endsWith("/user"))).toHaveLength(0)
  })

  it("rejects a tampered token: payload changed under the original signature", async () => {
    const { data } = await client(auth.url).auth.signUp({ email: uniqueEmail("tamper"), password: "secret-pw" })
    const [header, payload, signature] = (data.session?.access_token ?? "").split(".") as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>
    const forged = `${header}.${b64({ ...claims, role: "service_role" })}.${signature}`
    const res = await client(auth.url).auth.getClaims(forged)
    expect(res.data).toBeNull()
    expect(res.error?.name).toBe("AuthInvalidJwtError")
    expect(res.error?.message).toBe("Invalid JWT signature")
  })

  it("rejects a token signed by another key under our kid, and an HS256 token not signed with the project secret", async () => {
    const { data } = await client(auth.url).auth.signUp({ email: uniqueEmail("forge"), password: "secret-pw" })
    const token = data.session?.access_token ?? ""
    const { kid } = decodeProtectedHeader(token)
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<string, unknown>
    const { privateKey } = await generateKeyPair("ES256")
    const foreign = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", typ: "JWT", kid }).sign(privateKey)
    expect((await client(auth.url).auth.getClaims(foreign)).error?.message).toBe("Invalid JWT signature")
    // Algorithm confusion: HS256 makes getClaims() ask the server, which refuses an unknown secret.
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(new TextEncoder().encode("not-the-project-secret-at-all-32+"))
    const res = await client(auth.url).auth.getClaims(hs)
    expect(res.data).toBeNull()
    expect(res.error?.message).toMatch(/signature is invalid/)
  })

  it("auth-js: returns AuthInvalidJwtError 'JWT has expired' for an expired token", async () => {
    const { data } = await client(shortLived.url).auth.signUp({ email: uniqueEmail("expired"), password: "secret-pw" })
    await new Promise((r) => setTimeout(r, 2100))
    const res = await client(shortLived.url).auth.getClaims(data.session?.access_token)
    expect(res.data).toBeNull()
    expect(res.error?.name).toBe("AuthInvalidJwtError")
    expect(res.error?.message).toBe("JWT has expired")
  })

  it("auth-js: returns an error for a token not in base64url format", async () => {
    const bad = `${b64({ alg: "ES256", typ: "JWT" })}.${b64({ sub: "1", exp: Math.floor(Date.now() / 1000) + 60 })}.invalid_signature!!`
    const res = await client(auth.url).auth.getClaims(bad)
    expect(res.error?.message).toContain("JWT not in base64url format")
  })

  it("auth-js: refreshes an expired session before verifying", async () => {
    const sb = client(threeSecond.url, { persist: true })
    const email = uniqueEmail("claims-refresh")
    await sb.auth.signUp({ email, password: "secret-pw" })
    const before = (await sb.auth.getSession()).data.session?.access_token
    await new Promise((r) => setTimeout(r, 3100))
    // The worst moment: the refreshed token is issued just before a second ticks over.
    while (Date.now() % 1000 < 980) await new Promise((r) => setTimeout(r, 5))
    const { data, error } = await sb.auth.getClaims()
    expect(error).toBeNull()
    expect(data?.claims.email).toBe(email)
    expect((await sb.auth.getSession()).data.session?.access_token).not.toBe(before)
  })
})

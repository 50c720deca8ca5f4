// Support for the auth emulator's own tests: an emulator on the suite's Postgres, supabase-js on it,
// and a pg pool. Only the package, supabase-js and pg: nothing of the app.
import { createPrivateKey, generateKeyPairSync, randomUUID } from "node:crypto"
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import { SignJWT } from "jose"
import pg from "pg"
import WebSocket from "ws"
import { inject } from "vitest"
import { LOCAL_JWT_SECRET, LOCAL_PUBLISHABLE_KEY, startAuthEmulator, type AuthEmulatorOptions } from "@subkit/supabase-auth-emulator"
import { apiKey, type JwtKey } from "@subkit/supabase-auth-emulator/tokens"

export type Emulator = Awaited<ReturnType<typeof startAuthEmulator>>

export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`)
  return value
}

let pool: pg.Pool | undefined
export const sql = () => (pool ??= new pg.Pool({ connectionString: inject("databaseUrl"), max: 5 }))

export const startTestAuth = (opts: Partial<AuthEmulatorOptions> = {}) =>
  startAuthEmulator({ databaseUrl: inject("databaseUrl"), port: 0, kdf: { N: 1024, r: 8, p: 1 }, log: () => {}, ...opts })

export function client(url: string, opts: { flowType?: "implicit" | "pkce"; key?: string; persist?: boolean } = {}): SupabaseClient {
  return createClient(url, opts.key ?? LOCAL_PUBLISHABLE_KEY, {
    auth: {
      persistSession: opts.persist ?? false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      flowType: opts.flowType ?? "implicit",
    },
    realtime: { transport: WebSocket as never },
  })
}

/** supabase-js with the CLI's service_role key (HS256 with the local secret), for `auth.admin`. */
export async function adminClient(url: string) {
  return client(url, { key: await apiKey(LOCAL_JWT_SECRET, "service_role") })
}

export const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`

/** A signing key as supabase-js's test/generate-signing-keys.js makes one: RSA-2048, a uuid kid, RS256, sign + verify. */
export function rsaSigningKey(ops = ["sign", "verify"]): JwtKey {
  const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" })
  return { ...jwk, kid: randomUUID(), key_ops: ops, alg: "RS256" }
}

/**
 * An API key signed by `key` under its kid, as supabase-js's test/lib/clients.ts makes SUPABASE_PUBLISHABLE_KEY
 * (`anon`) and SUPABASE_SECRET_KEY (`service_role`) from its signing key.
 */
export async function signedApiKey(key: JwtKey, role: "anon" | "service_role" | "supabase_admin") {
  return new SignJWT({ iss: "supabase-demo", role })
    .setProtectedHeader({ alg: String(key.alg), typ: "JWT", kid: String(key.kid) })
    .setIssuedAt(1768925145)
    .setExpirationTime(1983812996)
    .sign(key.kty === "oct" ? Buffer.from(String(key.k), "base64url") : createPrivateKey({ key, format: "jwk" }))
}

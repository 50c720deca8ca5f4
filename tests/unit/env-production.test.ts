import { describe, expect, it } from "vitest"
import {
  EnvError,
  isTestWebhookSecret,
  LEGACY_SUPABASE_KEYS,
  LOCAL_DEFAULTS,
  LOCAL_SUPABASE_ANON_KEY,
  LOCAL_SUPABASE_SERVICE_ROLE_KEY,
  PRODUCTION_VARIABLES,
  resolveEnv,
  stripeKeyMode,
} from "@/lib/env"

// A complete, valid production configuration; each test breaks one thing.
const LIVE_SECRET = "whsec_AbCdEfGhIjKlMnOpQrStUvWxYz012345"
const PROD = {
  NODE_ENV: "production",
  NEXT_PUBLIC_APP_URL: "https://app.example.com",
  DATABASE_URL: "postgres://postgres.abc:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres",
  NEXT_PUBLIC_SUPABASE_URL: "https://abc.supabase.co",
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "sb_publishable_AbCdEfGhIjKlMnOpQrStUv_12345678",
  SUPABASE_SECRET_KEY: "sb_secret_AbCdEfGhIjKlMnOpQrStUv_12345678",
  STRIPE_SECRET_KEY: "sk_live_51abc",
  STRIPE_WEBHOOK_SECRET: LIVE_SECRET,
  CRON_SECRET: "c".repeat(64),
  SMTP_URL: "smtps://resend:re_key@smtp.resend.com:465",
  EMAIL_FROM: "Acme Billing <billing@example.com>",
}

function refusal(source: Record<string, string | undefined>): EnvError {
  try {
    resolveEnv(source)
  } catch (err) {
    if (err instanceof EnvError) return err
    throw err
  }
  throw new Error("resolveEnv accepted the configuration")
}

describe("production configuration", () => {
  it("accepts a complete live configuration and uses none of the emulator defaults", () => {
    const env = resolveEnv(PROD)
    expect(env.offline).toBe(false)
    expect(env.stripeMode).toBe("live")
    expect(env.stripeApiBase).toBeUndefined()
    expect(env.databaseUrl).toBe(PROD.DATABASE_URL)
    expect(env.supabaseUrl).toBe(PROD.NEXT_PUBLIC_SUPABASE_URL)
    expect(env.cronSecret).toBe(PROD.CRON_SECRET)
    for (const value of Object.values(LOCAL_DEFAULTS)) expect(Object.values(env)).not.toContain(value)
  })

  it("with nothing configured refuses to start and names every variable and where to get it", () => {
    const err = refusal({ NODE_ENV: "production" })
    expect(err.variables.sort()).toEqual(Object.keys(PRODUCTION_VARIABLES).sort())
    for (const [name, where] of Object.entries(PRODUCTION_VARIABLES))
      expect(err.message).toContain(`${name} is required in production; get it from: ${where}`)
    expect(err.message).toContain("SUBKIT_OFFLINE=1")
  })

  it.each(Object.keys(PRODUCTION_VARIABLES))("refuses to start without %s alone", (name) => {
    expect(refusal({ ...PROD, [name]: undefined }).variables).toEqual([name])
    expect(refusal({ ...PROD, [name]: "  " }).variables).toEqual([name])
  })

  it("Supabase's keys: the publishable and secret keys, or the legacy anon / service_role JWTs in their own variables", () => {
    const env = resolveEnv(PROD)
    expect([env.supabaseAnonKey, env.supabaseServiceRoleKey]).toEqual([PROD.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, PROD.SUPABASE_SECRET_KEY])
    const anon = "eyJhbGciOiJIUzI1NiJ9.anon.sig"
    const serviceRole = "eyJhbGciOiJIUzI1NiJ9.service_role.sig"
    const legacy = {
      ...PROD,
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: undefined,
      SUPABASE_SECRET_KEY: undefined,
      NEXT_PUBLIC_SUPABASE_ANON_KEY: anon,
      SUPABASE_SERVICE_ROLE_KEY: serviceRole,
    }
    const old = resolveEnv(legacy)
    expect([old.supabaseAnonKey, old.supabaseServiceRoleKey]).toEqual([anon, serviceRole])
    // Both set (mid-migration): the new keys are used.
    const both = resolveEnv({
      ...legacy,
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: PROD.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY,
      SUPABASE_SECRET_KEY: PROD.SUPABASE_SECRET_KEY,
    })
    expect([both.supabaseAnonKey, both.supabaseServiceRoleKey]).toEqual([
      PROD.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY,
      PROD.SUPABASE_SECRET_KEY,
    ])
    // Neither of a pair: named by the new variable, with where to get either.
    for (const [name, old] of Object.entries(LEGACY_SUPABASE_KEYS)) {
      const err = refusal({ ...legacy, [name]: undefined, [old]: undefined })
      expect(err.variables).toEqual([name])
      expect(err.message).toContain(`${name} is required in production; get it from: `)
      expect(PRODUCTION_VARIABLES[name as keyof typeof PRODUCTION_VARIABLES]).toContain(old)
      expect(PRODUCTION_VARIABLES[name as keyof typeof PRODUCTION_VARIABLES]).toMatch(/API Keys/)
    }
    // Offline nothing is required: the CLI's local legacy keys, which the emulator accepts.
    const offline = resolveEnv({})
    expect([offline.supabaseAnonKey, offline.supabaseServiceRoleKey]).toEqual([LOCAL_SUPABASE_ANON_KEY, LOCAL_SUPABASE_SERVICE_ROLE_KEY])
  })

  it("refuses a Supabase key in the wrong variable", () => {
    const secret = PROD.SUPABASE_SECRET_KEY
    const publishable = PROD.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY
    expect(refusal({ ...PROD, NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: secret }).message).toMatch(
      /NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY holds a secret key/,
    )
    expect(refusal({ ...PROD, NEXT_PUBLIC_SUPABASE_ANON_KEY: secret }).variables).toEqual(["NEXT_PUBLIC_SUPABASE_ANON_KEY"])
    expect(refusal({ ...PROD, NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "eyJhbGciOiJIUzI1NiJ9.anon.sig" }).message).toMatch(
      /must be a publishable key \(sb_publishable_…\); a legacy anon JWT goes in NEXT_PUBLIC_SUPABASE_ANON_KEY/,
    )
    expect(refusal({ ...PROD, SUPABASE_SECRET_KEY: "eyJhbGciOiJIUzI1NiJ9.service_role.sig" }).message).toMatch(
      /SUPABASE_SECRET_KEY must be a secret key/,
    )
    expect(refusal({ ...PROD, SUPABASE_SECRET_KEY: publishable }).variables).toEqual(["SUPABASE_SECRET_KEY"])
    expect(refusal({ ...PROD, SUPABASE_SERVICE_ROLE_KEY: publishable }).message).toMatch(
      /SUPABASE_SERVICE_ROLE_KEY holds the publishable key/,
    )
    // Offline too: a secret key never belongs in a NEXT_PUBLIC_ variable.
    expect(refusal({ NEXT_PUBLIC_SUPABASE_ANON_KEY: secret }).variables).toEqual(["NEXT_PUBLIC_SUPABASE_ANON_KEY"])
  })

  it("requires https for the public URL and a long cron secret", () => {
    expect(refusal({ ...PROD, NEXT_PUBLIC_APP_URL: "http://app.example.com" }).message).toMatch(/NEXT_PUBLIC_APP_URL must be an https URL/)
    expect(refusal({ ...PROD, CRON_SECRET: "short" }).message).toMatch(/CRON_SECRET must be at least 32/)
  })

  it("billing email: an SMTP URL and a From address; the dev mailbox only offline", () => {
    expect(resolveEnv(PROD).email).toMatchObject({ smtpUrl: PROD.SMTP_URL, from: PROD.EMAIL_FROM })
    expect(refusal({ ...PROD, SMTP_URL: "https://smtp.example.com" }).message).toMatch(/SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/)
    expect(refusal({ ...PROD, SMTP_URL: "smtp://127.0.0.1:54325" }).message).toMatch(/SMTP_URL points at this machine/)
    expect(refusal({ ...PROD, EMAIL_FROM: "not an address" }).message).toMatch(/EMAIL_FROM must be an address/)
    expect(resolveEnv({ ...PROD, EMAIL_FROM: "billing@example.com" }).email.from).toBe("billing@example.com")
    const offline = resolveEnv({})
    expect(offline.email).toMatchObject({ smtpUrl: LOCAL_DEFAULTS.smtpUrl, from: LOCAL_DEFAULTS.emailFrom })
  })

  it("runs the production build offline only with an explicit SUBKIT_OFFLINE=1", () => {
    const env = resolveEnv({ NODE_ENV: "production", SUBKIT_OFFLINE: "1" })
    expect(env.offline).toBe(true)
    expect(env.stripeApiBase).toBe(LOCAL_DEFAULTS.stripeApiBase)
    expect(refusal({ NODE_ENV: "production", SUBKIT_OFFLINE: "yes" }).variables).toContain("SUBKIT_OFFLINE")
    expect(refusal({ NODE_ENV: "production", SUBKIT_OFFLINE: "1", VERCEL_ENV: "production" }).variables).toEqual(["SUBKIT_OFFLINE"])
    expect(refusal({ ...PROD, SUBKIT_OFFLINE: "1" }).message).toMatch(/SUBKIT_OFFLINE cannot be combined with a live Stripe key/)
  })

  it("does not require runtime secrets while `next build` runs", () => {
    expect(resolveEnv({ NODE_ENV: "production", NEXT_PHASE: "phase-production-build" }).offline).toBe(true)
  })

  it("tells live and test keys apart, restricted keys included", () => {
    expect(stripeKeyMode("sk_live_abc")).toBe("live")
    expect(stripeKeyMode("rk_live_abc")).toBe("live")
    expect(stripeKeyMode("sk_test_abc")).toBe("test")
    expect(stripeKeyMode("rk_test_abc")).toBe("test")
    expect(stripeKeyMode("pk_live_abc")).toBeNull()
    expect(resolveEnv({ ...PROD, STRIPE_SECRET_KEY: "rk_live_51abc" }).stripeMode).toBe("live")
    expect(resolveEnv({ ...PROD, STRIPE_SECRET_KEY: "sk_test_51abc", STRIPE_WEBHOOK_SECRET: "whsec_" + "a".repeat(64) }).stripeMode).toBe(
      "test",
    )
    expect(refusal({ ...PROD, STRIPE_SECRET_KEY: "pk_live_51abc" }).message).toMatch(/STRIPE_SECRET_KEY must be a secret/)
  })

  it("refuses a live key (sk_ or rk_) with a test webhook secret", () => {
    const cli = "whsec_" + "0123456789abcdef".repeat(4) // what `stripe listen` prints
    for (const key of ["sk_live_51abc", "rk_live_51abc"]) {
      for (const secret of [cli, "whsec_test_123", "whsec_integration_tests", "whsec_x"])
        expect(refusal({ ...PROD, STRIPE_SECRET_KEY: key, STRIPE_WEBHOOK_SECRET: secret }).variables).toEqual(["STRIPE_WEBHOOK_SECRET"])
    }
    expect(isTestWebhookSecret(LIVE_SECRET)).toBe(false)
    // Outside production too: a live key is live wherever it runs.
    expect(refusal({ NODE_ENV: "development", STRIPE_SECRET_KEY: "rk_live_1", STRIPE_WEBHOOK_SECRET: cli }).variables).toEqual([
      "STRIPE_WEBHOOK_SECRET",
    ])
  })

  it("refuses a live key with a non-Stripe host, and any other host in production", () => {
    for (const base of ["http://127.0.0.1:12111", "https://stripe.evil.example", "http://api.stripe.com"])
      expect(refusal({ ...PROD, STRIPE_API_BASE: base }).message).toMatch(/live Stripe key cannot point at another API host/)
    expect(resolveEnv({ ...PROD, STRIPE_API_BASE: "https://api.stripe.com" }).stripeMode).toBe("live")
    expect(refusal({ ...PROD, STRIPE_SECRET_KEY: "sk_test_1", STRIPE_API_BASE: "http://127.0.0.1:12111" }).message).toMatch(
      /STRIPE_API_BASE must be unset/,
    )
    // Offline production (e2e) points the test key at the emulator on purpose.
    expect(resolveEnv({ NODE_ENV: "production", SUBKIT_OFFLINE: "1", STRIPE_API_BASE: "http://127.0.0.1:12111" }).stripeApiBase).toBe(
      "http://127.0.0.1:12111",
    )
  })
})

// The only reader of process.env. With nothing configured the app runs offline against the
// local emulators and embedded Postgres; a partial production configuration refuses to start.
import { z } from "zod"

/** Supabase CLI's well-known local anon key (signed with the local JWT secret, role `anon`). */
export const LOCAL_SUPABASE_ANON_KEY =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0"

export const LOCAL_DEFAULTS = {
  appUrl: "http://localhost:3000",
  databaseUrl: "postgres://postgres:postgres@127.0.0.1:54322/postgres",
  supabaseUrl: "http://127.0.0.1:54321",
  stripeApiBase: "http://127.0.0.1:12111",
  stripeSecretKey: "sk_test_subkit_emulator",
} as const

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional()
const optionalUrl = optionalString.pipe(z.url().optional())

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    NEXT_PUBLIC_APP_URL: optionalUrl,
    DATABASE_URL: optionalString,
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    NEXT_PUBLIC_SUPABASE_URL: optionalUrl,
    NEXT_PUBLIC_SUPABASE_ANON_KEY: optionalString,
    STRIPE_SECRET_KEY: optionalString,
    STRIPE_WEBHOOK_SECRET: optionalString,
    /** Points the official SDK at another Stripe-compatible host (the emulator). */
    STRIPE_API_BASE: optionalUrl,
    STRIPE_PORTAL_CONFIGURATION_ID: optionalString,
    PORTAL_SESSIONS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
    /** Bearer token Vercel Cron (or any scheduler) sends to /api/cron/billing. */
    CRON_SECRET: optionalString,
    /** A delivery waits this long before it is applied, so a burst for one customer costs one Stripe read. */
    BILLING_COALESCE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** Customers one drain applies at once (each costs 1–2 Stripe calls). */
    BILLING_DRAIN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    /** Failed attempts before an event is dead (backoff doubles from 2 s up to 1 h: 16 ≈ 6 hours). */
    BILLING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(16),
    /** A page reload within this window shows the database instead of asking Stripe again. */
    BILLING_EAGER_SYNC_THROTTLE_S: z.coerce.number().int().min(0).max(3600).default(10),
    /** Processed events keep their payload this long, then the cron prunes it. */
    BILLING_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  })
  .superRefine((v, ctx) => {
    const need = (name: keyof typeof v, because: string) => {
      if (!v[name]) ctx.addIssue({ code: "custom", path: [name], message: `${name} is required when ${because}` })
    }
    // A real Stripe key without its webhook secret would accept payments and never record them.
    if (v.STRIPE_SECRET_KEY) need("STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY is set")
    if (v.NEXT_PUBLIC_SUPABASE_URL) need("NEXT_PUBLIC_SUPABASE_ANON_KEY", "NEXT_PUBLIC_SUPABASE_URL is set")
    if (v.STRIPE_SECRET_KEY?.startsWith("sk_live_") && v.STRIPE_API_BASE)
      ctx.addIssue({ code: "custom", path: ["STRIPE_API_BASE"], message: "a live Stripe key cannot point at another API host" })
  })

export type Env = ReturnType<typeof resolveEnv>

/** Validates and fills in the offline defaults. Exported for tests; the app uses `env`. */
export function resolveEnv(source: Record<string, string | undefined>) {
  const parsed = schema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "env"}: ${i.message}`)
    throw new Error(`Invalid configuration:\n${lines.join("\n")}\nSee .env.example.`)
  }
  const v = parsed.data
  const stripeOffline = !v.STRIPE_SECRET_KEY
  return {
    nodeEnv: v.NODE_ENV,
    appUrl: (v.NEXT_PUBLIC_APP_URL ?? LOCAL_DEFAULTS.appUrl).replace(/\/+$/, ""),
    databaseUrl: v.DATABASE_URL ?? LOCAL_DEFAULTS.databaseUrl,
    databasePoolMax: v.DATABASE_POOL_MAX,
    supabaseUrl: v.NEXT_PUBLIC_SUPABASE_URL ?? LOCAL_DEFAULTS.supabaseUrl,
    supabaseAnonKey: v.NEXT_PUBLIC_SUPABASE_ANON_KEY ?? LOCAL_SUPABASE_ANON_KEY,
    stripeSecretKey: v.STRIPE_SECRET_KEY ?? LOCAL_DEFAULTS.stripeSecretKey,
    stripeWebhookSecret: v.STRIPE_WEBHOOK_SECRET,
    stripeApiBase: v.STRIPE_API_BASE ?? (stripeOffline ? LOCAL_DEFAULTS.stripeApiBase : undefined),
    stripePortalConfigurationId: v.STRIPE_PORTAL_CONFIGURATION_ID,
    portalSessionsPerMinute: v.PORTAL_SESSIONS_PER_MINUTE,
    cronSecret: v.CRON_SECRET,
    billing: {
      coalesceMs: v.BILLING_COALESCE_MS,
      drainConcurrency: v.BILLING_DRAIN_CONCURRENCY,
      maxAttempts: v.BILLING_MAX_ATTEMPTS,
      eagerSyncThrottleSeconds: v.BILLING_EAGER_SYNC_THROTTLE_S,
      eventRetentionDays: v.BILLING_EVENT_RETENTION_DAYS,
    },
    logLevel: v.LOG_LEVEL,
  }
}

export const env: Env = resolveEnv(process.env)

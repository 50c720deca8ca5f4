// The only reader of process.env. Outside production, with nothing configured, the app runs offline
// against the local emulators and embedded Postgres. With NODE_ENV=production no emulator default is
// ever used: every variable is required (named with where to get it) unless SUBKIT_OFFLINE=1 says
// this production build runs offline on purpose (e2e tests, benchmarks).
import { z } from "zod"

/** Supabase CLI's well-known local anon key (signed with the local JWT secret, role `anon`). */
export const LOCAL_SUPABASE_ANON_KEY =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0"

/** Supabase CLI's well-known local service_role key (same local JWT secret, role `service_role`). */
export const LOCAL_SUPABASE_SERVICE_ROLE_KEY =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU"

/** Supabase CLI's well-known local publishable key (`supabase status`; the auth emulator's default, role `anon`). */
export const LOCAL_SUPABASE_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"

/** Supabase CLI's well-known local secret key (the auth emulator's default, role `service_role`). */
export const LOCAL_SUPABASE_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"

export const LOCAL_DEFAULTS = {
  appUrl: "http://localhost:3000",
  databaseUrl: "postgres://postgres:postgres@127.0.0.1:54322/postgres",
  supabaseUrl: "http://127.0.0.1:54321",
  stripeApiBase: "http://127.0.0.1:12111",
  stripeSecretKey: "sk_test_subkit_emulator",
  /** The Supabase Auth emulator's SMTP listener: its dev mailbox (:54321/_mailbox) shows every email. */
  smtpUrl: "smtp://127.0.0.1:54325",
  emailFrom: "subkit <billing@localhost>",
} as const

/** What production needs, and where each value comes from (printed when one is missing; docs/deploy.md). */
export const PRODUCTION_VARIABLES = {
  NEXT_PUBLIC_APP_URL: "the app's public https URL, e.g. https://app.example.com (your Vercel domain)",
  DATABASE_URL: "Supabase Dashboard → Connect → Transaction pooler (port 6543) connection string",
  NEXT_PUBLIC_SUPABASE_URL: "Supabase Dashboard → Project Settings → API → Project URL",
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY:
    "Supabase Dashboard → Project Settings → API Keys → Publishable key (sb_publishable_…); or the legacy anon key as NEXT_PUBLIC_SUPABASE_ANON_KEY",
  SUPABASE_SECRET_KEY:
    "Supabase Dashboard → Project Settings → API Keys → Secret keys → a secret key (sb_secret_…; server-only: team invite links sign the invitee in through the Auth admin API); or the legacy service_role key as SUPABASE_SERVICE_ROLE_KEY",
  STRIPE_SECRET_KEY: "Stripe Dashboard → Developers → API keys (sk_live_… or a restricted rk_live_… key)",
  STRIPE_WEBHOOK_SECRET:
    "the whsec_… printed by `npm run stripe:webhook` (or Stripe Dashboard → Webhooks → your endpoint → Signing secret)",
  CRON_SECRET: "any random string of 32+ characters, e.g. `openssl rand -hex 32`; Vercel Cron sends it as a Bearer token",
  SMTP_URL:
    "your email provider's SMTP URL, e.g. smtps://USER:PASSWORD@smtp.example.com:465 (Resend, Postmark, SES, SendGrid all give one)",
  EMAIL_FROM: 'the sender of billing emails, on a domain your provider verified, e.g. "Acme Billing <billing@example.com>"',
} as const

/** The legacy JWT key that stands in for each new key (Supabase retires the legacy keys at the end of 2026). */
export const LEGACY_SUPABASE_KEYS = {
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: "NEXT_PUBLIC_SUPABASE_ANON_KEY",
  SUPABASE_SECRET_KEY: "SUPABASE_SERVICE_ROLE_KEY",
} as const

export type StripeKeyMode = "live" | "test"

/** Secret (`sk_`) and restricted (`rk_`) keys name their mode; anything else is not a secret key. */
export function stripeKeyMode(key: string): StripeKeyMode | null {
  const m = /^(?:sk|rk)_(live|test)_/.exec(key)
  return m ? (m[1] as StripeKeyMode) : null
}

/** A secret that cannot belong to a live endpoint: endpoints created in the Dashboard or the API
 *  (as `npm run stripe:webhook` does) have `whsec_` + 32 or more letters and digits, while
 *  `stripe listen` prints 64 hex digits and placeholders (`whsec_test_…`) have other characters. */
export function isTestWebhookSecret(secret: string): boolean {
  return !/^whsec_[A-Za-z0-9]{32,}$/.test(secret) || /^whsec_[0-9a-f]{64}$/.test(secret)
}

const STRIPE_HOST = "api.stripe.com"

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional()
const optionalUrl = optionalString.pipe(z.url().optional())

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Set by `next build`: nothing is served or connected while building, so nothing is required. */
  NEXT_PHASE: optionalString,
  /** "1" lets a production build run against the local emulators (e2e tests, benchmarks). */
  SUBKIT_OFFLINE: optionalString.pipe(z.enum(["0", "1"]).optional()),
  VERCEL_ENV: optionalString,
  NEXT_PUBLIC_APP_URL: optionalUrl,
  DATABASE_URL: optionalString,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** Benchmarks only: a file the process appends a sample of its event loop, CPU and pool to every 100 ms (lib/db/probe.ts). */
  SUBKIT_PROBE_FILE: optionalString,
  NEXT_PUBLIC_SUPABASE_URL: optionalUrl,
  /** Supabase's publishable key (sb_publishable_…); NEXT_PUBLIC_SUPABASE_ANON_KEY, the legacy anon JWT, stands in for it. */
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: optionalString,
  NEXT_PUBLIC_SUPABASE_ANON_KEY: optionalString,
  /**
   * Supabase's secret key (sb_secret_…): the Auth admin API (invite sign-in, `npm run admin:grant`); never sent
   * to a browser (Supabase refuses it from one). SUPABASE_SERVICE_ROLE_KEY, the legacy service_role JWT, stands in for it.
   */
  SUPABASE_SECRET_KEY: optionalString,
  SUPABASE_SERVICE_ROLE_KEY: optionalString,
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  /** Points the official SDK at another Stripe-compatible host (the emulator). */
  STRIPE_API_BASE: optionalUrl,
  STRIPE_PORTAL_CONFIGURATION_ID: optionalString,
  /** Bearer token Vercel Cron (or any scheduler) sends to /api/cron/billing; required in production. */
  CRON_SECRET: optionalString,
  /** Checkout's payment_method_collection for trials: "always" collects a card up front, "if_required" does not. */
  CHECKOUT_PAYMENT_METHOD_COLLECTION: z.enum(["always", "if_required"]).default("always"),
  /** What Stripe does when a trial ends without a payment method (only possible with if_required): Stripe's trial_settings. */
  TRIAL_END_WITHOUT_PAYMENT_METHOD: z.enum(["cancel", "pause", "create_invoice"]).default("cancel"),
  /** "off" stops offering free trials (the catalog's trialDays) without a code change. */
  BILLING_TRIALS: z.enum(["on", "off"]).default("on"),
  /**
   * "on" turns on Stripe Tax: automatic_tax on Checkout (billing address and VAT id collected), plan
   * changes and previews. Off by default: live mode needs Stripe Tax set up in the Dashboard (head
   * office address, registrations) first (docs/deploy.md "Stripe Tax").
   */
  STRIPE_TAX: z.enum(["on", "off"]).default("off"),
  PORTAL_SESSIONS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
  /** Multiplies the per-IP auth attempt limits (lib/auth/auth-limits.ts): raise it where many people share one IP. */
  AUTH_IP_LIMIT_SCALE: z.coerce.number().int().min(1).max(10000).default(1),
  /** A delivery waits this long before it is applied, so a burst for one customer costs one Stripe read. */
  BILLING_COALESCE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Customers one drain applies at once (each costs 1–2 Stripe calls). */
  BILLING_DRAIN_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** While the process is busy (pages), the drain starts at most one customer per this many ms; 0: never paced. */
  BILLING_DRAIN_BUSY_PAUSE_MS: z.coerce.number().int().min(0).max(1000).default(40),
  /** While pages are in flight, webhook deliveries handled at once (the rest wait, at most 2 s); 0: never held. */
  BILLING_INGEST_WHILE_PAGES: z.coerce.number().int().min(0).max(1000).default(2),
  /** Failed attempts before an event is dead (backoff doubles from 2 s up to 1 h: 16 ≈ 6 hours). */
  BILLING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(16),
  /** A page reload within this window shows the database instead of asking Stripe again. */
  BILLING_EAGER_SYNC_THROTTLE_S: z.coerce.number().int().min(0).max(3600).default(10),
  /** Processed events keep their payload this long, then the cron prunes it. */
  BILLING_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** A customer's recorded usage goes to Stripe once it is 1,000 rows or its oldest row is this old; 0: at the next flush. */
  USAGE_BATCH_MAX_AGE_S: z.coerce.number().int().min(0).max(3600).default(60),
  /** Billing emails leave through this SMTP server (smtp:// or smtps://, credentials in the URL). */
  SMTP_URL: optionalUrl.pipe(
    z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .optional(),
  ),
  /** The From header of billing emails: an address, or "Name <address>". */
  EMAIL_FROM: optionalString.pipe(
    z
      .string()
      .regex(/^(?:[^<>@]*<[^\s<>@]+@[^\s<>@]+\.?[^\s<>@]*>|[^\s<>@]+@[^\s<>@]+)$/, 'must be an address or "Name <address>"')
      .optional(),
  ),
  /** Failed sends before an email is dead (backoff doubles from 2 s up to 1 h). */
  EMAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
})

type Parsed = z.infer<typeof schema>
type Issue = { path: string; message: string }

/** Production unless told it is offline or merely being built. */
function isStrict(v: Parsed) {
  return v.NODE_ENV === "production" && v.SUBKIT_OFFLINE !== "1" && v.NEXT_PHASE !== "phase-production-build"
}

type Options = {
  /** For `npm run stripe:webhook`, which creates the webhook secret the rest of the configuration needs. */
  withoutWebhookSecret?: boolean
}

function rules(v: Parsed, opts: Options): Issue[] {
  const issues: Issue[] = []
  const add = (path: string, message: string) => issues.push({ path, message })
  const strict = isStrict(v)
  if (strict) {
    for (const [name, where] of Object.entries(PRODUCTION_VARIABLES)) {
      const legacy = LEGACY_SUPABASE_KEYS[name as keyof typeof LEGACY_SUPABASE_KEYS] as keyof Parsed | undefined
      if (
        !v[name as keyof typeof PRODUCTION_VARIABLES] &&
        !(legacy && v[legacy]) &&
        !(opts.withoutWebhookSecret && name === "STRIPE_WEBHOOK_SECRET")
      )
        add(name, `is required in production; get it from: ${where}`)
    }
    if (v.NEXT_PUBLIC_APP_URL && !v.NEXT_PUBLIC_APP_URL.startsWith("https://"))
      add("NEXT_PUBLIC_APP_URL", "must be an https URL in production")
    if (v.CRON_SECRET && v.CRON_SECRET.length < 32) add("CRON_SECRET", "must be at least 32 characters")
    if (v.SMTP_URL && /^smtps?:\/\/(127\.|localhost|\[::1\])/.test(v.SMTP_URL))
      add("SMTP_URL", "points at this machine (the dev mailbox); use your email provider's SMTP URL in production")
  } else {
    // Outside production a half-set group is a mistake: name what is missing.
    if (v.STRIPE_SECRET_KEY && !v.STRIPE_WEBHOOK_SECRET && !opts.withoutWebhookSecret)
      add("STRIPE_WEBHOOK_SECRET", "is required when STRIPE_SECRET_KEY is set")
    if (v.NEXT_PUBLIC_SUPABASE_URL && !v.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY && !v.NEXT_PUBLIC_SUPABASE_ANON_KEY)
      add(
        "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
        "(or the legacy NEXT_PUBLIC_SUPABASE_ANON_KEY) is required when NEXT_PUBLIC_SUPABASE_URL is set",
      )
  }
  // A key in the wrong variable: a secret key in a NEXT_PUBLIC_ one could reach a browser bundle (and Supabase
  // refuses it from a browser); a publishable key cannot do the admin calls the secret one is for.
  for (const name of ["NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY", "NEXT_PUBLIC_SUPABASE_ANON_KEY"] as const)
    if (v[name]?.startsWith("sb_secret_")) add(name, "holds a secret key (sb_secret_…); use the publishable key (sb_publishable_…) here")
  if (v.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY && !/^sb_(publishable|secret)_/.test(v.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY))
    add(
      "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
      "must be a publishable key (sb_publishable_…); a legacy anon JWT goes in NEXT_PUBLIC_SUPABASE_ANON_KEY",
    )
  if (v.SUPABASE_SECRET_KEY && !/^sb_(secret|publishable)_/.test(v.SUPABASE_SECRET_KEY))
    add("SUPABASE_SECRET_KEY", "must be a secret key (sb_secret_…); a legacy service_role JWT goes in SUPABASE_SERVICE_ROLE_KEY")
  for (const name of ["SUPABASE_SECRET_KEY", "SUPABASE_SERVICE_ROLE_KEY"] as const)
    if (v[name]?.startsWith("sb_publishable_")) add(name, "holds the publishable key; use a secret key (sb_secret_…) here")
  if (v.SUBKIT_OFFLINE === "1" && v.VERCEL_ENV === "production") add("SUBKIT_OFFLINE", "must not be set on a Vercel production deployment")

  const key = v.STRIPE_SECRET_KEY
  const mode = key ? stripeKeyMode(key) : null
  if (key && !mode) add("STRIPE_SECRET_KEY", "must be a secret (sk_live_/sk_test_) or restricted (rk_live_/rk_test_) key")
  const base = v.STRIPE_API_BASE ? new URL(v.STRIPE_API_BASE) : undefined
  const stripeHost = !base || (base.protocol === "https:" && base.hostname === STRIPE_HOST)
  if (mode === "live") {
    if (!stripeHost) add("STRIPE_API_BASE", `a live Stripe key cannot point at another API host (${base?.host})`)
    if (v.STRIPE_WEBHOOK_SECRET && !opts.withoutWebhookSecret && isTestWebhookSecret(v.STRIPE_WEBHOOK_SECRET))
      add(
        "STRIPE_WEBHOOK_SECRET",
        "looks like a test-mode secret (from `stripe listen` or a placeholder) next to a live key; use the live endpoint's secret from `npm run stripe:webhook`",
      )
    if (v.SUBKIT_OFFLINE === "1") add("SUBKIT_OFFLINE", "cannot be combined with a live Stripe key")
  }
  if (strict && !stripeHost)
    add("STRIPE_API_BASE", `must be unset (or https://${STRIPE_HOST}) in production; the emulator is for SUBKIT_OFFLINE=1 runs`)
  return issues
}

export type Env = ReturnType<typeof resolveEnv>

/** Validates and fills in the offline defaults where allowed. Exported for tests; the app uses `env`. */
export function resolveEnv(source: Record<string, string | undefined>, opts: Options = {}) {
  const parsed = schema.safeParse(source)
  const issues: Issue[] = parsed.success
    ? rules(parsed.data, opts)
    : parsed.error.issues.map((i) => ({ path: i.path.join(".") || "env", message: i.message }))
  if (!parsed.success || issues.length) {
    const production = source.NODE_ENV === "production" && source.SUBKIT_OFFLINE !== "1"
    const lines = issues.map((i) => `  - ${i.path} ${i.message}`)
    const hint = production
      ? "Set them in your host's environment (Vercel → Project → Settings → Environment Variables); see docs/deploy.md.\nTo run this production build against the local emulators instead, set SUBKIT_OFFLINE=1."
      : "See .env.example."
    throw new EnvError(
      `subkit cannot start: invalid configuration:\n${lines.join("\n")}\n${hint}`,
      issues.map((i) => i.path),
    )
  }
  const v = parsed.data
  const stripeOffline = !v.STRIPE_SECRET_KEY
  return {
    nodeEnv: v.NODE_ENV,
    offline: !isStrict(v),
    appUrl: (v.NEXT_PUBLIC_APP_URL ?? LOCAL_DEFAULTS.appUrl).replace(/\/+$/, ""),
    databaseUrl: v.DATABASE_URL ?? LOCAL_DEFAULTS.databaseUrl,
    databasePoolMax: v.DATABASE_POOL_MAX,
    probeFile: v.SUBKIT_PROBE_FILE,
    supabaseUrl: v.NEXT_PUBLIC_SUPABASE_URL ?? LOCAL_DEFAULTS.supabaseUrl,
    /** The publishable key, else the legacy anon JWT; offline, the CLI's local anon key. */
    supabaseAnonKey: v.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY ?? v.NEXT_PUBLIC_SUPABASE_ANON_KEY ?? LOCAL_SUPABASE_ANON_KEY,
    /** The secret key, else the legacy service_role JWT: required in production (team invite sign-in); the CLI's local key otherwise. */
    supabaseServiceRoleKey: v.SUPABASE_SECRET_KEY ?? v.SUPABASE_SERVICE_ROLE_KEY ?? (isStrict(v) ? null : LOCAL_SUPABASE_SERVICE_ROLE_KEY),
    stripeSecretKey: v.STRIPE_SECRET_KEY ?? LOCAL_DEFAULTS.stripeSecretKey,
    stripeMode: stripeKeyMode(v.STRIPE_SECRET_KEY ?? LOCAL_DEFAULTS.stripeSecretKey) ?? "test",
    stripeWebhookSecret: v.STRIPE_WEBHOOK_SECRET,
    stripeApiBase: v.STRIPE_API_BASE ?? (stripeOffline ? LOCAL_DEFAULTS.stripeApiBase : undefined),
    stripePortalConfigurationId: v.STRIPE_PORTAL_CONFIGURATION_ID,
    cronSecret: v.CRON_SECRET,
    portalSessionsPerMinute: v.PORTAL_SESSIONS_PER_MINUTE,
    authIpLimitScale: v.AUTH_IP_LIMIT_SCALE,
    checkoutPaymentMethodCollection: v.CHECKOUT_PAYMENT_METHOD_COLLECTION,
    trialEndWithoutPaymentMethod: v.TRIAL_END_WITHOUT_PAYMENT_METHOD,
    billing: {
      trials: v.BILLING_TRIALS === "on",
      /** Stripe Tax (automatic_tax) on Checkout, plan changes and previews. */
      tax: v.STRIPE_TAX === "on",
      coalesceMs: v.BILLING_COALESCE_MS,
      drainConcurrency: v.BILLING_DRAIN_CONCURRENCY,
      drainBusyPauseMs: v.BILLING_DRAIN_BUSY_PAUSE_MS,
      ingestWhilePages: v.BILLING_INGEST_WHILE_PAGES,
      maxAttempts: v.BILLING_MAX_ATTEMPTS,
      eagerSyncThrottleSeconds: v.BILLING_EAGER_SYNC_THROTTLE_S,
      eventRetentionDays: v.BILLING_EVENT_RETENTION_DAYS,
      usageBatchMaxAgeSeconds: v.USAGE_BATCH_MAX_AGE_S,
    },
    email: {
      smtpUrl: v.SMTP_URL ?? LOCAL_DEFAULTS.smtpUrl,
      from: v.EMAIL_FROM ?? LOCAL_DEFAULTS.emailFrom,
      maxAttempts: v.EMAIL_MAX_ATTEMPTS,
    },
    logLevel: v.LOG_LEVEL,
  }
}

/** A configuration error: `variables` names every offending variable. */
export class EnvError extends Error {
  constructor(
    message: string,
    readonly variables: string[],
  ) {
    super(message)
    this.name = "EnvError"
  }
}

let resolved: Env | undefined
/** The app's configuration, validated on first use (instrumentation.ts uses it at server start),
 *  so scripts that import this module for `resolveEnv` are not held to the app's rules. */
export const env: Env = new Proxy({} as Env, {
  get: (_target, key) => (resolved ??= resolveEnv(process.env))[key as keyof Env],
})

/** Validates the process's configuration now; throws EnvError naming every problem. */
export function validateEnv(): Env {
  return (resolved ??= resolveEnv(process.env))
}

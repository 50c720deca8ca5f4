// The CLI: supabase-auth-emulator [--port 54321] [--host 127.0.0.1] [--database-url postgres://…] [--jwt-secret …]
// [--jwt-keys '[{…}]' | --jwt-keys keys.json] [--jwt-exp 3600] [--site-url …] [--public-url …] [--smtp-port 54325]
// [--confirm-email] [--publishable-key sb_publishable_…] [--secret-key sb_secret_…]… Each flag also reads an environment variable (GoTrue's own name where it has one); a flag wins.
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { defaultApiKeys, LOCAL_JWT_SECRET, startAuthEmulator } from "./server"

const HELP = `supabase-auth-emulator: the Supabase Auth (GoTrue) API at /auth/v1, users in Postgres's auth.users

  --port <n>            HTTP port (AUTH_EMULATOR_PORT, default 54321; 0 picks a free one)
  --host <addr>         address to listen on (AUTH_EMULATOR_HOST, default 127.0.0.1)
  --database-url <url>  the Postgres holding the auth schema (DATABASE_URL,
                        default postgres://postgres:postgres@127.0.0.1:54322/postgres)
  --jwt-secret <s>      the legacy HS256 secret (GOTRUE_JWT_SECRET, default the Supabase CLI's local secret)
  --jwt-keys <json|file> signing keys: a JSON array of JWKs, or a file holding one (GOTRUE_JWT_KEYS; default one
                        ES256 key derived from the secret)
  --jwt-exp <s>         access token lifetime in seconds (GOTRUE_JWT_EXP, default 3600)
  --site-url <url>      where links go without a redirect_to (GOTRUE_SITE_URL, default the public URL)
  --public-url <url>    the URL links and the token issuer name (API_EXTERNAL_URL, default the listening address)
  --smtp-port <n>       the SMTP sink feeding the mailbox (AUTH_EMULATOR_SMTP_PORT, default 54325; 0 picks a free one)
  --confirm-email       signups must confirm their email (GOTRUE_MAILER_AUTOCONFIRM=false; default: autoconfirm)
  --publishable-key <k> the publishable API key, role anon (SUPABASE_PUBLISHABLE_KEY; default with the CLI's JWT
                        secret the CLI's ${defaultApiKeys(LOCAL_JWT_SECRET).publishableKey},
                        else one derived from the secret)
  --secret-key <k>      a secret API key, role service_role; repeat it for several (SUPABASE_SECRET_KEY, several
                        comma-separated; default with the CLI's JWT secret the CLI's
                        ${defaultApiKeys(LOCAL_JWT_SECRET).secretKey}, else one derived from the secret)
  --help

Every request but /verify, /health, the JWKS and the mailbox needs an API key in the apikey header (as hosted
Supabase's gateway): the publishable or a secret key, or a legacy anon / service_role JWT signed with the JWT
secret (or, with --jwt-keys, the signing key). A secret key is refused from a browser (a Mozilla/ User-Agent).

There is no --state or --in-memory: users, sessions and tokens are the database's (auth.*); the mailbox is in memory.`

const { values: flags } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "database-url": { type: "string" },
    "jwt-secret": { type: "string" },
    "jwt-keys": { type: "string" },
    "jwt-exp": { type: "string" },
    "site-url": { type: "string" },
    "public-url": { type: "string" },
    "smtp-port": { type: "string" },
    "confirm-email": { type: "boolean" },
    "publishable-key": { type: "string" },
    "secret-key": { type: "string", multiple: true },
    help: { type: "boolean" },
  },
})
if (flags.help) {
  console.log(HELP)
  process.exit(0)
}
const env = process.env
/** A port or a lifetime: a whole number, else the CLI stops with the flag's name. */
function whole(value: string | undefined, name: string, fallback: number) {
  if (value === undefined || value === "") return fallback
  if (!/^\d+$/.test(value)) {
    console.error(`supabase-auth-emulator: ${name} must be a whole number, not ${value}`)
    process.exit(2)
  }
  return Number(value)
}
// GOTRUE_JWT_KEYS is the JSON itself; --jwt-keys may also name a file holding it (the CLI's signing_keys_path).
const keysArg = flags["jwt-keys"] ?? env.GOTRUE_JWT_KEYS
const jwtKeys = keysArg && !keysArg.trimStart().startsWith("[") ? readFileSync(keysArg, "utf8") : keysArg || undefined
const secretArg = flags["secret-key"]?.length ? flags["secret-key"] : env.SUPABASE_SECRET_KEY?.split(",").map((k) => k.trim())
const secretKey = secretArg?.filter(Boolean).length ? secretArg.filter(Boolean) : undefined
const autoconfirm = flags["confirm-email"] ? false : env.GOTRUE_MAILER_AUTOCONFIRM === "false" ? false : undefined

let emulator: Awaited<ReturnType<typeof startAuthEmulator>>
try {
  emulator = await startAuthEmulator({
    databaseUrl: flags["database-url"] ?? env.DATABASE_URL ?? "postgres://postgres:postgres@127.0.0.1:54322/postgres",
    port: whole(flags.port ?? env.AUTH_EMULATOR_PORT, "--port", 54321),
    host: flags.host ?? env.AUTH_EMULATOR_HOST,
    jwtSecret: flags["jwt-secret"] || env.GOTRUE_JWT_SECRET || undefined,
    jwtKeys,
    jwtTtlSeconds: whole(flags["jwt-exp"] ?? env.GOTRUE_JWT_EXP, "--jwt-exp", 3600),
    siteUrl: flags["site-url"] || env.GOTRUE_SITE_URL || undefined,
    publicUrl: flags["public-url"] || env.API_EXTERNAL_URL || undefined,
    smtpPort: whole(flags["smtp-port"] ?? env.AUTH_EMULATOR_SMTP_PORT, "--smtp-port", 54325),
    mailerAutoconfirm: autoconfirm,
    publishableKey: flags["publishable-key"] || env.SUPABASE_PUBLISHABLE_KEY || undefined,
    secretKey,
  })
} catch (err) {
  console.error(`supabase-auth-emulator: ${(err as Error).message}`)
  process.exit(1)
}
console.log(`[auth] Supabase Auth emulator on ${emulator.url}/auth/v1; SMTP into its mailbox on ${emulator.smtpUrl}`)
// The default keys are printed whole, as `supabase status` prints the CLI's; a secret key you gave only by its
// first 6 random characters (the docs' rule for logging one).
const shown = (k: string) => (secretKey ? `${k.slice(0, "sb_secret_".length + 6)}…` : k)
console.log(
  `[auth] API keys: publishable ${emulator.publishableKey} (anon), secret ${emulator.secretKeys.map(shown).join(", ")} (service_role); ` +
    `legacy anon / service_role JWTs signed with the ${jwtKeys ? "signing key" : "JWT secret"} work too`,
)
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void emulator.stop().then(() => process.exit(0)))

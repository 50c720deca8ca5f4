// The CLI: stripe-emulator [--port 12111] [--host 127.0.0.1] [--state file.json | --in-memory]
// [--secret-key sk_test_…] [--account-name "Acme"] [--brand-color "#0a7cff"] [--latency-ms 100-300]
// [--rate-limit 25]. Each flag also reads an environment variable (STRIPE_EMULATOR_*); a flag wins.
import path from "node:path"
import { parseArgs } from "node:util"
import { startStripeEmulator } from "./server"

const HELP = `stripe-emulator: a stateful Stripe API emulator (API /v1, hosted pages, admin /_emulator)

  --port <n>            port (STRIPE_EMULATOR_PORT, default 12111; 0 picks a free one)
  --host <addr>         address to listen on (default 127.0.0.1)
  --state <file>        persist state to this JSON file (STRIPE_EMULATOR_STATE, default .data/stripe-emulator.json)
  --in-memory           keep state in memory only
  --secret-key <key>    the one secret key accepted (STRIPE_EMULATOR_SECRET_KEY, default sk_test_subkit_emulator)
  --account-name <name> the account's name on invoices and hosted pages (STRIPE_EMULATOR_ACCOUNT_NAME, default "Test account")
  --brand-color <hex>   the hosted pages' accent colour (STRIPE_EMULATOR_BRAND_COLOR, default #635bff)
  --latency-ms <ms>     added to every /v1 response: 150 or 100-300 (STRIPE_EMULATOR_LATENCY_MS)
  --rate-limit <n>      /v1 requests per second before 429 (STRIPE_EMULATOR_RATE_LIMIT)
  --help`

const { values: flags } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    state: { type: "string" },
    "in-memory": { type: "boolean" },
    "secret-key": { type: "string" },
    "account-name": { type: "string" },
    "brand-color": { type: "string" },
    "latency-ms": { type: "string" },
    "rate-limit": { type: "string" },
    help: { type: "boolean" },
  },
})
if (flags.help) {
  console.log(HELP)
  process.exit(0)
}
const env = process.env
const rateLimit = flags["rate-limit"] ?? env.STRIPE_EMULATOR_RATE_LIMIT
const emulator = await startStripeEmulator({
  port: Number(flags.port ?? env.STRIPE_EMULATOR_PORT ?? 12111),
  host: flags.host,
  stateFile: flags["in-memory"] ? undefined : (flags.state ?? env.STRIPE_EMULATOR_STATE ?? path.resolve(".data/stripe-emulator.json")),
  secretKey: flags["secret-key"] || env.STRIPE_EMULATOR_SECRET_KEY || undefined,
  latencyMs: flags["latency-ms"] || env.STRIPE_EMULATOR_LATENCY_MS || undefined,
  rateLimit: rateLimit ? Number(rateLimit) : undefined,
  branding: {
    accountName: flags["account-name"] || env.STRIPE_EMULATOR_ACCOUNT_NAME || undefined,
    primaryColor: flags["brand-color"] || env.STRIPE_EMULATOR_BRAND_COLOR || undefined,
  },
})
console.log(`[stripe] Stripe emulator on ${emulator.url} (API /v1, admin /_emulator, key ${emulator.secretKey})`)
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void emulator.stop().then(() => process.exit(0)))

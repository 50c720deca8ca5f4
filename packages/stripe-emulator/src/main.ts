// Runs the Stripe emulator alone: npm run emulator:stripe (state in .data/stripe-emulator.json under the
// directory it is started from).
import path from "node:path"
import { startStripeEmulator } from "./server"

const env = process.env
const emulator = await startStripeEmulator({
  port: Number(env.STRIPE_EMULATOR_PORT ?? 12111),
  stateFile: env.STRIPE_EMULATOR_STATE ?? path.resolve(".data/stripe-emulator.json"),
  secretKey: env.STRIPE_EMULATOR_SECRET_KEY || undefined,
  latencyMs: env.STRIPE_EMULATOR_LATENCY_MS || undefined,
  rateLimit: env.STRIPE_EMULATOR_RATE_LIMIT ? Number(env.STRIPE_EMULATOR_RATE_LIMIT) : undefined,
})
console.log(`[stripe] Stripe emulator on ${emulator.url} (API /v1, admin /_emulator, key ${emulator.secretKey})`)
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void emulator.stop().then(() => process.exit(0)))

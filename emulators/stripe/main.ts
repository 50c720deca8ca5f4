// Runs the Stripe emulator alone: npm run emulator:stripe (state in .data/stripe-emulator.json).
import path from "node:path"
import { startStripeEmulator } from "./server"

const emulator = await startStripeEmulator({
  port: Number(process.env.STRIPE_EMULATOR_PORT ?? 12111),
  stateFile: process.env.STRIPE_EMULATOR_STATE ?? path.resolve(import.meta.dirname, "../../.data/stripe-emulator.json"),
})
console.log(`[stripe] Stripe emulator on ${emulator.url} (API /v1, admin /_emulator)`)
for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => void emulator.stop().then(() => process.exit(0)))

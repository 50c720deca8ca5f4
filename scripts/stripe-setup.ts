// npm run stripe:setup: create or update the products, prices, Customer Portal configuration and
// plan rows in whichever Stripe the configuration points at (the emulator offline).
import Stripe from "stripe"
import { resolveEnv } from "../lib/env"
import { stripeOptions } from "../lib/stripe/client-options"
import { loadEnvFiles } from "./lib/load-env"
import { setupStripe } from "./lib/stripe-setup"

loadEnvFiles()
const env = resolveEnv(process.env)
const stripe = new Stripe(env.stripeSecretKey, stripeOptions(env))
const result = await setupStripe(stripe, env.databaseUrl, env.appUrl, { mode: env.stripeMode })
console.log(result.changes.length ? result.changes.map((c) => `  ${c}`).join("\n") : "  nothing to change")
for (const note of result.notes) console.log(`note: ${note}`)
console.log(`portal configuration: ${result.portalConfigurationId}`)

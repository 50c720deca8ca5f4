// npm run stripe:webhook [-- --recreate]: create or update the Stripe webhook endpoint for
// NEXT_PUBLIC_APP_URL with exactly the events subkit handles, and print its signing secret.
import Stripe from "stripe"
import { resolveEnv } from "../lib/env"
import { stripeOptions } from "../lib/stripe/client-options"
import { loadEnvFiles } from "./lib/load-env"
import { ensureWebhookEndpoint } from "./lib/stripe-webhook"

loadEnvFiles()
try {
  const env = resolveEnv(process.env, { withoutWebhookSecret: true })
  const stripe = new Stripe(env.stripeSecretKey, stripeOptions(env))
  const result = await ensureWebhookEndpoint(stripe, env.appUrl, { recreate: process.argv.includes("--recreate") })
  const ep = result.endpoint
  console.log(`${result.action} webhook endpoint ${ep.id} (${ep.livemode ? "live" : "test"} mode)`)
  console.log(`  url      ${ep.url}`)
  console.log(`  version  ${ep.api_version ?? "(account default)"}`)
  console.log(`  events   ${ep.enabled_events.join(", ")}`)
  if (result.secret)
    console.log(
      `\nSTRIPE_WEBHOOK_SECRET=${result.secret}\n(Stripe shows this secret only now: set it where the app runs, e.g. Vercel → Settings → Environment Variables.)`,
    )
  else
    console.log(
      "\nSigning secret unchanged: keep STRIPE_WEBHOOK_SECRET as it is (Stripe shows a secret only when the endpoint is created; run with --recreate for a new one).",
    )
  for (const p of result.problems) console.error(`problem: ${p}`)
  process.exitCode = result.problems.length ? 1 : 0
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
}

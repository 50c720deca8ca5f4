// The catalog (plans) and one webhook endpoint pointing at the app, on a Stripe emulator: what the
// offline stack needs before the app starts. Returns the endpoint's signing secret.
import type Stripe from "stripe"
import { setupStripe } from "./stripe-setup"
import { ensureWebhookEndpoint } from "./stripe-webhook"

export async function prepareStripe(client: Stripe, databaseUrl: string, appUrl: string, log: (line: string) => void): Promise<string> {
  const setup = await setupStripe(client, databaseUrl, appUrl)
  if (setup.changes.length) log(`stripe:setup: ${setup.changes.join(", ")}`)
  // The same endpoint `npm run stripe:webhook` makes in production (exactly the handled events);
  // recreated so a restarted stack gets a secret it knows.
  const { secret } = await ensureWebhookEndpoint(client, appUrl, { recreate: true })
  if (!secret) throw new Error("the Stripe emulator returned no webhook secret")
  return secret
}

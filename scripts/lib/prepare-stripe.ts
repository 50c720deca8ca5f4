// The catalog (plans) and one webhook endpoint pointing at the app, on a Stripe emulator: what the
// offline stack needs before the app starts. Returns the endpoint's signing secret.
import type Stripe from "stripe"
import { setupStripe } from "./stripe-setup"

export async function prepareStripe(client: Stripe, databaseUrl: string, appUrl: string, log: (line: string) => void): Promise<string> {
  const setup = await setupStripe(client, databaseUrl, appUrl)
  if (setup.changes.length) log(`stripe:setup: ${setup.changes.join(", ")}`)
  // One endpoint per app URL: a restarted stack replaces the one it created last time.
  const hookUrl = `${appUrl}/api/webhooks/stripe`
  for (const ep of (await client.webhookEndpoints.list({ limit: 100 })).data) if (ep.url === hookUrl) await client.webhookEndpoints.del(ep.id)
  const endpoint = await client.webhookEndpoints.create({ url: hookUrl, enabled_events: ["*"], description: "subkit dev" })
  if (!endpoint.secret) throw new Error("the Stripe emulator returned a webhook endpoint without a secret")
  return endpoint.secret
}

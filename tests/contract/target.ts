// Where the Stripe contract suite runs: an emulator of its own (default), a running emulator at
// STRIPE_EMULATOR_URL, or Stripe's test mode when STRIPE_SECRET_KEY=sk_test_… is set and no emulator
// URL (STRIPE_EMULATOR_URL or STRIPE_API_BASE) is. Everything the suite
// creates carries metadata `subkit_contract_run` and is removed (or archived) afterwards.
import { randomUUID } from "node:crypto"
import Stripe from "stripe"
import { DEFAULT_SECRET_KEY } from "@subkit/stripe-emulator"
import { startCheckedEmulator } from "../support/contract"

export type Target = {
  name: "emulator" | "stripe" | "running emulator"
  stripe: Stripe
  /**
   * A client like `stripe` with another key (a meter event session's token, as Stripe's own example does
   * with `new Stripe(token)`): against Stripe it reaches meter-events.stripe.com for the stream, against an
   * emulator the emulator (the SDK sends the stream to the configured host).
   */
  client(key: string): Stripe
  /** Moves an emulator's own clock (a meter event session's expiry runs on it); absent against Stripe. */
  advanceEmulatorClock?(seconds: number): Promise<void>
  run: string
  /** metadata to tag every object with. */
  tag: { subkit_contract_run: string }
  /** Deletes or archives what the run created. */
  cleanup(): Promise<void>
  stop(): Promise<void>
}

export async function contractTarget(): Promise<Target> {
  const key = process.env.STRIPE_SECRET_KEY
  const run = randomUUID()
  const tag = { subkit_contract_run: run }
  const external = process.env.STRIPE_EMULATOR_URL ?? process.env.STRIPE_API_BASE
  if (external) {
    const url = new URL(external)
    const client = (k: string) =>
      new Stripe(k, { host: url.hostname, port: url.port, protocol: url.protocol === "https:" ? "https" : "http", maxNetworkRetries: 0 })
    const stripe = client(key ?? DEFAULT_SECRET_KEY)
    const advanceEmulatorClock = async (seconds: number) => {
      const res = await fetch(new URL("/_emulator/clock/advance", url), { method: "POST", body: JSON.stringify({ seconds }) })
      if (!res.ok) throw new Error(`advancing the emulator's clock: ${res.status} ${await res.text()}`)
    }
    return {
      name: "running emulator",
      stripe,
      client,
      advanceEmulatorClock,
      run,
      tag,
      cleanup: () => cleanup(stripe, run),
      stop: async () => {},
    }
  }
  if (key) {
    if (!/^(sk|rk)_test_/.test(key))
      throw new Error(
        "test:stripe-contract runs against Stripe's test mode only: STRIPE_SECRET_KEY must be a sk_test_… (or rk_test_…) key.",
      )
    const client = (k: string) => new Stripe(k, { maxNetworkRetries: 2 })
    const stripe = client(key)
    return { name: "stripe", stripe, client, run, tag, cleanup: () => cleanup(stripe, run), stop: async () => {} }
  }
  const em = await startCheckedEmulator("stripe-contract")
  const stripe = em.client()
  return {
    name: "emulator",
    stripe,
    client: (k: string) => em.client(k),
    advanceEmulatorClock: async (seconds: number) => void em.advance(seconds),
    run,
    tag,
    cleanup: () => cleanup(stripe, run),
    stop: () => em.stop(),
  }
}

const started = Math.floor(Date.now() / 1000) - 60

async function cleanup(stripe: Stripe, run: string) {
  const mine = (o: { metadata?: Stripe.Metadata | null }) => o.metadata?.subkit_contract_run === run
  for (const clock of (await stripe.testHelpers.testClocks.list({ limit: 100 })).data)
    if (clock.name === `contract-${run}`) await stripe.testHelpers.testClocks.del(clock.id)
  // Deleting a customer cancels its subscriptions.
  // (listed, not searched: Stripe's search index lags behind by up to a minute)
  for await (const c of stripe.customers.list({ limit: 100, created: { gte: started } }))
    if (mine(c)) await stripe.customers.del(c.id).catch(() => undefined)
  // Products with prices cannot be deleted: archive both.
  for await (const price of stripe.prices.list({ limit: 100 }))
    if (mine(price) && price.active) await stripe.prices.update(price.id, { active: false })
  for await (const product of stripe.products.list({ limit: 100 }))
    if (mine(product) && product.active) await stripe.products.update(product.id, { active: false })
  // Features cannot be deleted: archive them (which frees their lookup keys).
  for await (const feature of stripe.entitlements.features.list({ limit: 100 }))
    if (mine(feature)) await stripe.entitlements.features.update(feature.id, { active: false })
  for await (const code of stripe.promotionCodes.list({ limit: 100, active: true }))
    if (mine(code)) await stripe.promotionCodes.update(code.id, { active: false })
  for await (const cfg of stripe.billingPortal.configurations.list({ limit: 100 }))
    if (mine(cfg) && cfg.active && !cfg.is_default) await stripe.billingPortal.configurations.update(cfg.id, { active: false })
}

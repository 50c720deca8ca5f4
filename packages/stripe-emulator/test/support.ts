// Support for the emulator's own tests: an emulator with the contract check on (drift fails the file,
// the report is left for the suite's total when STRIPE_CONTRACT_PARTS names a folder), and test clocks
// advanced in the steps Stripe allows. Only the package and the stripe SDK: nothing of the app.
import { mkdirSync, writeFileSync } from "node:fs"
import path from "node:path"
import type Stripe from "stripe"
import { expect } from "vitest"
import { startStripeEmulator, type StripeEmulatorOptions } from "@subkit/stripe-emulator"
import { ContractRecorder } from "@subkit/stripe-emulator/contract/recorder"

export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`)
  return value
}

export async function startCheckedEmulator(name: string, opts: StripeEmulatorOptions = {}) {
  const contract = new ContractRecorder()
  const em = await startStripeEmulator({ port: 0, log: () => {}, ...opts, contract })
  const stopEmulator = em.stop
  return Object.assign(em, {
    contract,
    stop: async () => {
      await stopEmulator()
      const report = contract.report()
      const parts = process.env.STRIPE_CONTRACT_PARTS
      if (parts) {
        mkdirSync(parts, { recursive: true })
        writeFileSync(path.join(parts, `${name}.json`), JSON.stringify(report))
      }
      expect(report.drift).toEqual([])
    },
  })
}

/** At most 28 days per advance: under two intervals of a monthly plan, as Stripe requires. */
const CLOCK_STEP = 28 * 86_400

/** Advances `clock` to `to` in allowed steps, waiting until it is ready after each. */
export async function advanceInSteps(stripe: Stripe, clock: string, to: number, { pollMs = 20, tries = 200 } = {}) {
  let at = (await stripe.testHelpers.testClocks.retrieve(clock)).frozen_time
  let first: Stripe.TestHelpers.TestClock | undefined
  let now: Stripe.TestHelpers.TestClock
  do {
    const next = to > at ? Math.min(to, at + CLOCK_STEP) : to
    now = await stripe.testHelpers.testClocks.advance(clock, { frozen_time: next })
    first ??= now
    for (let i = 0; i < tries && now.status !== "ready"; i++) {
      await new Promise((r) => setTimeout(r, pollMs))
      now = await stripe.testHelpers.testClocks.retrieve(clock)
    }
    if (now.status !== "ready") return { first, now }
    at = next
  } while (at < to)
  return { first, now }
}

export async function advanceTestClock(stripe: Stripe, clock: string, to: number) {
  const { now } = await advanceInSteps(stripe, clock, to)
  if (now.status !== "ready" || now.frozen_time !== to)
    throw new Error(`test clock ${clock} is ${now.status} at ${now.frozen_time}, not ready at ${to}`)
}

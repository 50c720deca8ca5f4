// Advancing a Stripe test clock as far as a test needs, in steps Stripe allows: an advance "cannot be
// more than two intervals in the future from the shortest subscription in this test clock" (two years
// with none). Each step here is at most 28 days, under two intervals of the monthly plans tests use.
import type Stripe from "stripe"

export const CLOCK_STEP = 28 * 86_400

/**
 * Advances `clock` to `to` in steps of at most CLOCK_STEP, waiting (polling every `pollMs`, at most
 * `tries` times) until it is `ready` after each. Returns the first step's response (status
 * `advancing`) and the clock when the last step is done. A `to` not after the clock's frozen_time goes
 * to Stripe as it is, for Stripe to refuse.
 */
export async function advanceInSteps(
  stripe: Stripe,
  clock: string,
  to: number,
  { pollMs = 20, tries = 200 }: { pollMs?: number; tries?: number } = {},
): Promise<{ first: Stripe.TestHelpers.TestClock; now: Stripe.TestHelpers.TestClock }> {
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

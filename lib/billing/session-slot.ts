// Reserving the slot for a hosted Stripe session (Checkout, the Customer Portal), shared by
// checkout/open-checkout.ts and portal/open-portal.ts. One short transaction serialized per user by
// an advisory lock decides: reuse a session, take a slot (a row whose URL is filled in once Stripe
// answers), or PENDING, another click's session still being opened; that one is waited for, polling,
// up to `waitMs`. Stripe is called only after the transaction commits, never while a connection is held;
// a slot whose Stripe call fails is released (its row deleted) by the caller.
import "server-only"
import { sql } from "drizzle-orm"
import { db, type Transaction } from "@/lib/db/client"

/** What `decide` answers while another click's session is still being opened. */
export const PENDING = { pending: true } as const
export type Pending = typeof PENDING

const POLL_MS = 150
/** How long a click waits for the session another click is opening. */
export const WAIT_FOR_PENDING_MS = 5000

/**
 * Runs `decide` under the per-user lock `${scope}:${userId}` until it answers something other than
 * PENDING or `waitMs` has passed; returns its last answer (PENDING if the other click never finished).
 */
export async function reserveSessionSlot<R extends object>(
  scope: "checkout" | "portal",
  userId: string,
  decide: (tx: Transaction) => Promise<R | Pending>,
  waitMs = WAIT_FOR_PENDING_MS,
): Promise<R | Pending> {
  const started = Date.now()
  const attempt = () =>
    db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${scope}:${userId}`}, 0))`)
      return decide(tx)
    })
  let answer = await attempt()
  while (isPending(answer) && Date.now() - started < waitMs) {
    await new Promise((r) => setTimeout(r, POLL_MS))
    answer = await attempt()
  }
  return answer
}

export function isPending(answer: object): answer is Pending {
  return "pending" in answer && answer.pending === true
}

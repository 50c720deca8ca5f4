// /admin/events' counts (inboxSummary): one aggregate per state of the backlog on its partial index since
// migration 20261205000400, and the processed history estimated from Postgres's statistics unless asked
// for exactly. They must equal what a single pass grouping every row by state says (the query they
// replaced), with a row in each state older than anything else so each state's oldest age is ours.
import { afterAll, describe, expect, it } from "vitest"
import { inboxSummary } from "@/lib/billing/sync/inbox-admin"
import { pool } from "@/lib/db/client"
import { sql } from "../support/helpers"

afterAll(() => pool.end())

const REFERENCE = `
  select case when processed_at is not null then 'processed' when dead_at is not null then 'dead'
              when attempts > 0 then 'retrying' else 'pending' end as state,
    count(*)::int as count, round(extract(epoch from now() - min(received_at)))::int as oldest
  from public.subscription_events group by 1`

type State = "processed" | "dead" | "retrying" | "pending"
const OLDEST: [State, number][] = [
  ["processed", 401],
  ["dead", 402],
  ["retrying", 403],
  ["pending", 404],
]

describe("inbox counts", () => {
  it("equal a pass grouping every row by state, oldest age included; processed estimated by default", async () => {
    const ids = ["evt_inboxcountprocessed", "evt_inboxcountdead", "evt_inboxcountretrying", "evt_inboxcountpending"]
    const days = [401, 402, 403, 404]
    await sql().query(
      `insert into public.subscription_events (stripe_event_id, type, stripe_created_at, received_at, processed_at, dead_at, attempts, outcome)
       select id, 'customer.updated', now() - make_interval(days => d), now() - make_interval(days => d),
         case when id like '%processed' then now() end, case when id like '%dead' then now() end,
         case when id like '%dead' then 16 when id like '%retrying' then 2 else 0 end, case when id like '%processed' then 'synced' end
       from unnest($1::text[], $2::int[]) as x(id, d)`,
      [ids, days],
    )
    try {
      const reference = async () =>
        Object.fromEntries((await sql().query<{ state: string; count: number; oldest: number }>(REFERENCE)).rows.map((r) => [r.state, r]))
      const expectState = (summary: Awaited<ReturnType<typeof inboxSummary>>, ref: Awaited<ReturnType<typeof reference>>, state: State) =>
        expect({ state, count: summary[state].count, oldestAgeSeconds: summary[state].oldestAgeSeconds }).toEqual({
          state,
          count: ref[state]?.count,
          oldestAgeSeconds: expect.closeTo(ref[state]?.oldest ?? -1, -1) as number,
        })
      const exact = await inboxSummary({ exactProcessed: true })
      const ref = await reference()
      for (const [state, oldestDays] of OLDEST) {
        expectState(exact, ref, state)
        expect(exact[state].estimated).toBeUndefined()
        expect(Math.round((exact[state].oldestAgeSeconds ?? 0) / 86_400)).toBe(oldestDays)
      }
      // The default: the backlog exact; processed = the table's estimated rows less the backlog, marked so.
      await sql().query("analyze public.subscription_events")
      const summary = await inboxSummary()
      const after = await reference()
      for (const state of ["dead", "retrying", "pending"] as const) expectState(summary, after, state)
      const { rows } = await sql().query<{ n: number }>(
        "select reltuples::bigint n from pg_class where oid = 'public.subscription_events'::regclass",
      )
      const backlog = (after.dead?.count ?? 0) + (after.retrying?.count ?? 0) + (after.pending?.count ?? 0)
      expect(summary.processed).toEqual({
        count: Math.max(0, Number(rows[0]?.n) - backlog),
        oldestAgeSeconds: expect.closeTo(after.processed?.oldest ?? -1, -1) as number,
        estimated: true,
      })
      // Right after ANALYZE the estimate is the count.
      expect(summary.processed.count).toBe(after.processed?.count)
    } finally {
      await sql().query("delete from public.subscription_events where stripe_event_id = any($1)", [ids])
    }
  })
})

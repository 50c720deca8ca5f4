// /admin/events' counts (inboxSummary): one aggregate per state on its partial index since migration
// 20261205000400. They must equal what a single pass grouping every row by state says (the query it
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

describe("inbox counts", () => {
  it("equal a pass grouping every row by state, oldest age included", async () => {
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
      const summary = await inboxSummary()
      const reference = Object.fromEntries(
        (await sql().query<{ state: string; count: number; oldest: number }>(REFERENCE)).rows.map((r) => [r.state, r]),
      )
      for (const [state, oldestDays] of [
        ["processed", 401],
        ["dead", 402],
        ["retrying", 403],
        ["pending", 404],
      ] as const) {
        expect({ state, ...summary[state] }).toEqual({
          state,
          count: reference[state]?.count,
          oldestAgeSeconds: expect.closeTo(reference[state]?.oldest ?? -1, -1) as number,
        })
        expect(Math.round((summary[state].oldestAgeSeconds ?? 0) / 86_400)).toBe(oldestDays)
      }
    } finally {
      await sql().query("delete from public.subscription_events where stripe_event_id = any($1)", [ids])
    }
  })
})

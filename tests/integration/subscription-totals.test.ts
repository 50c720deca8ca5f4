// public.subscription_totals (migration 20261206000101): the triggers' per-group deltas always sum to what a
// full pass over user_subscriptions counts, through every kind of write the sync and the operator make
// (multi-row inserts, upserts, updates that move a row between groups or not, deletes, truncate), and the
// cron's compaction folds them without changing a sum. Each case runs in a transaction that is rolled back.
import { afterAll, describe, expect, it } from "vitest"
import type pg from "pg"
import { createUser, sql } from "../support/helpers"

afterAll(async () => {
  await sql().end()
})

/** Each group's count and gross from the deltas, and from a full pass, and whether they are equal. */
async function compare(c: pg.PoolClient) {
  const { rows } = await c.query<{ totals: unknown; pass: unknown }>(`
    with totals as (
      select status, plan_id, currency, interval, unended, sum(n)::int n, sum(gross)::bigint gross
      from public.subscription_totals group by 1, 2, 3, 4, 5 having sum(n) <> 0 or sum(gross) <> 0
    ), pass as (
      select status, plan_id, coalesce(currency, 'usd') currency, interval, ended_at is null unended, count(*)::int n,
        sum(greatest(0, coalesce(unit_amount, 0)::bigint * quantity))::bigint gross
      from public.user_subscriptions group by 1, 2, 3, 4, 5
    )
    select (select coalesce(json_agg(t order by t.status, t.plan_id, t.currency, t.interval, t.unended), '[]') from totals t) totals,
           (select coalesce(json_agg(p order by p.status, p.plan_id, p.currency, p.interval, p.unended), '[]') from pass p) pass`)
  return rows[0] as { totals: unknown; pass: unknown }
}

async function inTransaction(run: (c: pg.PoolClient) => Promise<void>) {
  const c = await sql().connect()
  try {
    await c.query("begin")
    await run(c)
  } finally {
    await c.query("rollback")
    c.release()
  }
}

const insert = (user: string, id: string, status: string, extra = "") =>
  `insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, interval, quantity, unit_amount,
     currency, status, stripe_created_at${extra ? ", ended_at" : ""})
   values ('${id}', '${user}', 'cus_totals', 'pro', 'month', 1, 1200, 'usd', '${status}', now()${extra ? `, ${extra}` : ""})`

describe("subscription_totals", () => {
  it("equals a full pass after every kind of write, and compaction keeps every sum", async () => {
    const user = await createUser()
    await inTransaction(async (c) => {
      const steps: [string, string][] = [
        [
          "a multi-row insert",
          `insert into public.user_subscriptions (stripe_subscription_id, user_id, stripe_customer_id, plan_id, interval,
            quantity, unit_amount, currency, status, stripe_created_at)
          select 'sub_tot' || g, '${user.id}', 'cus_totals', case when g % 2 = 0 then 'team' else 'pro' end, 'month', g, 1000, null,
            case when g % 3 = 0 then 'trialing' else 'active' end, now() from generate_series(1, 9) g`,
        ],
        [
          "a seat change (same group, new gross)",
          `update public.user_subscriptions set quantity = quantity + 2 where stripe_subscription_id = 'sub_tot2'`,
        ],
        [
          "a status change (moves a row between groups)",
          `update public.user_subscriptions set status = 'past_due' where stripe_subscription_id in ('sub_tot1', 'sub_tot3')`,
        ],
        [
          "an update that changes no group",
          `update public.user_subscriptions set current_period_end = now() + interval '1 month' where stripe_subscription_id like 'sub_tot%'`,
        ],
        [
          "an upsert that inserts",
          `${insert(user.id, "sub_tot_up", "active")} on conflict (stripe_subscription_id) do update set status = excluded.status`,
        ],
        [
          "an upsert that updates",
          `${insert(user.id, "sub_tot_up", "canceled", "now()")}
          on conflict (stripe_subscription_id) do update set status = excluded.status, ended_at = excluded.ended_at`,
        ],
        [
          "a cancellation (ends the row)",
          `update public.user_subscriptions set status = 'canceled', ended_at = now() where stripe_subscription_id = 'sub_tot4'`,
        ],
        ["a delete", `delete from public.user_subscriptions where stripe_subscription_id in ('sub_tot5', 'sub_tot6')`],
        ["a null unit amount", `update public.user_subscriptions set unit_amount = null where stripe_subscription_id = 'sub_tot7'`],
      ]
      for (const [what, statement] of steps) {
        await c.query(statement)
        const { totals, pass } = await compare(c)
        expect(totals, what).toEqual(pass)
      }
      const before = await compare(c)
      const { rows } = await c.query<{ folded: number }>("select public.compact_subscription_totals() folded")
      expect(rows[0]?.folded).toBeGreaterThan(0)
      const after = await compare(c)
      expect(after).toEqual(before)
      // One row per group after the fold.
      const groups = await c.query<{ n: number; distinct_groups: number }>(
        "select count(*)::int n, count(distinct (status, plan_id, currency, interval, unended))::int distinct_groups from public.subscription_totals",
      )
      expect(groups.rows[0]?.n).toBe(groups.rows[0]?.distinct_groups)
    })
  })

  it("is emptied by a truncate", async () => {
    await inTransaction(async (c) => {
      await c.query("truncate public.user_subscriptions cascade")
      expect((await c.query("select count(*)::int n from public.subscription_totals")).rows[0]?.n).toBe(0)
    })
  })
})

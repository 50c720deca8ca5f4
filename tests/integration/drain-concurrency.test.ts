// Several drains at once (as on several app instances) over many customers' events, on a real
// PostgreSQL server: every event applied exactly once, no customer applied by two drains at a time.
import { afterAll, describe, expect, inject, it } from "vitest"
import type Stripe from "stripe"
import { applyCustomer } from "@/lib/billing/sync/apply"
import { drainBillingEvents } from "@/lib/billing/sync/drain"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { pool } from "@/lib/db/client"
import { eventsFor, signedRequest, sql } from "../support/helpers"
import { subscribedUser } from "../support/billing"

afterAll(() => pool.end())

describe.runIf(inject("databaseKind") === "postgres")("concurrent drains", () => {
  it("apply every event once, with no customer applied by two drains at a time", async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => subscribedUser()))
    const events: Stripe.Event[] = []
    for (const u of users) events.push(...(await eventsFor(u.stripe, u.customerId)))
    await sql().query("delete from subscription_events where customer_id = any($1)", [users.map((u) => u.customerId)])
    for (const e of events) await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })
    // Record every write of a processed_at, and every overlap of two appliers on one customer.
    await sql()
      .query(`create schema if not exists test_support; create table if not exists test_support.applied (id text, at timestamptz default clock_timestamp());
      create or replace function test_support.applied() returns trigger language plpgsql as $$
      begin if new.processed_at is not null and old.processed_at is null then insert into test_support.applied (id) values (new.stripe_event_id); end if;
      if old.processed_at is not null and new.processed_at is distinct from old.processed_at then raise exception 'applied twice: %', new.stripe_event_id; end if;
      return new; end $$;
      drop trigger if exists test_applied on subscription_events;
      create trigger test_applied before update on subscription_events for each row execute function test_support.applied();`)
    try {
      const reports = await Promise.all(Array.from({ length: 6 }, () => drainBillingEvents({ concurrency: 3 })))
      expect(reports.length).toBe(6)
      // Other test files share this database and may leave failing events of their own: count ours.
      const failed = await sql().query(
        "select count(*)::int n from subscription_events where stripe_event_id = any($1) and (error is not null or attempts > 0 and processed_at is null)",
        [events.map((e) => e.id)],
      )
      expect(failed.rows[0].n).toBe(0)
      const { rows } = await sql().query("select id, count(*)::int n from test_support.applied where id = any($1) group by id", [
        events.map((e) => e.id),
      ])
      expect(rows.filter((r) => r.n !== 1)).toEqual([])
      const pending = await sql().query(
        "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is null",
        [events.map((e) => e.id)],
      )
      expect(pending.rows[0].n).toBe(0)
      const applied = await sql().query(
        "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is not null",
        [events.map((e) => e.id)],
      )
      expect(applied.rows[0].n).toBe(new Set(events.map((e) => e.id)).size)
    } finally {
      // The shared database must end as the migrations left it (database.test.ts checks every table).
      await sql().query("drop trigger if exists test_applied on subscription_events; drop schema if exists test_support cascade")
    }
  })

  it("a drain claims the due customers nobody holds, past the oldest ones another instance is applying", async () => {
    // Instance A holds the leases of the oldest due customers (it is reading Stripe for them); instance
    // B's drain must still apply everyone else, not find only A's customers and stop.
    const users = await Promise.all(Array.from({ length: 6 }, () => subscribedUser()))
    const events: Stripe.Event[] = []
    for (const u of users) events.push(...(await eventsFor(u.stripe, u.customerId)))
    const held = users.slice(0, 4).map((u) => u.customerId)
    await sql().query("delete from subscription_events where customer_id = any($1)", [users.map((u) => u.customerId)])
    for (const e of events) await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })
    await sql().query(
      `update subscription_events set next_attempt_at = now(),
        received_at = case when customer_id = any($1) then now() - interval '1 hour' else received_at end
        where customer_id = any($2)`,
      [held, users.map((u) => u.customerId)],
    )
    await sql().query(
      `insert into customer_syncs (stripe_customer_id, lease_owner, lease_until) select unnest($1::text[]), 'instance-a', now() + interval '1 minute'
        on conflict (stripe_customer_id) do update set lease_owner = 'instance-a', lease_until = now() + interval '1 minute'`,
      [held],
    )
    try {
      // concurrency 1 claims 4 customers a round: exactly the 4 held ones, were they not skipped.
      await drainBillingEvents({ concurrency: 1, budgetMs: 10_000 })
      const pending = await sql().query<{ customer_id: string; n: number }>(
        "select customer_id, count(*)::int n from subscription_events where customer_id = any($1) and processed_at is null group by customer_id",
        [users.map((u) => u.customerId)],
      )
      expect(pending.rows.map((r) => r.customer_id).sort()).toEqual([...held].sort())
    } finally {
      await sql().query("update customer_syncs set lease_owner = null, lease_until = null where stripe_customer_id = any($1)", [held])
      await drainBillingEvents({ budgetMs: 10_000 })
    }
  })

  it("a drain that lost its lease (it expired and another took over) writes nothing", async () => {
    const { customerId, subscriptionId, stripe } = await subscribedUser()
    const [updated] = (await eventsFor(stripe, customerId)).filter((e) => e.type === "customer.subscription.updated")
    if (!updated) throw new Error("no event")
    await sql().query("delete from user_subscriptions where stripe_subscription_id = $1", [subscriptionId])
    await receiveStripeWebhook(signedRequest(JSON.stringify(updated)), { schedule: () => {} })
    await sql().query(
      "insert into customer_syncs (stripe_customer_id, lease_owner, lease_until) values ($1, 'someone-else', now() + interval '1 minute') on conflict (stripe_customer_id) do update set lease_owner = 'someone-else'",
      [customerId],
    )
    expect(await applyCustomer(customerId, "me")).toMatchObject({ outcome: "lost_lease" })
    expect((await sql().query("select 1 from user_subscriptions where stripe_subscription_id = $1", [subscriptionId])).rows).toHaveLength(0)
    expect(
      (await sql().query("select processed_at from subscription_events where stripe_event_id = $1", [updated.id])).rows[0].processed_at,
    ).toBeNull()
    await sql().query("update customer_syncs set lease_owner = null, lease_until = null where stripe_customer_id = $1", [customerId])
  })
})

-- The webhook inbox: a delivery is acknowledged once its row is stored; applying it happens later,
-- per Stripe customer, coalesced, with retries and a dead letter. Postgres is the queue.

alter table public.subscription_events
  add column customer_id text,
  add column next_attempt_at timestamptz not null default now(),
  add column dead_at timestamptz,
  alter column attempts set default 0,
  alter column payload drop not null;

-- Rows written before this migration were processed inline; they count as one attempt already.
update public.subscription_events set attempts = greatest(attempts, 1) where processed_at is not null;

create index subscription_events_pending_idx on public.subscription_events (next_attempt_at)
  where processed_at is null and dead_at is null;
create index subscription_events_customer_pending_idx on public.subscription_events (customer_id)
  where processed_at is null and dead_at is null;
create index subscription_events_processed_idx on public.subscription_events (processed_at)
  where processed_at is not null and payload is not null;

comment on table public.subscription_events is 'The webhook inbox: every verified Stripe event, stored once on delivery and applied later by the drain.';
comment on column public.subscription_events.customer_id is 'Stripe customer (cus_…) the event concerns, read from the payload at ingest; null when it names none. Events are applied per customer.';
comment on column public.subscription_events.next_attempt_at is 'Earliest time the drain may apply the event (delivery time plus the coalescing window, or the retry backoff).';
comment on column public.subscription_events.dead_at is 'When the event ran out of attempts; a dead event waits for `npm run billing:events -- --retry`.';
comment on column public.subscription_events.attempts is 'Failed attempts to apply the event (0 until one fails).';
comment on column public.subscription_events.payload is 'The event as delivered; pruned (null) after the retention period once processed.';
comment on column public.subscription_events.received_at is 'When the delivery was stored (later redeliveries of the same event are not stored again).';
comment on column public.subscription_events.processed_at is 'When the event was applied; null while pending, retrying or dead.';

-- One row per Stripe customer that has been synced: the freshness guard and the eager-sync throttle.
create table public.customer_syncs (
  stripe_customer_id text primary key,
  lease_owner text,
  lease_until timestamptz,
  synced_at timestamptz,
  eager_sync_at timestamptz,
  updated_at timestamptz not null default now()
);

comment on table public.customer_syncs is 'Per Stripe customer: who is applying it now (lease) and how fresh the cached rows are.';
comment on column public.customer_syncs.stripe_customer_id is 'Stripe customer (cus_…).';
comment on column public.customer_syncs.lease_owner is 'The drain applying this customer now; one at a time across all instances.';
comment on column public.customer_syncs.lease_until is 'When that lease expires (a crashed drain''s customer is taken over after it).';
comment on column public.customer_syncs.synced_at is 'Database time at which the Stripe read behind the cached rows started; an older read never overwrites a newer one.';
comment on column public.customer_syncs.eager_sync_at is 'Last eager sync from a page (Checkout success, portal return); reloads within the throttle window read the database.';
comment on column public.customer_syncs.updated_at is 'Last change to this row.';

alter table public.customer_syncs enable row level security;

-- A portal session is reserved before Stripe is called (no lock is held across the call); the
-- reservation has no Stripe id or URL until Stripe answers.
alter table public.portal_sessions
  alter column stripe_session_id drop not null,
  alter column url drop not null;

comment on column public.portal_sessions.stripe_session_id is 'Stripe billing portal session (bps_…); null while the reservation waits for Stripe.';
comment on column public.portal_sessions.url is 'The portal URL (short-lived at Stripe); null while the reservation waits for Stripe.';

-- A customer deleted at Stripe keeps its row until the user needs billing again; then the mapping is
-- replaced by a new customer (see lib/billing/customer.ts).
alter table public.billing_customers add column stripe_customer_deleted_at timestamptz;
comment on column public.billing_customers.stripe_customer_deleted_at is 'When Stripe reported the customer deleted (customer.deleted or resource_missing); the next checkout replaces it.';

-- Billing: plans, the user <-> Stripe customer mapping, subscriptions, the webhook event log and
-- the portal session log. Stripe is the source of truth; these tables are a cache that converges.

create table public.subscription_plans (
  id text primary key,
  name text not null,
  description text not null default '',
  features text[] not null default '{}',
  per_seat boolean not null default false,
  stripe_product_id text unique,
  stripe_monthly_price_id text unique,
  stripe_yearly_price_id text unique,
  monthly_amount integer not null check (monthly_amount >= 0),
  yearly_amount integer not null check (yearly_amount >= 0),
  currency text not null default 'usd',
  sort_order integer not null default 0,
  active boolean not null default true,
  updated_at timestamptz not null default now()
);

comment on table public.subscription_plans is 'The plan catalog, written by `npm run stripe:setup` from lib/billing/catalog.ts.';
comment on column public.subscription_plans.id is 'Stable plan key used in code and URLs (pro, team).';
comment on column public.subscription_plans.name is 'Display name.';
comment on column public.subscription_plans.description is 'One-line pitch shown on the pricing page.';
comment on column public.subscription_plans.features is 'Bullet points shown on the pricing page.';
comment on column public.subscription_plans.per_seat is 'True when the price is per seat (subscription item quantity = seats).';
comment on column public.subscription_plans.stripe_product_id is 'Stripe product (prod_…).';
comment on column public.subscription_plans.stripe_monthly_price_id is 'Stripe price billed monthly (price_…).';
comment on column public.subscription_plans.stripe_yearly_price_id is 'Stripe price billed yearly (price_…).';
comment on column public.subscription_plans.monthly_amount is 'Monthly unit amount in the currency''s minor unit (cents).';
comment on column public.subscription_plans.yearly_amount is 'Yearly unit amount in the currency''s minor unit (cents).';
comment on column public.subscription_plans.currency is 'ISO 4217 currency code, lower case as Stripe writes it.';
comment on column public.subscription_plans.sort_order is 'Order on the pricing page.';
comment on column public.subscription_plans.active is 'False hides the plan from the pricing page; existing subscribers keep it.';
comment on column public.subscription_plans.updated_at is 'Last time stripe:setup wrote the row.';

create table public.billing_customers (
  user_id uuid primary key references public.users (id) on delete cascade,
  stripe_customer_id text not null unique,
  email text,
  name text,
  address jsonb,
  default_payment_method jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table public.billing_customers is 'One Stripe customer per user, unique both ways; the only source of a user''s customer id.';
comment on column public.billing_customers.user_id is 'The app user.';
comment on column public.billing_customers.stripe_customer_id is 'Stripe customer (cus_…); its metadata.user_id names the same user.';
comment on column public.billing_customers.email is 'Billing email as Stripe has it (may differ from the sign-in email).';
comment on column public.billing_customers.name is 'Billing name as Stripe has it.';
comment on column public.billing_customers.address is 'Billing address as Stripe has it (Stripe address object).';
comment on column public.billing_customers.default_payment_method is 'Summary of the default card: {brand, last4, exp_month, exp_year}; never the card number.';
comment on column public.billing_customers.created_at is 'When the mapping was created.';
comment on column public.billing_customers.updated_at is 'Last sync from Stripe.';

create table public.user_subscriptions (
  id uuid primary key default gen_random_uuid(),
  stripe_subscription_id text not null unique,
  user_id uuid not null references public.users (id) on delete cascade,
  stripe_customer_id text not null,
  plan_id text references public.subscription_plans (id),
  stripe_price_id text,
  interval text check (interval in ('day', 'week', 'month', 'year')),
  quantity integer not null default 1 check (quantity >= 0),
  unit_amount integer,
  currency text,
  status text not null check (status in ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')),
  current_period_start timestamptz,
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  cancel_at timestamptz,
  canceled_at timestamptz,
  ended_at timestamptz,
  trial_start timestamptz,
  trial_end timestamptz,
  stripe_created_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index user_subscriptions_user_id_idx on public.user_subscriptions (user_id, stripe_created_at desc);

comment on table public.user_subscriptions is 'One row per Stripe subscription, a cache of Stripe''s current state written by webhooks and eager syncs.';
comment on column public.user_subscriptions.id is 'Surrogate key.';
comment on column public.user_subscriptions.stripe_subscription_id is 'Stripe subscription (sub_…).';
comment on column public.user_subscriptions.user_id is 'Owner, from billing_customers (or the subscription''s metadata.user_id).';
comment on column public.user_subscriptions.stripe_customer_id is 'Stripe customer (cus_…) the subscription bills.';
comment on column public.user_subscriptions.plan_id is 'Our plan for the subscription''s price; null for a price not in the catalog.';
comment on column public.user_subscriptions.stripe_price_id is 'Stripe price of the (single) subscription item.';
comment on column public.user_subscriptions.interval is 'Billing interval of the price.';
comment on column public.user_subscriptions.quantity is 'Item quantity: seats for per-seat plans, 1 otherwise.';
comment on column public.user_subscriptions.unit_amount is 'Price per unit and interval in minor units.';
comment on column public.user_subscriptions.currency is 'ISO 4217 code of the price.';
comment on column public.user_subscriptions.status is 'Stripe subscription status.';
comment on column public.user_subscriptions.current_period_start is 'Start of the current billing period (from the subscription item).';
comment on column public.user_subscriptions.current_period_end is 'End of the current billing period: the renewal or end date.';
comment on column public.user_subscriptions.cancel_at_period_end is 'True when the subscription ends at current_period_end instead of renewing.';
comment on column public.user_subscriptions.cancel_at is 'When a scheduled cancellation takes effect.';
comment on column public.user_subscriptions.canceled_at is 'When the cancellation was requested.';
comment on column public.user_subscriptions.ended_at is 'When the subscription ended.';
comment on column public.user_subscriptions.trial_start is 'Start of the trial, if any.';
comment on column public.user_subscriptions.trial_end is 'End of the trial, if any.';
comment on column public.user_subscriptions.stripe_created_at is 'When Stripe created the subscription.';
comment on column public.user_subscriptions.created_at is 'When the row was first written.';
comment on column public.user_subscriptions.updated_at is 'Last sync from Stripe.';

create table public.subscription_events (
  stripe_event_id text primary key,
  type text not null,
  stripe_created_at timestamptz not null,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  attempts integer not null default 1,
  outcome text,
  error text
);

create index subscription_events_type_idx on public.subscription_events (type, stripe_created_at desc);

comment on table public.subscription_events is 'Every verified Stripe webhook event, recorded once; processed_at set in the same transaction as its writes.';
comment on column public.subscription_events.stripe_event_id is 'Stripe event id (evt_…): the idempotency key of webhook processing.';
comment on column public.subscription_events.type is 'Stripe event type, e.g. customer.subscription.updated.';
comment on column public.subscription_events.stripe_created_at is 'When Stripe created the event.';
comment on column public.subscription_events.payload is 'The event as delivered.';
comment on column public.subscription_events.received_at is 'First delivery.';
comment on column public.subscription_events.processed_at is 'When processing committed; null while it has not succeeded.';
comment on column public.subscription_events.attempts is 'Deliveries seen, including failed ones.';
comment on column public.subscription_events.outcome is 'What the handler did (e.g. synced, ignored).';
comment on column public.subscription_events.error is 'Last processing error, kept for debugging; cleared on success.';

create table public.portal_sessions (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  stripe_session_id text not null unique,
  url text not null,
  flow text not null default 'home',
  created_at timestamptz not null default now()
);

create index portal_sessions_user_created_idx on public.portal_sessions (user_id, created_at desc);

comment on table public.portal_sessions is 'Customer Portal sessions opened, for the per-user rate limit and to reuse a fresh session on repeated clicks.';
comment on column public.portal_sessions.id is 'Surrogate key.';
comment on column public.portal_sessions.user_id is 'Who opened it.';
comment on column public.portal_sessions.stripe_session_id is 'Stripe billing portal session (bps_…).';
comment on column public.portal_sessions.url is 'The portal URL (short-lived at Stripe).';
comment on column public.portal_sessions.flow is 'Deep link: home, payment_method_update, subscription_cancel or subscription_update.';
comment on column public.portal_sessions.created_at is 'When it was created.';

-- Row level security: users read only their own rows; plans are public; the event log, the
-- customer mapping and portal sessions are server-only (the server connection bypasses RLS).
alter table public.subscription_plans enable row level security;
alter table public.billing_customers enable row level security;
alter table public.user_subscriptions enable row level security;
alter table public.subscription_events enable row level security;
alter table public.portal_sessions enable row level security;

create policy "Plans are public" on public.subscription_plans
  for select to anon, authenticated using (true);

create policy "Users read their own subscriptions" on public.user_subscriptions
  for select to authenticated using (user_id = (select auth.uid()));

grant select on public.subscription_plans to anon, authenticated;
grant select on public.user_subscriptions to authenticated;

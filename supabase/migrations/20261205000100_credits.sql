-- Issue 19, item 4: prepaid credit packs. A pack is bought through Checkout (mode=payment); the drain
-- records the paid session here (one row per Checkout Session, whatever the number of deliveries) and
-- then creates the Stripe credit grant (idempotency key per session), so the grant exists exactly once.
-- The customer's balance, as Stripe's credit balance summary has it, is cached in credit_balances.
-- On Free (no metered price, nothing invoiced) credits lift the hard limit and are consumed from our
-- own ledger: credit_purchases.units_used counts the units drawn from each pack, the one expiring first
-- first; its row locks serialise that user's Free recordings (lib/billing/usage/allowance.ts has the rules).
create table public.credit_purchases (
  id bigserial primary key,
  stripe_checkout_session_id text not null unique,
  user_id uuid not null references public.users (id) on delete cascade,
  stripe_customer_id text not null,
  pack_id text not null,
  meter text not null,
  units integer not null check (units > 0),
  amount_paid integer not null check (amount_paid >= 0),
  currency text not null,
  grant_cents integer not null check (grant_cents > 0),
  units_used integer not null default 0 check (units_used >= 0 and units_used <= units),
  paid_at timestamptz not null,
  expires_at timestamptz not null,
  stripe_credit_grant_id text,
  granted_at timestamptz,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  claimed_until timestamptz,
  last_error text,
  dead_at timestamptz,
  created_at timestamptz not null default now()
);
create index credit_purchases_user on public.credit_purchases (user_id, meter, paid_at);
create index credit_purchases_due on public.credit_purchases (next_attempt_at) where granted_at is null and dead_at is null;

comment on table public.credit_purchases is 'Paid credit packs (one per Checkout Session) and the Stripe credit grant the drain creates for each; an outbox; server-only.';
comment on column public.credit_purchases.id is 'Row id.';
comment on column public.credit_purchases.stripe_checkout_session_id is 'The paid Checkout Session (mode=payment): unique, so a second delivery of its event adds nothing.';
comment on column public.credit_purchases.user_id is 'Who bought it.';
comment on column public.credit_purchases.stripe_customer_id is 'The Stripe customer the grant is made to.';
comment on column public.credit_purchases.pack_id is 'The catalog pack (lib/billing/catalog.ts CREDIT_PACKS).';
comment on column public.credit_purchases.meter is 'The catalog meter the units are for.';
comment on column public.credit_purchases.units is 'Units the pack gives (lifts Free''s hard limit by this many).';
comment on column public.credit_purchases.amount_paid is 'What the session charged, in the currency''s minor unit.';
comment on column public.credit_purchases.currency is 'The session''s currency.';
comment on column public.credit_purchases.grant_cents is 'The credit grant''s monetary value (units × Pro''s overage unit price).';
comment on column public.credit_purchases.units_used is 'Units drawn from this pack by usage on Free (past the allowance; paid plans draw on the Stripe grant instead).';
comment on column public.credit_purchases.paid_at is 'When Checkout completed (the event''s time).';
comment on column public.credit_purchases.expires_at is 'When the credits expire (the grant''s expires_at; the catalog''s months after paid_at).';
comment on column public.credit_purchases.stripe_credit_grant_id is 'The grant Stripe made (null until the drain created it).';
comment on column public.credit_purchases.granted_at is 'When Stripe accepted the grant.';
comment on column public.credit_purchases.attempts is 'Grant calls tried so far.';
comment on column public.credit_purchases.next_attempt_at is 'When the next try is due (exponential backoff).';
comment on column public.credit_purchases.claimed_until is 'A drain holds the row until then.';
comment on column public.credit_purchases.last_error is 'The last failure''s message.';
comment on column public.credit_purchases.dead_at is 'Set after the maximum attempts (listed by npm run billing:events).';
comment on column public.credit_purchases.created_at is 'When the drain recorded the purchase.';

create table public.credit_balances (
  stripe_customer_id text primary key,
  available_cents bigint not null default 0,
  currency text not null default 'usd',
  stale boolean not null default true,
  refreshed_at timestamptz,
  updated_at timestamptz not null default now()
);
comment on table public.credit_balances is 'The customer''s available credit on metered prices, from billing.creditBalanceSummary (refreshed by the drain); server-only.';
comment on column public.credit_balances.stripe_customer_id is 'The Stripe customer.';
comment on column public.credit_balances.available_cents is 'available_balance of the metered applicability scope, in the minor unit.';
comment on column public.credit_balances.currency is 'Its currency.';
comment on column public.credit_balances.stale is 'A grant or a billing.credit_grant.* event changed it since: the drain reads it again.';
comment on column public.credit_balances.refreshed_at is 'When it was last read from Stripe.';
comment on column public.credit_balances.updated_at is 'When the row last changed.';

alter table public.credit_purchases enable row level security;
alter table public.credit_balances enable row level security;
revoke all on public.credit_purchases, public.credit_balances from anon, authenticated;
revoke all on sequence public.credit_purchases_id_seq from anon, authenticated;

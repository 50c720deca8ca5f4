-- One open Checkout session per user: a second click reuses it (same plan and seats) or replaces it
-- (the old one is expired at Stripe, so it can no longer be paid and start a second subscription).

create table public.checkout_sessions (
  id bigint generated always as identity primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  stripe_session_id text unique,
  url text,
  price_id text not null,
  quantity integer not null check (quantity > 0),
  status text not null default 'open' check (status in ('open', 'complete', 'expired')),
  expires_at timestamptz,
  created_at timestamptz not null default now()
);

create unique index checkout_sessions_one_open_idx on public.checkout_sessions (user_id) where status = 'open';

comment on table public.checkout_sessions is 'Checkout sessions opened for users; at most one open per user.';
comment on column public.checkout_sessions.id is 'Surrogate key.';
comment on column public.checkout_sessions.user_id is 'Who opened it.';
comment on column public.checkout_sessions.stripe_session_id is 'Stripe Checkout Session (cs_…); null while the reservation waits for Stripe.';
comment on column public.checkout_sessions.url is 'The hosted Checkout URL; null while the reservation waits for Stripe.';
comment on column public.checkout_sessions.price_id is 'The Stripe price chosen.';
comment on column public.checkout_sessions.quantity is 'Seats chosen (1 for Pro).';
comment on column public.checkout_sessions.status is 'open, complete (paid) or expired (abandoned, replaced or timed out), as Stripe reports it.';
comment on column public.checkout_sessions.expires_at is 'When Stripe expires the session if it is not paid.';
comment on column public.checkout_sessions.created_at is 'When it was opened.';

alter table public.checkout_sessions enable row level security;

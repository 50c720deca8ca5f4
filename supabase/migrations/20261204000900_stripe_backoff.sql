-- Stripe's rate limit is account-wide, so a 429 seen by one drain holds back every drain on every
-- instance: one row, the time before which no drain claims customers (Retry-After when Stripe sends
-- one, otherwise exponential backoff with jitter). Server-only: RLS on with no policies.
create table public.stripe_backoff (
  id boolean primary key default true check (id),
  until timestamptz not null,
  strikes int not null default 1,
  updated_at timestamptz not null default now()
);

comment on table public.stripe_backoff is 'One row: no drain claims customers before `until` (Stripe answered 429); server-only.';
comment on column public.stripe_backoff.id is 'Always true: the table holds at most one row.';
comment on column public.stripe_backoff.until is 'Drains claim nothing before this time.';
comment on column public.stripe_backoff.strikes is '429s in a row (each doubles the backoff); back to 1 once a backoff has been over for a minute.';
comment on column public.stripe_backoff.updated_at is 'When a drain last saw a 429.';

alter table public.stripe_backoff enable row level security;
revoke all on public.stripe_backoff from anon, authenticated;

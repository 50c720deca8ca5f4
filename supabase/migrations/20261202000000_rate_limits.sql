-- Fixed-window counters for actions that cost Stripe calls and are not otherwise limited (the seat
-- price preview makes three). One upsert per attempt, no lock held beyond that statement; the cron
-- prunes old windows. Counts live in Postgres, not in memory, so two app instances share them.
create table public.rate_limits (
  key text not null,
  window_start timestamptz not null,
  hits integer not null default 1 check (hits > 0),
  primary key (key, window_start)
);

comment on table public.rate_limits is 'Per-key fixed-window counters (for example seat previews per user per minute); server-only.';
comment on column public.rate_limits.key is 'What is counted and for whom, e.g. seat_preview:<user id>.';
comment on column public.rate_limits.window_start is 'Start of the window the hits fall in (the time truncated to the window length).';
comment on column public.rate_limits.hits is 'Attempts in that window so far, the refused ones included.';

alter table public.rate_limits enable row level security;
revoke all on public.rate_limits from anon, authenticated;

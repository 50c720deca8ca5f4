-- Usage-based billing: a per-period counter per subject (a user, or a team's pool) and meter, the
-- recorded requests (idempotency), and the outbox of usage to report to Stripe's Billing Meters.
-- The counter enforces a hard limit in one conditional UPDATE … RETURNING, so concurrent requests never
-- overshoot; the record and the outbox row are written in the same short transaction.
create table public.usage_counters (
  subject text not null,
  meter text not null,
  period_start timestamptz not null,
  period_end timestamptz not null,
  used bigint not null default 0 check (used >= 0),
  primary key (subject, meter, period_start)
);

comment on table public.usage_counters is 'Usage of one meter by one subject in one billing period; server-only.';
comment on column public.usage_counters.subject is 'Who the allowance belongs to: user:<uuid> or team:<uuid> (a pooled team allowance).';
comment on column public.usage_counters.meter is 'The catalog meter key (lib/billing/catalog.ts USAGE_METERS), e.g. reports.';
comment on column public.usage_counters.period_start is 'Start of the period the usage falls in (the subscription period, or the calendar month on Free).';
comment on column public.usage_counters.period_end is 'End of that period: when the allowance resets.';
comment on column public.usage_counters.used is 'Units recorded in the period (refused requests are not counted).';

create table public.usage_records (
  user_id uuid not null references public.users (id) on delete cascade,
  meter text not null,
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  value integer not null check (value > 0),
  subject text not null,
  status text not null check (status in ('recorded', 'refused')),
  used bigint not null,
  remaining bigint,
  created_at timestamptz not null default now(),
  primary key (user_id, meter, idempotency_key)
);

comment on table public.usage_records is 'One row per usage request, keyed by the caller''s idempotency key: a repeated key gets the first answer; server-only.';
comment on column public.usage_records.user_id is 'The signed-in user who asked.';
comment on column public.usage_records.meter is 'The catalog meter key.';
comment on column public.usage_records.idempotency_key is 'The caller''s key (unique per user and meter).';
comment on column public.usage_records.value is 'Units asked for.';
comment on column public.usage_records.subject is 'The counter charged: user:<uuid> or team:<uuid>.';
comment on column public.usage_records.status is 'recorded (counted) or refused (a hard limit): the first answer, returned again for the same key.';
comment on column public.usage_records.used is 'The counter''s used units after this request (as answered).';
comment on column public.usage_records.remaining is 'Units left in the allowance as answered; null where usage past it is billed as overage.';
comment on column public.usage_records.created_at is 'When the request was recorded.';

create table public.usage_outbox (
  id bigserial primary key,
  stripe_customer_id text not null,
  meter text not null,
  value integer not null check (value > 0),
  status text not null default 'pending' check (status in ('pending', 'sent', 'dead')),
  batch_id text,
  claimed_until timestamptz,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);

comment on table public.usage_outbox is 'Usage to report to Stripe Billing Meters, written with the usage and sent in batches by the drain; server-only.';
comment on column public.usage_outbox.id is 'Order of writing.';
comment on column public.usage_outbox.stripe_customer_id is 'The Stripe customer billed (a team''s owner for pooled usage).';
comment on column public.usage_outbox.meter is 'The catalog meter key (its Stripe event name comes from the catalog).';
comment on column public.usage_outbox.value is 'Units to report.';
comment on column public.usage_outbox.status is 'pending (to send or retry), sent, or dead (gave up after the maximum attempts).';
comment on column public.usage_outbox.batch_id is 'The batch the row was claimed into; the Stripe meter event identifier, so a retried batch is counted once by Stripe.';
comment on column public.usage_outbox.claimed_until is 'A drain holds the row until then; past it another drain may take the batch over.';
comment on column public.usage_outbox.attempts is 'Failed sends so far.';
comment on column public.usage_outbox.next_attempt_at is 'Not sent before this time (backoff after a failure).';
comment on column public.usage_outbox.last_error is 'The last send error, for npm run billing:events.';
comment on column public.usage_outbox.created_at is 'When the usage was recorded.';
comment on column public.usage_outbox.sent_at is 'When Stripe accepted it.';

create index usage_outbox_due on public.usage_outbox (next_attempt_at) where status = 'pending';

alter table public.usage_counters enable row level security;
alter table public.usage_records enable row level security;
alter table public.usage_outbox enable row level security;
revoke all on public.usage_counters, public.usage_records, public.usage_outbox from anon, authenticated;
revoke all on sequence public.usage_outbox_id_seq from anon, authenticated;

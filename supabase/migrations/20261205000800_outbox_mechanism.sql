-- One outbox mechanism (lib/billing/outbox/outbox.ts) over the three outbox tables, which keep their own
-- rows, keys and indexes (docs/architecture.md, "Outboxes"): each gets the same lifecycle columns.
-- Only columns are added or renamed; no row moves between tables, so a row claimed by a flusher still
-- running the old code is not claimed twice.

-- The flusher holding a row: an outcome is written only by the flusher whose lease it still is.
alter table public.usage_outbox add column claimed_by text;
alter table public.email_outbox add column claimed_by text;
alter table public.billing_actions add column claimed_by text;
comment on column public.usage_outbox.claimed_by is 'The flush holding the row (with claimed_until); only it writes the outcome.';
comment on column public.email_outbox.claimed_by is 'The flush holding the row (with claimed_until); only it writes the outcome.';
comment on column public.billing_actions.claimed_by is 'The flush holding the row (with claimed_until); only it writes the outcome.';

-- billing_actions: done_at / dead_at become status and sent_at, as in the other two.
alter table public.billing_actions add column status text not null default 'pending' check (status in ('pending', 'sent', 'dead'));
update public.billing_actions set status = case when done_at is not null then 'sent' when dead_at is not null then 'dead' else 'pending' end;
alter table public.billing_actions rename column done_at to sent_at;
alter table public.billing_actions drop column dead_at;
alter table public.billing_actions add column done_at timestamptz generated always as (sent_at) stored;
comment on column public.billing_actions.status is 'pending (to send or retry), sent, or dead (gave up after BILLING_MAX_ATTEMPTS).';
comment on column public.billing_actions.sent_at is 'When Stripe accepted the call.';
comment on column public.billing_actions.done_at is 'sent_at under the name readers before the shared outbox used.';
comment on column public.billing_actions.attempts is 'Failed calls so far.';
comment on column public.billing_actions.claimed_until is 'A flusher holds the row until then; past it another may take it over.';

-- The claim's index, as the other two have: due rows are found without reading sent ones.
create index billing_actions_due on public.billing_actions (next_attempt_at) where status = 'pending';
-- The batch a row was claimed into (one claim's rows of one key are sent together; email and actions: a row
-- each), kept through retries; an abandoned batch is taken over whole, found by this index.
alter table public.email_outbox add column batch_id text;
alter table public.billing_actions add column batch_id text;
comment on column public.email_outbox.batch_id is 'The batch the row was claimed into (its own id: an email is sent alone).';
comment on column public.billing_actions.batch_id is 'The batch the row was claimed into (its own id: an action is sent alone).';
create index usage_outbox_batch on public.usage_outbox (batch_id) where status = 'pending';
create index email_outbox_batch on public.email_outbox (batch_id) where status = 'pending';
create index billing_actions_batch on public.billing_actions (batch_id) where status = 'pending';

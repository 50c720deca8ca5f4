-- credit_purchases on the one outbox mechanism (lib/billing/outbox/, migration 20261205000800): the shared
-- lifecycle columns (status, claimed_by, batch_id, sent_at) replace the table's own granted_at / dead_at.
alter table public.credit_purchases
  add column status text not null default 'pending' check (status in ('pending', 'sent', 'dead')),
  add column claimed_by text,
  add column batch_id text,
  add column sent_at timestamptz;
update public.credit_purchases set status = 'sent', sent_at = granted_at where granted_at is not null;
update public.credit_purchases set status = 'dead' where granted_at is null and dead_at is not null;
drop index public.credit_purchases_due;
alter table public.credit_purchases drop column granted_at, drop column dead_at;
create index credit_purchases_due on public.credit_purchases (next_attempt_at) where status = 'pending';

comment on column public.credit_purchases.status is 'pending (the grant not made yet), sent (Stripe made it), dead (after the maximum attempts; npm run billing:events).';
comment on column public.credit_purchases.claimed_by is 'The flush holding the row until claimed_until.';
comment on column public.credit_purchases.batch_id is 'The claim''s batch (one row each).';
comment on column public.credit_purchases.sent_at is 'When Stripe made the grant.';

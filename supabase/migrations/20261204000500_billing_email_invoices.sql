-- Billing emails and invoices (issue 20, items 2 and 4).
-- email_outbox: one row per (Stripe event, template), written by the drain in the transaction that
-- applies the event, so each email is queued exactly once however often the event is delivered or
-- re-applied; sent by the drain/cron over SMTP with retries and backoff, dead after the maximum.
-- email_preferences: the optional emails a user turned off (payment emails are not optional).
-- invoices: the customer's Stripe invoices as last read from Stripe by the drain (invoice.* events).
create table public.email_outbox (
  id bigserial primary key,
  stripe_event_id text not null,
  template text not null check (template in (
    'payment_failed', 'payment_action_required', 'trial_ending', 'subscription_will_cancel', 'subscription_cancelled', 'seats_changed')),
  user_id uuid not null references public.users (id) on delete cascade,
  to_email text not null,
  data jsonb not null default '{}',
  status text not null default 'pending' check (status in ('pending', 'sent', 'skipped', 'dead')),
  claimed_until timestamptz,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error text,
  message_id text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  unique (stripe_event_id, template)
);

comment on table public.email_outbox is 'Billing emails to send, one per Stripe event and template, written by the drain with the rows it applies and sent over SMTP by the drain/cron; server-only.';
comment on column public.email_outbox.id is 'Order of writing.';
comment on column public.email_outbox.stripe_event_id is 'The Stripe event that caused the email (with template: unique, so a redelivered or replayed event queues nothing new).';
comment on column public.email_outbox.template is 'Which email (lib/email/templates): payment_failed, payment_action_required, trial_ending, subscription_will_cancel, subscription_cancelled, seats_changed.';
comment on column public.email_outbox.user_id is 'The account the email is about (its preferences decide optional emails).';
comment on column public.email_outbox.to_email is 'The recipient, the account''s email when the row was written.';
comment on column public.email_outbox.data is 'What the template shows (amounts, dates, links), taken from the event when it was applied.';
comment on column public.email_outbox.status is 'pending (to send or retry), sent, skipped (the user turned this email off), or dead (gave up after EMAIL_MAX_ATTEMPTS).';
comment on column public.email_outbox.claimed_until is 'A sender holds the row until then; past it another may take it over.';
comment on column public.email_outbox.attempts is 'Failed sends so far.';
comment on column public.email_outbox.next_attempt_at is 'Not sent before this time (backoff after a failure).';
comment on column public.email_outbox.last_error is 'The last SMTP error, for npm run billing:events.';
comment on column public.email_outbox.message_id is 'The Message-ID the SMTP server accepted.';
comment on column public.email_outbox.created_at is 'When the drain queued it.';
comment on column public.email_outbox.sent_at is 'When the SMTP server accepted it (or it was skipped).';

create index email_outbox_due on public.email_outbox (next_attempt_at) where status = 'pending';

create table public.email_preferences (
  user_id uuid primary key references public.users (id) on delete cascade,
  trial_ending boolean not null default true,
  seats_changed boolean not null default true,
  updated_at timestamptz not null default now()
);

comment on table public.email_preferences is 'Optional billing emails a user receives (no row: all on); payment emails are always sent; server-only.';
comment on column public.email_preferences.user_id is 'The account.';
comment on column public.email_preferences.trial_ending is 'Send "your trial ends soon" (customer.subscription.trial_will_end).';
comment on column public.email_preferences.seats_changed is 'Send "your seats changed" (a subscription quantity change).';
comment on column public.email_preferences.updated_at is 'When the user last changed them.';

create table public.invoices (
  id text primary key,
  stripe_customer_id text not null,
  stripe_subscription_id text,
  number text,
  status text not null check (status in ('draft', 'open', 'paid', 'uncollectible', 'void')),
  amount_due bigint not null,
  amount_paid bigint not null,
  tax bigint,
  total bigint not null,
  currency text not null,
  created timestamptz not null,
  period_start timestamptz,
  period_end timestamptz,
  hosted_invoice_url text,
  invoice_pdf text,
  attempt_count integer not null default 0,
  next_payment_attempt timestamptz,
  synced_at timestamptz not null default now()
);

comment on table public.invoices is 'The customer''s Stripe invoices as last read from Stripe by the drain on invoice.* events; server-only.';
comment on column public.invoices.id is 'Stripe invoice id (in_…).';
comment on column public.invoices.stripe_customer_id is 'The Stripe customer billed.';
comment on column public.invoices.stripe_subscription_id is 'The subscription it bills, if any.';
comment on column public.invoices.number is 'The invoice number (null while a draft).';
comment on column public.invoices.status is 'Stripe''s invoice status: draft, open, paid, uncollectible or void.';
comment on column public.invoices.amount_due is 'Amount due, in the currency''s smallest unit.';
comment on column public.invoices.amount_paid is 'Amount paid so far, in the smallest unit.';
comment on column public.invoices.tax is 'Total tax (sum of total_taxes), null when Stripe computed none.';
comment on column public.invoices.total is 'Total after discounts and tax, in the smallest unit.';
comment on column public.invoices.currency is 'Three-letter ISO currency code, lower case.';
comment on column public.invoices.created is 'When Stripe created the invoice (the date shown).';
comment on column public.invoices.period_start is 'Start of the service period its lines bill (the first line''s period).';
comment on column public.invoices.period_end is 'End of that service period.';
comment on column public.invoices.hosted_invoice_url is 'Stripe''s hosted invoice page (pay an open invoice there); null for drafts.';
comment on column public.invoices.invoice_pdf is 'The invoice PDF; null for drafts.';
comment on column public.invoices.attempt_count is 'Payment attempts so far.';
comment on column public.invoices.next_payment_attempt is 'When Stripe retries next (open invoices under the retry schedule).';
comment on column public.invoices.synced_at is 'When the drain last wrote it.';

-- The history's keyset: newest first, ties broken by id.
create index invoices_customer_created on public.invoices (stripe_customer_id, created desc, id desc);

alter table public.email_outbox enable row level security;
alter table public.email_preferences enable row level security;
alter table public.invoices enable row level security;
revoke all on public.email_outbox, public.email_preferences, public.invoices from anon, authenticated;
revoke all on sequence public.email_outbox_id_seq from anon, authenticated;

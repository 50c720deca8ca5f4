-- Issue 23, item 5: one free trial per card. The sync records the card fingerprint
-- (payment_method.card.fingerprint: one card number, whatever the customer) of every subscription
-- that had a trial; a later trial on a card already recorded is ended at once through billing_actions,
-- the outbox the drain flushes (subscriptions.update trial_end=now).
create table public.trial_cards (
  fingerprint text not null,
  stripe_subscription_id text not null,
  user_id uuid references public.users(id) on delete set null,
  first_seen_at timestamptz not null default now(),
  primary key (fingerprint, stripe_subscription_id)
);
comment on table public.trial_cards is 'Card fingerprints of subscriptions that had a trial (one trial per card).';
comment on column public.trial_cards.fingerprint is 'Stripe payment_method.card.fingerprint of the trial''s card.';
comment on column public.trial_cards.stripe_subscription_id is 'The subscription whose trial used the card.';
comment on column public.trial_cards.user_id is 'Whose subscription it was (null once the user is deleted; the card stays used).';
comment on column public.trial_cards.first_seen_at is 'When the sync first saw this card on this trial.';

create table public.billing_actions (
  id bigserial primary key,
  kind text not null check (kind in ('end_trial')),
  stripe_subscription_id text not null,
  reason text not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  claimed_until timestamptz,
  done_at timestamptz,
  dead_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  unique (kind, stripe_subscription_id)
);
comment on table public.billing_actions is 'Stripe calls the sync decided on, sent by the drain (an outbox: never on a request path).';
comment on column public.billing_actions.id is 'Row id.';
comment on column public.billing_actions.kind is 'end_trial: subscriptions.update(trial_end=now).';
comment on column public.billing_actions.stripe_subscription_id is 'The subscription the call is for (one action of a kind per subscription).';
comment on column public.billing_actions.reason is 'Why the sync decided it (e.g. the card already had a trial).';
comment on column public.billing_actions.attempts is 'Calls tried so far.';
comment on column public.billing_actions.next_attempt_at is 'When the next try is due (exponential backoff).';
comment on column public.billing_actions.claimed_until is 'A drain holds the row until then.';
comment on column public.billing_actions.done_at is 'When Stripe accepted the call.';
comment on column public.billing_actions.dead_at is 'Set after the maximum attempts.';
comment on column public.billing_actions.last_error is 'The last failure''s message.';
comment on column public.billing_actions.created_at is 'When the sync decided it.';

alter table public.trial_cards enable row level security;
alter table public.billing_actions enable row level security;
revoke all on public.trial_cards, public.billing_actions from anon, authenticated;
revoke all on sequence public.billing_actions_id_seq from anon, authenticated;

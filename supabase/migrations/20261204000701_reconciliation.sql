-- Reconciliation (lib/billing/sync/reconcile.ts): a pass over every Stripe subscription (listed 100 at a
-- time) compared with user_subscriptions, within a budget of Stripe calls per step and per second, resumable
-- across cron runs (the cursor is here), and a report of what differed and whether the re-sync fixed it.
-- Server-only: RLS on with no policies, and the API roles hold no privileges.
create table public.reconcile_runs (
  id bigint generated always as identity primary key,
  trigger text not null check (trigger in ('cron', 'admin', 'cli', 'test')),
  phase text not null default 'subscriptions' check (phase in ('subscriptions', 'orphans', 'usage', 'done')),
  cursor text,
  lease_owner text,
  lease_until timestamptz,
  stripe_calls integer not null default 0,
  subscriptions_checked integer not null default 0,
  drifted integer not null default 0,
  fixed integer not null default 0,
  started_at timestamptz not null default now(),
  finished_at timestamptz
);
create unique index reconcile_runs_one_open_idx on public.reconcile_runs ((true)) where finished_at is null;
create index reconcile_runs_started_idx on public.reconcile_runs (started_at desc);

create table public.reconcile_findings (
  id bigint generated always as identity primary key,
  run_id bigint not null references public.reconcile_runs (id) on delete cascade,
  stripe_customer_id text not null,
  user_id uuid,
  differences jsonb not null,
  fixed boolean,
  error text,
  created_at timestamptz not null default now()
);
create index reconcile_findings_run_idx on public.reconcile_findings (run_id, id);
create index reconcile_findings_pending_idx on public.reconcile_findings (run_id, id) where fixed is null;
create index reconcile_findings_customer_idx on public.reconcile_findings (stripe_customer_id, created_at desc);

-- Subscription ids a run has seen at Stripe, so rows Stripe no longer lists are found at the end of the pass.
create table public.reconcile_seen (
  run_id bigint not null references public.reconcile_runs (id) on delete cascade,
  stripe_subscription_id text not null,
  primary key (run_id, stripe_subscription_id)
);

comment on table public.reconcile_runs is 'One reconciliation pass of Postgres against Stripe; resumed by each cron step until finished.';
comment on column public.reconcile_runs.id is 'Run id, in the order runs started.';
comment on column public.reconcile_runs.trigger is 'Who started it: the daily cron, an admin (/admin/reconciliation), npm run billing:reconcile, or a test.';
comment on column public.reconcile_runs.phase is 'subscriptions (listing Stripe), orphans (rows Stripe did not list), usage (ledger vs meter summaries), done.';
comment on column public.reconcile_runs.cursor is 'Where the phase resumes: the last Stripe subscription id listed (starting_after), or the last customer whose usage was compared.';
comment on column public.reconcile_runs.lease_owner is 'The process running a step now (one at a time).';
comment on column public.reconcile_runs.lease_until is 'When a crashed step''s lease lapses.';
comment on column public.reconcile_runs.stripe_calls is 'Stripe requests spent by the run so far (list pages, re-syncs, usage summaries).';
comment on column public.reconcile_runs.subscriptions_checked is 'Stripe subscriptions compared with their rows so far.';
comment on column public.reconcile_runs.drifted is 'Customers found different from Stripe.';
comment on column public.reconcile_runs.fixed is 'Of those, customers the re-sync made agree.';
comment on column public.reconcile_runs.started_at is 'When the run started.';
comment on column public.reconcile_runs.finished_at is 'When the last phase ended; null while running.';
comment on table public.reconcile_findings is 'The report: one row per customer a run found different from Stripe.';
comment on column public.reconcile_findings.id is 'Row id.';
comment on column public.reconcile_findings.run_id is 'The run that found it.';
comment on column public.reconcile_findings.stripe_customer_id is 'The Stripe customer (cus_…).';
comment on column public.reconcile_findings.user_id is 'Our user, when the customer is mapped.';
comment on column public.reconcile_findings.differences is 'What differed: [{subscription, field, ours, stripe}] or [{meter, ledger, stripe, unsent}].';
comment on column public.reconcile_findings.fixed is 'Whether the re-sync made the rows agree; null while it waits for the call budget (the next step re-syncs it first); usage drift is reported, never re-synced.';
comment on column public.reconcile_findings.error is 'Why it was not fixed, when it was not.';
comment on column public.reconcile_findings.created_at is 'When it was recorded.';
comment on table public.reconcile_seen is 'Subscription ids a run listed at Stripe; deleted when the run finishes.';
comment on column public.reconcile_seen.run_id is 'The run.';
comment on column public.reconcile_seen.stripe_subscription_id is 'A Stripe subscription (sub_…) the run listed.';

alter table public.reconcile_runs enable row level security;
alter table public.reconcile_findings enable row level security;
alter table public.reconcile_seen enable row level security;
revoke all on public.reconcile_runs, public.reconcile_findings, public.reconcile_seen from anon, authenticated;

alter table public.admin_audit_log drop constraint admin_audit_log_action_check;
alter table public.admin_audit_log add constraint admin_audit_log_action_check
  check (action in ('event.replay', 'event.replay_dead', 'customer.sync', 'admin.grant', 'reconcile.start', 'metrics.export'));

-- What operators did in the console (/admin): one row per admin action (an event replayed, every dead
-- event replayed, a customer synced, a role granted), written in the same request as the action.
-- Server-only: RLS on with no policies, and the API roles hold no privileges.
create table public.admin_audit_log (
  id bigint generated always as identity primary key,
  actor_id uuid,
  actor_email text,
  action text not null check (action in ('event.replay', 'event.replay_dead', 'customer.sync', 'admin.grant')),
  target text,
  detail jsonb not null default '{}',
  created_at timestamptz not null default now()
);

create index admin_audit_log_created_at_idx on public.admin_audit_log (created_at desc);

comment on table public.admin_audit_log is 'Every admin action: who, when, what (the operator console and npm run admin:grant); server-only.';
comment on column public.admin_audit_log.id is 'Row id, in the order the actions were recorded.';
comment on column public.admin_audit_log.actor_id is 'auth.users id of the admin who acted; null for a CLI action (npm run admin:grant).';
comment on column public.admin_audit_log.actor_email is 'The admin''s email when they acted (kept if the account later changes), or "cli".';
comment on column public.admin_audit_log.action is 'What was done: event.replay, event.replay_dead, customer.sync or admin.grant.';
comment on column public.admin_audit_log.target is 'What it was done to: a Stripe event id, a Stripe customer id, a user email; null for replay-all.';
comment on column public.admin_audit_log.detail is 'The result, e.g. {"replayed": 3} or {"status": "synced"}.';
comment on column public.admin_audit_log.created_at is 'When the action was recorded.';

alter table public.admin_audit_log enable row level security;
revoke all on public.admin_audit_log from anon, authenticated;

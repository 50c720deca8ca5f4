-- Active entitlements: what each user's Stripe customer is entitled to now, a cache of Stripe's
-- Entitlements API kept by the per-customer sync (entitlements.active_entitlement_summary.updated).

create table public.active_entitlements (
  stripe_customer_id text not null,
  lookup_key text not null,
  user_id uuid not null references public.users (id) on delete cascade,
  stripe_entitlement_id text not null,
  stripe_feature_id text not null,
  synced_at timestamptz not null default now(),
  primary key (stripe_customer_id, lookup_key)
);

create index active_entitlements_user_idx on public.active_entitlements (user_id, lookup_key);

comment on table public.active_entitlements is 'One row per feature a customer is entitled to now, as Stripe''s active entitlements list says; rows go when Stripe drops them.';
comment on column public.active_entitlements.stripe_customer_id is 'Stripe customer (cus_…) the entitlement belongs to.';
comment on column public.active_entitlements.lookup_key is 'The feature''s lookup key: a key of FEATURES in lib/billing/catalog.ts.';
comment on column public.active_entitlements.user_id is 'The app user of that customer (billing_customers).';
comment on column public.active_entitlements.stripe_entitlement_id is 'Stripe active entitlement (ent_…).';
comment on column public.active_entitlements.stripe_feature_id is 'Stripe Entitlements feature (feat_…).';
comment on column public.active_entitlements.synced_at is 'When the sync last wrote the row.';

alter table public.active_entitlements enable row level security;

revoke all on public.active_entitlements from anon, authenticated;

create policy "Users read their own entitlements" on public.active_entitlements
  for select to authenticated using (user_id = (select auth.uid()));

grant select on public.active_entitlements to authenticated;

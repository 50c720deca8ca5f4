-- Issue 23, item 7: every billing row records the Stripe mode (`livemode`) of the object it came from,
-- and entitlements count only rows of the mode the app's key is in, so a test-mode purchase never grants
-- anything to an app running with a live key (and the other way round). Null: a row written before this
-- column existed; it keeps counting until the next sync writes the object's mode.
alter table public.billing_customers add column livemode boolean;
alter table public.user_subscriptions add column livemode boolean;
alter table public.active_entitlements add column livemode boolean;

comment on column public.billing_customers.livemode is 'Stripe''s livemode of the customer object; null: written before it was recorded.';
comment on column public.user_subscriptions.livemode is 'Stripe''s livemode of the subscription; entitlements count only rows of the app key''s mode.';
comment on column public.active_entitlements.livemode is 'Stripe''s livemode of the active entitlement; only the app key''s mode grants anything.';

-- /admin/metrics tells voluntary churn (the customer canceled) from involuntary (payments failed) and counts
-- the reasons customers give: Stripe's cancellation_details, which the sync writes to
-- user_subscriptions.cancellation_reason / cancellation_feedback / cancellation_comment (added by
-- 20261204000601_retention_offers.sql).

-- The metrics read subscriptions by when they ended and by trial.
create index user_subscriptions_ended_idx on public.user_subscriptions (ended_at) where ended_at is not null;
create index user_subscriptions_trial_idx on public.user_subscriptions (trial_end) where trial_start is not null;

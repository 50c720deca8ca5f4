-- /admin/metrics tells voluntary churn (the customer canceled) from involuntary (payments failed) and counts
-- the reasons customers give: Stripe's cancellation_details, written by the sync like every other field.
alter table public.user_subscriptions add column cancellation_reason text, add column cancellation_feedback text;

comment on column public.user_subscriptions.cancellation_reason is 'Stripe''s cancellation_details.reason: cancellation_requested (voluntary), payment_failed or payment_disputed (involuntary); null while not canceled.';
comment on column public.user_subscriptions.cancellation_feedback is 'Stripe''s cancellation_details.feedback, the customer''s reason from the cancel flow (too_expensive, missing_features, …).';

-- The metrics read subscriptions by when they ended and by trial.
create index user_subscriptions_ended_idx on public.user_subscriptions (ended_at) where ended_at is not null;
create index user_subscriptions_trial_idx on public.user_subscriptions (trial_end) where trial_start is not null;

-- The operator console at 10,000 customers and 100,000 inbox rows (npm run bench:admin EXPLAIN ANALYZEs every
-- admin statement; these are what its plans asked for).
--
-- The inbox: counts and the oldest age per state (inboxSummary, one index per side of processed_at), the
-- unprocessed states' lists (dead / retrying / pending, newest first), the list by type and by outcome
-- prefix, newest first.
create index subscription_events_processed_received_idx on public.subscription_events (received_at)
  where processed_at is not null;
create index subscription_events_unprocessed_received_idx on public.subscription_events (received_at desc)
  include (dead_at, attempts) where processed_at is null;
create index subscription_events_type_received_idx on public.subscription_events (type, received_at desc);
create index subscription_events_outcome_received_idx on public.subscription_events (outcome text_pattern_ops, received_at desc);

-- /admin/metrics reads the subscriptions through covering indexes (index-only scans, never the rows):
-- the live ones by status and plan with what MRR needs, by creation time (live at the window's start),
-- by end (churn), by trial end (conversion), by cancellation time (reasons). The two partial indexes of
-- 20261204000702 are replaced by covering ones with the same key and predicate.
create index user_subscriptions_not_ended_idx on public.user_subscriptions (status, plan_id)
  include (currency, unit_amount, quantity, interval, discount_percent_off, discount_amount_off, discount_ends_at)
  where status in ('trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete');
create index user_subscriptions_created_cover_idx on public.user_subscriptions (stripe_created_at) include (ended_at, trial_end, status);
create index user_subscriptions_ended_cover_idx on public.user_subscriptions (ended_at)
  include (trial_end, cancellation_reason, status) where ended_at is not null;
drop index public.user_subscriptions_ended_idx;
create index user_subscriptions_trial_cover_idx on public.user_subscriptions (trial_end) include (status) where trial_start is not null;
drop index public.user_subscriptions_trial_idx;
create index user_subscriptions_canceled_cover_idx on public.user_subscriptions (canceled_at)
  include (cancellation_feedback) where canceled_at is not null;

-- Reconciliation compares each listed customer's rows (compareWithRows): by Stripe customer, not a scan
-- of every row per customer (a 10,000-subscription pass took 104 s at 1.7 requests/s without it).
create index user_subscriptions_customer_idx on public.user_subscriptions (stripe_customer_id);

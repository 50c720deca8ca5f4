-- /admin/metrics on indexes only, touching the rows each figure needs (npm run bench:admin EXPLAIN ANALYZEs it:
-- 20261205000400 left a Seq Scan of user_subscriptions for the count live at the window's start and a hash of
-- every invoice.paid payload of the window for "recovered"). The counts and amounts of every live
-- subscription come from public.subscription_totals (20261206000101), so no index covers them all any more.
drop index public.user_subscriptions_not_ended_idx;
drop index public.user_subscriptions_created_cover_idx;
-- MRR corrects the few with a discount in force one by one.
create index user_subscriptions_discounted_idx on public.user_subscriptions (status)
  include (currency, interval, unit_amount, quantity, discount_percent_off, discount_amount_off, discount_ends_at)
  where discount_percent_off is not null or discount_amount_off is not null;
-- Live at the window's start = not ended (the totals) less those not ended that started inside the window
-- (created in it: the first index; out of their trial in it: the second), plus those ended inside the window
-- (the ended index, now carrying the creation time). Subscriptions ended before the window are never read.
create index user_subscriptions_unended_created_idx on public.user_subscriptions (stripe_created_at)
  include (status) where ended_at is null;
create index user_subscriptions_unended_trial_idx on public.user_subscriptions (trial_end)
  include (stripe_created_at, status) where ended_at is null;
drop index public.user_subscriptions_ended_cover_idx;
create index user_subscriptions_ended_cover_idx on public.user_subscriptions (ended_at)
  include (stripe_created_at, trial_end, cancellation_reason, status) where ended_at is not null;

-- Failed payments recovered: each failed invoice of the window looks up its invoice.paid event by invoice id.
create index subscription_events_paid_invoice_idx on public.subscription_events (((payload -> 'data' -> 'object' ->> 'id')), stripe_created_at)
  where type = 'invoice.paid';

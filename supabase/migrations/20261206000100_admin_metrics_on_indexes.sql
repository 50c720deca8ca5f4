-- /admin/metrics on indexes only, touching the rows each figure needs (npm run bench:admin EXPLAIN ANALYZEs it:
-- 20261205000400 left a Seq Scan of user_subscriptions for the count live at the window's start and a hash of
-- every invoice.paid payload of the window for "recovered").
--
-- The not-ended subscriptions keyed by what the page groups by (plan and status, and MRR's currency and
-- interval): one streaming index-only pass counts them, sums unit amount × quantity per group, and counts
-- those live at the window's start (created, and out of their trial, before it).
drop index public.user_subscriptions_not_ended_idx;
create index user_subscriptions_not_ended_idx on public.user_subscriptions (status, plan_id, currency, interval)
  include (unit_amount, quantity, ended_at, stripe_created_at, trial_end)
  where status in ('trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete');
-- The few with a discount (MRR corrects their amount one by one).
create index user_subscriptions_discounted_idx on public.user_subscriptions (status)
  include (currency, interval, unit_amount, quantity, discount_percent_off, discount_amount_off, discount_ends_at)
  where discount_percent_off is not null or discount_amount_off is not null;
-- Live at the window's start = not ended (the pass above, plus a canceled row without an end, which Stripe
-- never sends: this index is empty in practice) + ended inside the window (the ended index, now carrying the
-- creation time), each created before it; subscriptions ended before the window are never read.
drop index public.user_subscriptions_created_cover_idx;
create index user_subscriptions_unended_other_idx on public.user_subscriptions (stripe_created_at)
  include (trial_end, status)
  where ended_at is null and status not in ('trialing', 'active', 'past_due', 'unpaid', 'paused', 'incomplete');
drop index public.user_subscriptions_ended_cover_idx;
create index user_subscriptions_ended_cover_idx on public.user_subscriptions (ended_at)
  include (stripe_created_at, trial_end, cancellation_reason, status) where ended_at is not null;

-- Failed payments recovered: each failed invoice of the window looks up its invoice.paid event by invoice id.
create index subscription_events_paid_invoice_idx on public.subscription_events (((payload -> 'data' -> 'object' ->> 'id')), stripe_created_at)
  where type = 'invoice.paid';

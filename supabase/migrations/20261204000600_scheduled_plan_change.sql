-- A plan change scheduled for the period's end (a downgrade, or yearly → monthly) through a Stripe
-- subscription schedule, copied by the customer sync so the manage page can say "Changes to X on DATE"
-- and offer to cancel it. All null: nothing scheduled.
alter table public.user_subscriptions
  add column stripe_schedule_id text,
  add column scheduled_price_id text,
  add column scheduled_plan_id text references public.subscription_plans (id),
  add column scheduled_interval text check (scheduled_interval in ('day', 'week', 'month', 'year')),
  add column scheduled_quantity integer check (scheduled_quantity is null or scheduled_quantity > 0),
  add column scheduled_change_at timestamptz,
  add constraint user_subscriptions_scheduled_whole check ((scheduled_price_id is null) = (scheduled_change_at is null));
comment on column public.user_subscriptions.stripe_schedule_id is 'The Stripe subscription schedule attached to the subscription (subscription.schedule); null: none.';
comment on column public.user_subscriptions.scheduled_price_id is 'The price the schedule''s next phase puts on the subscription; null: no change scheduled.';
comment on column public.user_subscriptions.scheduled_plan_id is 'The catalog plan of scheduled_price_id (null when the price is not one of ours or nothing is scheduled).';
comment on column public.user_subscriptions.scheduled_interval is 'The billing interval of scheduled_price_id.';
comment on column public.user_subscriptions.scheduled_quantity is 'The quantity (seats) of the next phase.';
comment on column public.user_subscriptions.scheduled_change_at is 'When the next phase starts (the current period''s end for the changes the app schedules).';

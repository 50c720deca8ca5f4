-- A Checkout session remembers the trial it offered, so an open session is reused only for the same
-- offer: a user who stopped being eligible (a trial seen at Stripe since) gets a new session, not the
-- old free one.
alter table public.checkout_sessions add column trial_days integer check (trial_days is null or trial_days > 0);
comment on column public.checkout_sessions.trial_days is 'Free-trial days this session offers (subscription_data.trial_period_days); null: no trial.';

-- What Stripe does when a trial ends without a payment method, so the pages can say it.
alter table public.user_subscriptions add column trial_missing_payment_method text
  check (trial_missing_payment_method in ('cancel', 'create_invoice', 'pause'));
comment on column public.user_subscriptions.trial_missing_payment_method is 'Stripe trial_settings.end_behavior.missing_payment_method: at the trial end without a card, cancel, pause, or invoice (create_invoice); null when Stripe did not say.';

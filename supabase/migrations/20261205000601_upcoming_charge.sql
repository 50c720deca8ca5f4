-- What a trialing subscription's first charge will be, from Stripe's invoice preview (issue 23, item 8):
-- "Your card will then be charged $12.00" must be what Stripe will charge (a promotion code, every seat,
-- tax), not price × quantity. The sync (lib/stripe/customers.ts, withUpcoming) reads invoices.createPreview
-- when it reads the subscriptions, so a subscription or discount event refreshes it; pages read the row.
alter table public.user_subscriptions
  add column upcoming_amount integer,
  add column upcoming_currency text,
  add column upcoming_at timestamptz;

comment on column public.user_subscriptions.upcoming_amount is 'The next charge (Stripe invoice preview amount_due, smallest unit: after discounts, every seat, tax), kept by the sync while the subscription is trialing and will renew; null otherwise.';
comment on column public.user_subscriptions.upcoming_currency is 'The currency of upcoming_amount.';
comment on column public.user_subscriptions.upcoming_at is 'When that charge is made (the trial''s end).';

-- The next charge the pages state is Stripe's invoice preview for every subscription that renews and
-- whose price × quantity could be wrong (issue 23, item 8): a discount, a scheduled plan change (the
-- schedule's next invoice), STRIPE_TAX, a credit left by the latest invoice; no longer only trials.
-- The columns are the same; only what they hold widens (lib/stripe/customers.ts, lib/billing/views/charge.ts).
comment on column public.user_subscriptions.upcoming_amount is 'The next charge (Stripe invoice preview amount_due, smallest unit: after discounts, every seat, tax, credits), kept by the sync while the subscription renews and price × quantity could be wrong (discount, scheduled change, STRIPE_TAX, a credit); null otherwise.';
comment on column public.user_subscriptions.upcoming_at is 'When that charge is made: the trial''s end, the period''s end, or the scheduled change''s start.';

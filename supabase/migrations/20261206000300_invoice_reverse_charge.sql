-- Whether an invoice's tax is reverse charged (issue 20, item 6): an EU business with a VAT id pays no
-- VAT and the invoice must say the customer accounts for it. Kept by the drain from the invoice's
-- total_taxes (taxability_reason reverse_charge, lib/stripe/mappers.ts); the manage page's history
-- shows "Reverse charge" beside the tax. Also: the upcoming_* comments now cover a scheduled change.
alter table public.invoices
  add column reverse_charge boolean not null default false;

comment on column public.invoices.reverse_charge is 'Stripe Tax reverse charged this invoice (a total_taxes entry with taxability_reason reverse_charge): no tax, the customer accounts for the VAT.';
comment on column public.user_subscriptions.upcoming_amount is 'The next charge (Stripe invoice preview amount_due, smallest unit: after discounts, every seat, tax), kept by the sync while the subscription is trialing and will renew, or has a change scheduled for its period''s end (the first invoice of the schedule''s next phase); null otherwise.';
comment on column public.user_subscriptions.upcoming_at is 'When that charge is made (the trial''s end, or the scheduled change''s start).';

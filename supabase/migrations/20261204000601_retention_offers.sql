-- Cancellation with a retention offer (issue 20, item 3). The catalog's retention coupon is offered in the
-- portal's cancel flow once per customer: a row here means it was offered, and the customer sync records
-- what they did (accepted: the coupon became the subscription's discount; declined: they cancelled
-- anyway). And what Stripe's cancellation_details say (the reason, the customer's feedback and comment),
-- copied onto the subscription row by the sync.
create table public.retention_offers (
  stripe_customer_id text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  coupon_id text not null,
  offered_at timestamptz not null default now(),
  outcome text not null default 'offered' check (outcome in ('offered', 'accepted', 'declined')),
  decided_at timestamptz,
  constraint retention_offers_decided check ((outcome = 'offered') = (decided_at is null))
);
comment on table public.retention_offers is 'The retention coupon offered in the portal''s cancel flow, at most once per customer, and what the customer did; server-only.';
comment on column public.retention_offers.coupon_id is 'The Stripe coupon offered (RETENTION_OFFER.couponId when it was offered).';
comment on column public.retention_offers.stripe_customer_id is 'The Stripe customer it was offered to (once per customer).';
comment on column public.retention_offers.user_id is 'The user owning that customer.';
comment on column public.retention_offers.offered_at is 'When the cancel flow with the offer was last opened.';
comment on column public.retention_offers.decided_at is 'When the sync saw the answer; null while offered.';
comment on column public.retention_offers.outcome is 'offered (no answer yet), accepted (the coupon is on the subscription) or declined (the subscription was set to cancel).';
alter table public.retention_offers enable row level security;
revoke all on public.retention_offers from anon, authenticated;

alter table public.user_subscriptions
  add column discount_coupon_id text,
  add column cancellation_reason text check (cancellation_reason in ('cancellation_requested', 'payment_disputed', 'payment_failed')),
  add column cancellation_feedback text,
  add column cancellation_comment text;
comment on column public.user_subscriptions.discount_coupon_id is 'The Stripe coupon of the active discount; null: no discount.';
comment on column public.user_subscriptions.cancellation_reason is 'Stripe cancellation_details.reason: why it was (or will be) cancelled.';
comment on column public.user_subscriptions.cancellation_feedback is 'Stripe cancellation_details.feedback: the reason the customer chose in the portal (too_expensive, missing_features, …).';
comment on column public.user_subscriptions.cancellation_comment is 'Stripe cancellation_details.comment: what the customer wrote.';

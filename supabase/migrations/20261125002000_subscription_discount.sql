-- The subscription's active discount (a coupon, usually redeemed through a promotion code at Checkout),
-- copied from Stripe by the customer sync so the subscription and manage pages can say what it takes
-- off and until when. All null: no discount. A discount that ended is gone from Stripe's subscription,
-- so the next sync clears these columns.
alter table public.user_subscriptions
  add column discount_label text,
  add column discount_percent_off double precision check (discount_percent_off is null or (discount_percent_off > 0 and discount_percent_off <= 100)),
  add column discount_amount_off integer check (discount_amount_off is null or discount_amount_off > 0),
  add column discount_currency text,
  add column discount_duration text check (discount_duration in ('once', 'repeating', 'forever')),
  add column discount_ends_at timestamptz,
  add constraint user_subscriptions_discount_whole check ((discount_label is null) = (discount_duration is null));
comment on column public.user_subscriptions.discount_label is 'What the customer knows the discount by: the promotion code they entered, else the coupon''s name (or id); null: no discount.';
comment on column public.user_subscriptions.discount_percent_off is 'Coupon percent_off (0–100, may have decimals); null for an amount-off coupon or no discount.';
comment on column public.user_subscriptions.discount_amount_off is 'Coupon amount_off in minor units of discount_currency; null for a percent-off coupon or no discount.';
comment on column public.user_subscriptions.discount_currency is 'ISO 4217 code of discount_amount_off; null otherwise.';
comment on column public.user_subscriptions.discount_duration is 'Coupon duration: once (first invoice only), repeating (until discount_ends_at) or forever; null: no discount.';
comment on column public.user_subscriptions.discount_ends_at is 'When a repeating discount stops applying (Stripe discount.end); null for once, forever or no discount.';

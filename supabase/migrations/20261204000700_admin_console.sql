-- The operator console's indexes, as the admin benchmark's EXPLAIN asked for (npm run bench:admin):
-- customer search by email or Stripe id prefix (text_pattern_ops, so LIKE 'prefix%' is a range scan
-- whatever the database's collation), a customer's recent events, and the events page's newest-first list.
create index users_email_prefix_idx on public.users (lower(email) text_pattern_ops);
create index billing_customers_email_prefix_idx on public.billing_customers (lower(email) text_pattern_ops);
create index billing_customers_stripe_id_prefix_idx on public.billing_customers (stripe_customer_id text_pattern_ops);
create index subscription_events_customer_received_idx on public.subscription_events (customer_id, received_at desc);
create index subscription_events_received_idx on public.subscription_events (received_at desc);

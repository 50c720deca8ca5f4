-- /admin/metrics without a pass over every live subscription: the counts and gross amounts per group
-- (status, plan, currency, interval, whether ended_at is null) kept as they change, in the transaction that
-- changes them. Rows are only ever inserted by the triggers (a delta per group a statement changed, so
-- concurrent writers never wait on one another); the page sums them, and the cron folds them into one row
-- per group (public.compact_subscription_totals). MRR's discounts, which lapse with time rather than with
-- a row change, are still corrected from the rows (user_subscriptions_discounted_idx).
create table public.subscription_totals (
  id bigserial primary key,
  status text not null,
  plan_id text,
  currency text not null,
  interval text,
  unended boolean not null,
  n bigint not null,
  -- greatest(0, unit_amount × quantity), summed: MRR before discounts, in the interval's own terms.
  gross bigint not null
);
comment on table public.subscription_totals is 'Counts and gross amounts of user_subscriptions per group, as deltas written by triggers in the changing transaction and folded by compact_subscription_totals(); /admin/metrics sums them.';
comment on column public.subscription_totals.id is 'Delta row id (a fold replaces the deltas with one row per group).';
comment on column public.subscription_totals.status is 'Stripe subscription status of the group.';
comment on column public.subscription_totals.plan_id is 'Catalog plan of the group (null: a price outside the catalog).';
comment on column public.subscription_totals.currency is 'Currency of the group (usd when the row has none).';
comment on column public.subscription_totals.interval is 'Billing interval of the group (day, week, month, year).';
comment on column public.subscription_totals.unended is 'True for rows with no ended_at.';
comment on column public.subscription_totals.n is 'Change in the number of subscriptions in the group (summed: the count).';
comment on column public.subscription_totals.gross is 'Change in greatest(0, unit_amount x quantity) in the group, in the interval''s own terms (summed: MRR before discounts).';
alter table public.subscription_totals enable row level security;
revoke all on public.subscription_totals from anon, authenticated;
revoke all on sequence public.subscription_totals_id_seq from anon, authenticated;

create function public.subscription_totals_delta() returns trigger
language plpgsql set search_path = public, pg_temp as $$
begin
  -- One delta row per group the statement changed; an update that moved nothing between groups (a period
  -- end, a cancellation flag) adds nothing.
  if tg_op = 'INSERT' then
    insert into public.subscription_totals (status, plan_id, currency, interval, unended, n, gross)
    select status, plan_id, coalesce(currency, 'usd'), interval, ended_at is null, count(*), sum(greatest(0, coalesce(unit_amount, 0)::bigint * quantity))
    from new_rows group by 1, 2, 3, 4, 5;
  elsif tg_op = 'DELETE' then
    insert into public.subscription_totals (status, plan_id, currency, interval, unended, n, gross)
    select status, plan_id, coalesce(currency, 'usd'), interval, ended_at is null, -count(*), -sum(greatest(0, coalesce(unit_amount, 0)::bigint * quantity))
    from old_rows group by 1, 2, 3, 4, 5;
  else
    insert into public.subscription_totals (status, plan_id, currency, interval, unended, n, gross)
    select status, plan_id, coalesce(currency, 'usd'), interval, ended_at is null, sum(d), sum(d * greatest(0, coalesce(unit_amount, 0)::bigint * quantity))
    from (select *, 1 d from new_rows union all select *, -1 from old_rows) x
    group by 1, 2, 3, 4, 5
    having sum(d) <> 0 or sum(d * greatest(0, coalesce(unit_amount, 0)::bigint * quantity)) <> 0;
  end if;
  return null;
end $$;

create function public.subscription_totals_reset() returns trigger
language plpgsql set search_path = public, pg_temp as $$
begin
  delete from public.subscription_totals;
  return null;
end $$;

create trigger subscription_totals_insert after insert on public.user_subscriptions
  referencing new table as new_rows for each statement execute function public.subscription_totals_delta();
create trigger subscription_totals_update after update on public.user_subscriptions
  referencing old table as old_rows new table as new_rows for each statement execute function public.subscription_totals_delta();
create trigger subscription_totals_delete after delete on public.user_subscriptions
  referencing old table as old_rows for each statement execute function public.subscription_totals_delta();
create trigger subscription_totals_truncate after truncate on public.user_subscriptions
  for each statement execute function public.subscription_totals_reset();

-- Folds the deltas into one row per group. Rows committed after this statement's snapshot are neither
-- deleted nor summed, so the totals never change; two at once are safe (the second skips what the first
-- deleted and keeps what it inserted).
create function public.compact_subscription_totals() returns integer
language sql set search_path = public, pg_temp as $$
  with gone as (delete from public.subscription_totals returning *),
  kept as (
    insert into public.subscription_totals (status, plan_id, currency, interval, unended, n, gross)
    select status, plan_id, currency, interval, unended, sum(n), sum(gross) from gone
    group by 1, 2, 3, 4, 5 having sum(n) <> 0 or sum(gross) <> 0
    returning 1)
  select count(*)::int from gone
$$;
revoke all on function public.compact_subscription_totals() from public, anon, authenticated;

-- The rows already there.
insert into public.subscription_totals (status, plan_id, currency, interval, unended, n, gross)
select status, plan_id, coalesce(currency, 'usd'), interval, ended_at is null, count(*), sum(greatest(0, coalesce(unit_amount, 0)::bigint * quantity))
from public.user_subscriptions group by 1, 2, 3, 4, 5;

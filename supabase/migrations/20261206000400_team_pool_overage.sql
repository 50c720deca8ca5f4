-- What a Team's pool has billed as overage so far in the period, kept on its counter (the usage meter shows
-- it: lib/billing/usage/ledger.ts getUsage). A unit is billed when it is recorded past the pool as it is then
-- (perSeat × the seats at that moment): the part of each recording past it goes to Stripe (record_usage's
-- outbox row, 'overage' mode) and is added here in the same statement, under the counter's row lock. After a
-- seat change the pool moves at once, but what was billed stays billed, so used − pool is no longer the
-- overage: this column is. Pro (every unit reported, graduated tiers) and Free leave it at 0.
alter table public.usage_counters add column overage_billed bigint not null default 0 check (overage_billed >= 0);
comment on column public.usage_counters.overage_billed is 'Team pools: units recorded past the pool (perSeat × seats at the time) this period, i.e. reported to Stripe''s meter; 0 for Pro and Free.';

-- The periods counted before this migration: what their outbox rows (those with a period) sent for the pool.
update public.usage_counters c
set overage_billed = coalesce((
  select sum(o.value)
  from public.usage_outbox o
  where o.meter = c.meter and o.period_start = c.period_start
    and o.stripe_customer_id in (
      select s.stripe_customer_id from public.user_subscriptions s join public.teams t on t.owner_user_id = s.user_id
      where c.subject = 'team:' || t.id::text)
), 0)
where c.subject like 'team:%';

-- A Team pool's allowance after a seat change (lib/billing/usage/pool.ts, called by the sync when it writes the
-- owner's live Team subscription): removing seats takes their allowance with them at once, so the units used
-- past the smaller pool and not billed yet are billed now, reported to the owner's customer with the same
-- outbox row the recordings write. Adding seats bills nothing back (units billed stay billed). Under the
-- counter's row lock, so it and concurrent recordings bill each unit once.
create function public.settle_team_pool(
  p_owner uuid,
  p_meter text,
  p_period_start timestamptz,
  p_period_end timestamptz,
  p_included bigint,
  p_customer text
) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_subject text;
  v_units bigint;
begin
  select 'team:' || t.id::text into v_subject from public.teams t where t.owner_user_id = p_owner;
  if v_subject is null then
    return 0;
  end if;
  select c.used - p_included - c.overage_billed into v_units
  from public.usage_counters c
  where c.subject = v_subject and c.meter = p_meter and c.period_start = p_period_start
  for update;
  if v_units is null or v_units <= 0 then
    return 0;
  end if;
  update public.usage_counters c set overage_billed = c.overage_billed + v_units
  where c.subject = v_subject and c.meter = p_meter and c.period_start = p_period_start;
  insert into public.usage_outbox (stripe_customer_id, meter, value, period_start, period_end)
  values (p_customer, p_meter, v_units, p_period_start, p_period_end);
  return v_units;
end
$$;
revoke all on function public.settle_team_pool(uuid, text, timestamptz, timestamptz, bigint, text) from public, anon, authenticated;

-- record_usage as in 20261205000901, adding the units past the pool to overage_billed with the increment.
create or replace function public.record_usage(
  p_user_id uuid,
  p_meter text,
  p_key text,
  p_value integer,
  p_subject text,
  p_period_start timestamptz,
  p_period_end timestamptz,
  p_cap bigint,
  p_included bigint,
  p_customer text,
  p_report text
) returns table (o_status text, o_used bigint, o_remaining bigint, o_duplicate boolean)
language plpgsql
set search_path = ''
as $$
declare
  v_used bigint;
  v_status text;
  v_units integer;
  v_extra bigint;
begin
  -- 1. The key first. A key seen before is answered with its first answer; a key another transaction is
  --    inserting makes this insert wait for it, then do nothing.
  insert into public.usage_records as r (user_id, meter, idempotency_key, value, subject, status, used, remaining)
  values (p_user_id, p_meter, p_key, p_value, p_subject, 'refused', 0, 0)
  on conflict do nothing;
  if not found then
    return query
      select r.status, r.used, r.remaining, true
      from public.usage_records r
      where r.user_id = p_user_id and r.meter = p_meter and r.idempotency_key = p_key;
    return;
  end if;
  -- 2. Check and increment in one statement: only while the sum stays within the cap. (A first request
  --    above the cap would insert past it, so it is refused without the statement.)
  if p_value <= p_cap then
    insert into public.usage_counters as c (subject, meter, period_start, period_end, used, overage_billed)
    values (p_subject, p_meter, p_period_start, p_period_end, p_value,
      case when p_report = 'overage' and p_customer is not null then greatest(0, p_value - p_included) else 0 end)
    on conflict (subject, meter, period_start) do update
      set used = c.used + excluded.used,
          overage_billed = c.overage_billed + case when p_report = 'overage' and p_customer is not null
            then least(excluded.used, greatest(0, c.used + excluded.used - p_included)) else 0 end
      where c.used + excluded.used <= p_cap
    returning c.used into v_used;
  end if;
  if v_used is null then
    v_status := 'refused';
    select c.used into v_used
    from public.usage_counters c
    where c.subject = p_subject and c.meter = p_meter and c.period_start = p_period_start;
    v_used := coalesce(v_used, 0);
  else
    v_status := 'recorded';
  end if;
  update public.usage_records r
  set status = v_status, used = v_used, remaining = greatest(0, p_included - v_used)
  where r.user_id = p_user_id and r.meter = p_meter and r.idempotency_key = p_key;
  -- 3. What Stripe's meter gets, written with the usage.
  if v_status = 'recorded' and p_customer is not null then
    v_units := case p_report
      when 'all' then p_value
      when 'overage' then least(p_value, greatest(0, v_used - p_included))
      else 0
    end;
    -- A pool smaller than what was used and billed (seats removed): settle_team_pool bills that in the sync's
    -- transaction that writes the new quantity, so this finds nothing; it keeps the rule for a row written
    -- any other way (the units past the pool are billed now too).
    if p_report = 'overage' then
      -- The counter's row is this transaction's (locked by the increment above) until it commits.
      select c.used - p_included - c.overage_billed into v_extra
      from public.usage_counters c
      where c.subject = p_subject and c.meter = p_meter and c.period_start = p_period_start;
      v_extra := greatest(0, coalesce(v_extra, 0));
      if v_extra > 0 then
        update public.usage_counters c set overage_billed = c.overage_billed + v_extra
        where c.subject = p_subject and c.meter = p_meter and c.period_start = p_period_start;
      end if;
      v_units := v_units + coalesce(v_extra, 0);
    end if;
    if v_units > 0 then
      insert into public.usage_outbox (stripe_customer_id, meter, value, period_start, period_end)
      values (p_customer, p_meter, v_units, p_period_start, p_period_end);
    end if;
  end if;
  return query select v_status, v_used, greatest(0, p_included - v_used), false;
end
$$;

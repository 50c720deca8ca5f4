-- A Team pool's size on its counter row, so record_usage loses its second look at the counter. Until now
-- (20261206000400) every Team recording re-read its counter after the increment to bill what was past a pool
-- smaller than used − billed: one more statement on the usage hot path, for a case settle_team_pool already
-- settles when the sync writes the smaller seat count. Not quite the same case, though: a recording reads its
-- allowance (the seats) before its statement, so one that read the old seat count and lands after the sync's
-- settle billed at the old pool; the re-read billed the difference only at the next recording (never, if none
-- came), and after seats were added it billed units the larger pool includes
-- (tests/integration/team-usage.test.ts, "lands after the sync's settle"). Now settle_team_pool writes the pool
-- on the team's counter (creating the row) under its row lock, and the increment, which locks and reads that
-- row anyway, bills against the pool on the row: each unit billed once, at the pool the sync last wrote,
-- whenever the recording read its allowance, with no extra statement.
alter table public.usage_counters add column pool bigint check (pool >= 0);
comment on column public.usage_counters.pool is 'A Team pool''s allowance (perSeat × seats) as the sync last wrote it (settle_team_pool): units past it are billed. Null: each recording''s own allowance is the pool (Pro, Free, a Team pool the sync has not written since 20261207000100).';

-- settle_team_pool as in 20261206000400, writing the pool on the counter (made if the period has none yet).
create or replace function public.settle_team_pool(
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
  -- The row lock from here to the commit: a recording waiting on it bills against this pool. (A pool that
  -- has not changed is not rewritten: nothing is past it, as each recording billed its part past it.)
  insert into public.usage_counters as c (subject, meter, period_start, period_end, used, pool)
  values (v_subject, p_meter, p_period_start, p_period_end, 0, p_included)
  on conflict (subject, meter, period_start) do update set pool = excluded.pool
    where c.pool is distinct from excluded.pool
  returning c.used - c.pool - c.overage_billed into v_units;
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

-- record_usage as in 20261206000400 without the second read of the counter: the part of a recording past the
-- pool is billed in the increment, the pool being the row's (the sync's) when it has one, else p_included.
-- With a pool on the row, used − pool ≤ overage_billed holds after settle_team_pool and each increment keeps it,
-- so nothing is left to catch up.
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
  v_pool bigint;
  v_status text;
  v_units integer;
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
  --    above the cap would insert past it, so it is refused without the statement.) The units past the pool
  --    are added to overage_billed in the same statement, under the row lock.
  if p_value <= p_cap then
    insert into public.usage_counters as c (subject, meter, period_start, period_end, used, overage_billed)
    values (p_subject, p_meter, p_period_start, p_period_end, p_value,
      case when p_report = 'overage' and p_customer is not null then greatest(0, p_value - p_included) else 0 end)
    on conflict (subject, meter, period_start) do update
      set used = c.used + excluded.used,
          overage_billed = c.overage_billed + case when p_report = 'overage' and p_customer is not null
            then least(excluded.used, greatest(0, c.used + excluded.used - coalesce(c.pool, p_included))) else 0 end
      where c.used + excluded.used <= p_cap
    returning c.used, coalesce(c.pool, p_included) into v_used, v_pool;
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
  set status = v_status, used = v_used, remaining = greatest(0, coalesce(v_pool, p_included) - v_used)
  where r.user_id = p_user_id and r.meter = p_meter and r.idempotency_key = p_key;
  -- 3. What Stripe's meter gets, written with the usage: the same units as were added to overage_billed.
  if v_status = 'recorded' and p_customer is not null then
    v_units := case p_report
      when 'all' then p_value
      when 'overage' then least(p_value, greatest(0, v_used - v_pool))
      else 0
    end;
    if v_units > 0 then
      insert into public.usage_outbox (stripe_customer_id, meter, value, period_start, period_end)
      values (p_customer, p_meter, v_units, p_period_start, p_period_end);
    end if;
  end if;
  return query select v_status, v_used, greatest(0, coalesce(v_pool, p_included) - v_used), false;
end
$$;

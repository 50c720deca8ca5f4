-- The period the ledger counted a usage row in, kept on its outbox row, so the meter event is timed inside
-- that period (lib/billing/usage/outbox.ts): the app's clock and Stripe's agree in production, but not for a
-- customer on a test clock, or on the Stripe emulator after its clock was advanced, where a wall-clock
-- timestamp lies outside the Stripe period the usage was counted in (and past Stripe's 35-day window once
-- the clock is a month ahead, so the event was refused and retried until dead).
alter table public.usage_outbox add column period_start timestamptz, add column period_end timestamptz;

-- record_usage as in 20261205000200, writing the period with the outbox row.
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
    insert into public.usage_counters as c (subject, meter, period_start, period_end, used)
    values (p_subject, p_meter, p_period_start, p_period_end, p_value)
    on conflict (subject, meter, period_start) do update set used = c.used + excluded.used
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
    if v_units > 0 then
      insert into public.usage_outbox (stripe_customer_id, meter, value, period_start, period_end)
      values (p_customer, p_meter, v_units, p_period_start, p_period_end);
    end if;
  end if;
  return query select v_status, v_used, greatest(0, p_included - v_used), false;
end
$$;
comment on column public.usage_outbox.period_start is 'Start of the ledger period (Stripe''s frame) the usage was counted in; the meter event is timed inside it.';
comment on column public.usage_outbox.period_end is 'End of that ledger period (exclusive).';

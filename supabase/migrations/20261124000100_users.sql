-- Application users: one row per Supabase Auth user, created by a trigger so that every
-- foreign key in public can point at public.users instead of the auth schema.

create table public.users (
  id uuid primary key references auth.users (id) on delete cascade,
  email text,
  created_at timestamptz not null default now()
);

comment on table public.users is 'One row per Supabase Auth user; filled by the on_auth_user_created trigger.';
comment on column public.users.id is 'Same id as auth.users.id (the JWT sub claim).';
comment on column public.users.email is 'Copy of auth.users.email, kept current by the on_auth_user_updated trigger.';
comment on column public.users.created_at is 'When the account was created.';

alter table public.users enable row level security;

create policy "Users read their own row" on public.users
  for select to authenticated using (id = (select auth.uid()));

grant select on public.users to authenticated;

create function public.handle_new_user() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.users (id, email) values (new.id, new.email) on conflict (id) do nothing;
  return new;
end;
$$;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();

create function public.handle_user_email_change() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update public.users set email = new.email where id = new.id;
  return new;
end;
$$;

create trigger on_auth_user_updated
  after update of email on auth.users
  for each row when (old.email is distinct from new.email)
  execute function public.handle_user_email_change();

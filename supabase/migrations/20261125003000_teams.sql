-- Teams: a Team-plan subscription owns a team. The owner invites people by email up to the
-- subscription's seat count (the owner holds one seat); members inherit the owner's entitlements.
-- Users read their team through RLS; every write (invite, accept, remove, leave) goes through the
-- server connection, which checks the seat rule and who may act in one short transaction, so the
-- API roles keep no write privilege (a PostgREST insert could otherwise skip the seat rule).

create table public.teams (
  id uuid primary key default gen_random_uuid(),
  owner_user_id uuid not null unique references public.users (id) on delete cascade,
  created_at timestamptz not null default now()
);

comment on table public.teams is 'One team per owner: the people who share the owner''s Team-plan subscription.';
comment on column public.teams.id is 'Team id.';
comment on column public.teams.owner_user_id is 'The user whose Team subscription pays for the seats; the only one who manages members and billing.';
comment on column public.teams.created_at is 'When the owner first opened the team page with a live Team subscription.';

create table public.team_members (
  team_id uuid not null references public.teams (id) on delete cascade,
  user_id uuid not null unique references public.users (id) on delete cascade,
  role text not null check (role in ('owner', 'member')),
  joined_at timestamptz not null default now(),
  primary key (team_id, user_id)
);

create index team_members_team_idx on public.team_members (team_id);

comment on table public.team_members is 'Who is on each team, the owner included; a user is on at most one team.';
comment on column public.team_members.team_id is 'The team.';
comment on column public.team_members.user_id is 'The member (unique: one team per user).';
comment on column public.team_members.role is 'owner (exactly one per team, the teams.owner_user_id) or member.';
comment on column public.team_members.joined_at is 'When the member accepted the invite (the owner: when the team was made).';

create table public.team_invites (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references public.teams (id) on delete cascade,
  email text not null check (email = lower(email)),
  token_hash text not null unique,
  invited_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references public.users (id) on delete set null,
  revoked_at timestamptz
);

-- One open invite per address per team (a second invite re-sends the first).
create unique index team_invites_open_idx on public.team_invites (team_id, email) where accepted_at is null and revoked_at is null;

comment on table public.team_invites is 'Invitations by email; an open one (not accepted, revoked or expired) holds a seat.';
comment on column public.team_invites.id is 'Invite id.';
comment on column public.team_invites.team_id is 'The team the invite is for.';
comment on column public.team_invites.email is 'The invited address, lower-cased; only a user signed in with it may accept.';
comment on column public.team_invites.token_hash is 'SHA-256 (hex) of the secret in the invite link; the secret itself is never stored.';
comment on column public.team_invites.invited_by is 'The owner who sent it.';
comment on column public.team_invites.created_at is 'When it was (last) sent.';
comment on column public.team_invites.expires_at is 'After this the link is refused and the seat is free again.';
comment on column public.team_invites.accepted_at is 'When it was accepted (then it is closed).';
comment on column public.team_invites.accepted_by is 'Who accepted it.';
comment on column public.team_invites.revoked_at is 'When the owner withdrew it, or it was replaced by a fresh one.';

alter table public.teams enable row level security;
alter table public.team_members enable row level security;
alter table public.team_invites enable row level security;

revoke all on public.teams, public.team_members, public.team_invites from anon, authenticated;

-- Policies that ask "am I on this team?" of team_members itself would recurse: a security definer
-- function answers it with the owner's privileges (and a fixed search_path).
create function public.is_team_member(team uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.team_members m where m.team_id = team and m.user_id = (select auth.uid())) $$;

comment on function public.is_team_member(uuid) is 'Whether the signed-in user (auth.uid()) is on the team; for RLS policies.';

revoke all on function public.is_team_member(uuid) from public, anon;
grant execute on function public.is_team_member(uuid) to authenticated;

create policy "Members read their team" on public.teams
  for select to authenticated using (public.is_team_member(id));

create policy "Members read who is on their team" on public.team_members
  for select to authenticated using (public.is_team_member(team_id));

create policy "Owners read their team's invites" on public.team_invites
  for select to authenticated using (exists (select 1 from public.teams t where t.id = team_id and t.owner_user_id = (select auth.uid())));

grant select on public.teams, public.team_members, public.team_invites to authenticated;

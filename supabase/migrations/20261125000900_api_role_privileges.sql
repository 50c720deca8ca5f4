-- Privileges of Supabase's API roles. A Supabase project grants anon and authenticated ALL on every
-- table created in public (default privileges), which leaves RLS as the only barrier, and RLS does
-- not apply to TRUNCATE, REFERENCES or TRIGGER. Users only ever read through RLS here; every write
-- goes through the server connection. So: revoke everything from every table so far, then grant
-- back the reads the policies are written for. A table added by a later migration must revoke
-- its own (tests/integration/rls.test.ts fails until it does).

revoke all on all tables in schema public from anon, authenticated;
revoke all on all sequences in schema public from anon, authenticated;

grant select on public.users to authenticated;
grant select on public.subscription_plans to anon, authenticated;
grant select on public.user_subscriptions to authenticated;
-- active_entitlements (migration 20261125000400) sorts before this file, so its own grant is revoked
-- above on a fresh database: grant it back here (RLS keeps users to their own rows).
grant select on public.active_entitlements to authenticated;

-- active_entitlements (20261125000400) sorts before the API-role revoke (20261125000900), which took
-- its grant away on a fresh database: users may read their own rows again (RLS keeps them to those).
grant select on public.active_entitlements to authenticated;

// Grants (or revokes) the admin role: app_metadata.role through Supabase's Auth admin API with the
// service_role key, as the Dashboard does. The user's next token (sign in again, or the hourly
// refresh) carries it. Recorded in the audit log. Used by `npm run admin:grant <email>`.
import "server-only"
import { createClient } from "@supabase/supabase-js"
import { z } from "zod"
import { audit } from "@/lib/billing/admin/audit"
import { env } from "@/lib/env"

export type GrantResult = { ok: true; userId: string } | { ok: false; message: string }

export async function grantAdmin(rawEmail: unknown, { revoke = false } = {}): Promise<GrantResult> {
  const parsed = z.email().safeParse(typeof rawEmail === "string" ? rawEmail.trim().toLowerCase() : rawEmail)
  if (!parsed.success) return { ok: false, message: "usage: npm run admin:grant <email> (not an email address)" }
  const email = parsed.data
  if (!env.supabaseServiceRoleKey)
    return {
      ok: false,
      message:
        "SUPABASE_SECRET_KEY is not set (Supabase Dashboard → Project Settings → API Keys → a secret key; or the legacy service_role key as SUPABASE_SERVICE_ROLE_KEY)",
    }
  const admin = createClient(env.supabaseUrl, env.supabaseServiceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  }).auth.admin
  let userId: string | undefined
  for (let page = 1; !userId; page++) {
    const { data, error } = await admin.listUsers({ page, perPage: 1000 })
    if (error) return { ok: false, message: `Auth admin API: ${error.message}` }
    userId = data.users.find((u) => u.email?.toLowerCase() === email)?.id
    if (data.users.length < 1000) break
  }
  if (!userId) return { ok: false, message: `no user with the email ${email} (they must sign up first)` }
  const { error } = await admin.updateUserById(userId, { app_metadata: { role: revoke ? null : "admin" } })
  if (error) return { ok: false, message: `Auth admin API: ${error.message}` }
  await audit({ id: null, email: "cli" }, "admin.grant", email, { role: revoke ? null : "admin" })
  return { ok: true, userId }
}

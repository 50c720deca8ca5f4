// The dev stack's one admin, so the operator console (/admin) can be opened straight after `npm run dev`:
// created through the Auth emulator's admin API (the service_role key, as `npm run admin:grant` uses)
// with app_metadata.role = "admin". Idempotent: an existing account keeps its password and gets the role.
// Offline dev only; a real project grants the role with `npm run admin:grant <email>`.
import { createClient } from "@supabase/supabase-js"

export const DEV_ADMIN = { email: "admin@subkit.local", password: "subkit-admin-dev" } as const

export async function seedDevAdmin(supabaseUrl: string, serviceRoleKey: string, admin: { email: string; password: string } = DEV_ADMIN) {
  const api = createClient(supabaseUrl, serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } }).auth.admin
  const created = await api.createUser({ ...admin, email_confirm: true, app_metadata: { role: "admin" } })
  if (!created.error) return { created: true, userId: created.data.user.id }
  if (created.error.code !== "email_exists") throw new Error(`seeding the dev admin: ${created.error.message}`)
  for (let page = 1; ; page++) {
    const { data, error } = await api.listUsers({ page, perPage: 1000 })
    if (error) throw new Error(`seeding the dev admin: ${error.message}`)
    const user = data.users.find((u) => u.email === admin.email)
    if (user) {
      if (user.app_metadata?.role !== "admin") {
        const { error: e } = await api.updateUserById(user.id, { app_metadata: { role: "admin" } })
        if (e) throw new Error(`seeding the dev admin: ${e.message}`)
      }
      return { created: false, userId: user.id }
    }
    if (data.users.length < 1000) throw new Error("seeding the dev admin: the address exists but was not listed")
  }
}

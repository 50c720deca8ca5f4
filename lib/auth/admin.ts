// The operator console's gate. The admin role is Supabase's app_metadata.role = "admin", carried in
// the signed access token (users cannot write app_metadata; only the service_role admin API can, as
// `npm run admin:grant` does). Every admin page and action calls requireAdmin() on the server; to
// anyone else, signed in or not, the console does not exist (a 404, not a redirect to log in).
import "server-only"
import { notFound } from "next/navigation"
import { getCurrentUser, type CurrentUser } from "./current-user"

export type Admin = CurrentUser & { isAdmin: true }

export async function requireAdmin(): Promise<Admin> {
  const user = await getCurrentUser()
  if (!user?.isAdmin) notFound()
  return user as Admin
}

// The signed-in user for this request (validated with the auth server once per request).
import "server-only"
import { redirect } from "next/navigation"
import { headers } from "next/headers"
import { cache } from "react"
import { createClient } from "@/lib/supabase/server"
import { PATH_HEADER } from "@/lib/supabase/proxy"
import { safeNext } from "./safe-next"

export type CurrentUser = { id: string; email: string | null }

export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const supabase = await createClient()
  const { data, error } = await supabase.auth.getUser()
  if (error || !data.user) return null
  return { id: data.user.id, email: data.user.email ?? null }
})

/** For signed-in pages: the user, or a redirect to log in and come back here. */
export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser()
  if (user) return user
  const path = safeNext((await headers()).get(PATH_HEADER))
  redirect(`/auth/login?next=${encodeURIComponent(path)}`)
}

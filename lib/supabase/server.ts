// Supabase client for Server Components, Server Actions and Route Handlers (cookie-based session).
import "server-only"
import { createServerClient } from "@supabase/ssr"
import { cookies } from "next/headers"
import WebSocket from "ws"
import { env } from "@/lib/env"
import { authCookieOptions } from "./cookie-options"

export async function createClient() {
  const cookieStore = await cookies()
  return createServerClient(env.supabaseUrl, env.supabaseAnonKey, {
    cookies: {
      getAll: () => cookieStore.getAll(),
      setAll(cookiesToSet) {
        try {
          for (const { name, value, options } of cookiesToSet) cookieStore.set(name, value, options)
        } catch {
          // Server Components cannot set cookies; proxy.ts refreshes the session instead.
        }
      },
    },
    cookieOptions: authCookieOptions(),
    // Node 20 has no global WebSocket; realtime is unused but supabase-js builds its client eagerly.
    realtime: { transport: WebSocket as never },
  })
}

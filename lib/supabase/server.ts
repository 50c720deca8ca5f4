// Supabase client for Server Components, Server Actions and Route Handlers (cookie-based session).
import "server-only"
import { createServerClient } from "@supabase/ssr"
import { cookies, headers } from "next/headers"
import WebSocket from "ws"
import { authForwardHeaders, clientIpOf } from "@/lib/auth/client-ip"
import { env } from "@/lib/env"
import { authCookieOptions } from "./cookie-options"

export async function createClient() {
  const cookieStore = await cookies()
  // Auth counts this request against the client's IP, not this server's (lib/auth/client-ip.ts).
  const forwardFor = authForwardHeaders(clientIpOf(await headers()))
  return createServerClient(env.supabaseUrl, env.supabaseAnonKey, {
    global: { headers: forwardFor },
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

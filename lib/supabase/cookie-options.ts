// The attributes of Supabase's session cookies. No browser code reads them (there is no browser
// Supabase client; every auth call runs on the server), so scripts are denied them (HttpOnly);
// Secure in production; Lax so a link from an email or Stripe's hosted pages still arrives signed in.
import type { CookieOptionsWithName } from "@supabase/ssr"
import { env } from "@/lib/env"

export function authCookieOptions(nodeEnv: string = env.nodeEnv): CookieOptionsWithName {
  return { path: "/", sameSite: "lax", httpOnly: true, secure: nodeEnv === "production" }
}

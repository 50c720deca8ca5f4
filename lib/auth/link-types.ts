// The email-link types /auth/confirm accepts (Supabase's EmailOtpType).
import type { EmailOtpType } from "@supabase/supabase-js"

export const LINK_TYPES = ["signup", "invite", "magiclink", "recovery", "email_change", "email"] as const satisfies EmailOtpType[]

"use server"
// The account page's billing-email switches (only the optional emails; payment emails always go).
import { redirect } from "next/navigation"
import { getCurrentUser } from "@/lib/auth/current-user"
import { preferencesForm, setEmailPreferences } from "@/lib/billing/email/preferences"

export async function saveEmailPreferences(form: FormData): Promise<void> {
  const user = await getCurrentUser()
  if (!user) redirect("/auth/login?next=/account")
  const parsed = preferencesForm.safeParse({
    trial_ending: form.get("trial_ending") ?? undefined,
    seats_changed: form.get("seats_changed") ?? undefined,
  })
  if (!parsed.success) redirect("/account?updated=email_prefs_invalid")
  await setEmailPreferences(user.id, {
    trial_ending: parsed.data.trial_ending === "on",
    seats_changed: parsed.data.seats_changed === "on",
  })
  redirect("/account?updated=email_prefs")
}

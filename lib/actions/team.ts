"use server"
// The team page's actions: invites, members, seats (owner) and leaving (member); accepting an invite.
// Each checks who is signed in; the rules (who may act, seats) live in lib/billing/team.
import { revalidatePath } from "next/cache"
import { redirect } from "next/navigation"
import { z } from "zod"
import { getCurrentUser, getFreshUser } from "@/lib/auth/current-user"
import { confirmSeats, previewSeats } from "@/lib/billing/team/change-seats"
import { acceptInvite, checkLinkSession, inviteMember, revokeInvite } from "@/lib/billing/team/invites"
import { leaveTeam, removeMember } from "@/lib/billing/team/members"
import type { SeatPreview } from "@/lib/billing/types"
import { fail, type ActionResult } from "@/lib/result"
import { createClient } from "@/lib/supabase/server"

const signedOut = () => fail("unauthenticated", "Your session has ended. Please log in again.")

/** Runs `fn` for the signed-in user and refreshes the team page after a change. */
async function asSignedIn<T extends object>(
  fn: (user: NonNullable<Awaited<ReturnType<typeof getCurrentUser>>>) => Promise<ActionResult<T>>,
) {
  const user = await getCurrentUser()
  if (!user) return signedOut()
  const result = await fn(user)
  if (result.ok) revalidatePath("/team")
  return result
}

export type InviteState = ActionResult<{ email: string }> | null
export async function inviteTeamMember(_prev: InviteState, formData: FormData): Promise<InviteState> {
  return asSignedIn((user) => inviteMember(user, formData.get("email")))
}

export async function revokeTeamInvite(inviteId: string): Promise<ActionResult> {
  return asSignedIn((user) => revokeInvite(user, inviteId))
}

export async function removeTeamMember(memberId: string): Promise<ActionResult> {
  return asSignedIn((user) => removeMember(user, memberId))
}

export async function leaveCurrentTeam(): Promise<ActionResult> {
  return asSignedIn((user) => leaveTeam(user))
}

export async function previewTeamSeats(quantity: number): Promise<ActionResult<{ preview: SeatPreview }>> {
  const user = await getCurrentUser()
  if (!user) return signedOut()
  return previewSeats(user, quantity)
}

/** The preview the owner is confirming: what it changes, as of when, from how many seats, for how much. */
export async function confirmTeamSeats(
  input: Pick<SeatPreview, "quantity" | "itemId" | "prorationDate" | "currentQuantity" | "amountDue">,
): Promise<ActionResult> {
  return asSignedIn((user) => confirmSeats(user, input))
}

export async function acceptTeamInvite(token: string): Promise<ActionResult> {
  // Asked of Auth, not read from the session's token: its email claim is up to an hour old after an
  // address change, and the invite is for whoever has the address now.
  const user = await getFreshUser()
  if (!user) return signedOut()
  const result = await acceptInvite(user, token)
  if (!result.ok) return result
  redirect("/team?joined=1")
}

const linkSession = z.object({
  token: z.string().max(512),
  access_token: z.string().min(20).max(8192),
  refresh_token: z.string().min(1).max(512),
})

/**
 * An invite link signs the invitee in with the implicit flow: the tokens arrive in the URL fragment,
 * which only the browser sees. The invite page hands them here, with the invite's token, to become the
 * usual session cookies (HttpOnly; no Supabase client runs in the browser). Anyone can put tokens in a
 * link, so they are adopted only for that open invite's own address and never over another signed-in
 * user (checkLinkSession).
 */
export async function adoptLinkSession(input: { token: string; access_token: string; refresh_token: string }): Promise<ActionResult> {
  const parsed = linkSession.safeParse(input)
  if (!parsed.success) return fail("invalid_link", "This sign-in link is not valid. Ask the team owner for a new invite.")
  const checked = await checkLinkSession(parsed.data.token, parsed.data.access_token, await getCurrentUser())
  if (!checked.ok) return checked
  if (!checked.replace) return { ok: true }
  const supabase = await createClient()
  const { error } = await supabase.auth.setSession({ access_token: parsed.data.access_token, refresh_token: parsed.data.refresh_token })
  if (error) return fail("invalid_link", "This sign-in link has expired. Ask the team owner for a new invite, or log in.")
  return { ok: true }
}

"use server"
// The team page's actions: invites, members, seats (owner) and leaving (member); accepting an invite.
// Each checks who is signed in; the rules (who may act, seats) live in lib/billing/team.
import { revalidatePath } from "next/cache"
import { redirect } from "next/navigation"
import { after } from "next/server"
import { z } from "zod"
import { requestIp } from "@/lib/auth/auth-limits"
import { getCurrentUser, getFreshUser } from "@/lib/auth/current-user"
import { flushEmailOutbox } from "@/lib/billing/email/outbox"
import { confirmSeats, previewSeats } from "@/lib/billing/team/change-seats"
import { acceptInvite, inviteMember, inviteSignIn, revokeInvite } from "@/lib/billing/team/invites"
import { leaveTeam, removeMember } from "@/lib/billing/team/members"
import type { SeatPreview } from "@/lib/billing/types"
import { fail, type ActionResult } from "@/lib/result"
import { log } from "@/lib/log"
import { createClient } from "@/lib/supabase/server"
import { sessionForInvitedAddress } from "@/lib/supabase/invite-session"

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
  const result = await asSignedIn((user) => inviteMember(user, formData.get("email")))
  // The invite email is in the outbox; it goes after the response (as the webhook drain's emails do)
  // rather than at the next cron. A failure stays queued for the cron's sender.
  if (result.ok)
    after(() => flushEmailOutbox().catch((err: unknown) => log.warn("invite email flush failed; the cron will send it", { error: err })))
  return result
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

/**
 * Join on /invite (a POST): for a signed-out visitor holding an open invite's link, signs the browser in
 * as the invited address (an account is made if the address has none) and accepts the invite; for
 * someone signed in with that address, only accepts. Never over another signed-in user (inviteSignIn).
 */
export async function joinTeamWithLink(rawToken: unknown): Promise<ActionResult> {
  const token = z.string().max(512).safeParse(rawToken)
  if (!token.success) return fail("invalid_link", "This invite link is not valid. Ask the team owner for a new invite.")
  const decided = await inviteSignIn(token.data, await getCurrentUser())
  if (!decided.ok) return decided
  if (decided.signIn) {
    const session = await sessionForInvitedAddress(decided.email, await requestIp())
    if (!session.ok || session.email?.toLowerCase() !== decided.email) {
      log.warn("invite sign-in failed", {
        unavailable: session.ok ? false : session.unavailable,
        error: session.ok ? "other address" : session.message,
      })
      return fail("auth_unavailable", "We couldn't sign you in just now. Please try again, or log in and open the link again.")
    }
    const supabase = await createClient()
    const { error } = await supabase.auth.setSession({ access_token: session.accessToken, refresh_token: session.refreshToken })
    if (error) return fail("auth_unavailable", "We couldn't sign you in just now. Please try again, or log in and open the link again.")
    // The user Auth just verified the address of (this request's cookies were read before they were set).
    const joined = await acceptInvite({ id: session.userId, email: session.email }, token.data)
    if (!joined.ok) return joined
    redirect("/team?joined=1")
  }
  return acceptTeamInvite(token.data)
}

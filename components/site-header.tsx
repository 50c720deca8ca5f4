// Site header: navigation and sign-in state.
import { CreditCard, LogOut, UserRound } from "@/components/ui/icons"
import Link from "next/link"
import { Button } from "@/components/ui/button"
import { signOut } from "@/lib/actions/auth"
import { getCurrentUser } from "@/lib/auth/current-user"

export async function SiteHeader() {
  const user = await getCurrentUser()
  return (
    <header className="border-b bg-background">
      <nav aria-label="Main" className="mx-auto flex max-w-5xl items-center justify-between gap-4 px-4 py-3">
        <Link href="/" className="flex items-center gap-2 font-semibold">
          <CreditCard className="size-5 text-primary" aria-hidden="true" /> subkit
        </Link>
        <div className="flex items-center gap-1 text-sm">
          <Button asChild variant="ghost" size="sm">
            <Link href="/pricing">Pricing</Link>
          </Button>
          {user ? (
            <>
              <Button asChild variant="ghost" size="sm">
                <Link href="/dashboard">Dashboard</Link>
              </Button>
              <Button asChild variant="ghost" size="sm">
                <Link href="/subscription">Subscription</Link>
              </Button>
              <Button asChild variant="ghost" size="sm">
                <Link href="/team">Team</Link>
              </Button>
              <Button asChild variant="ghost" size="sm">
                <Link href="/account" data-testid="signed-in-as">
                  <UserRound aria-hidden="true" />
                  <span className="hidden md:inline">{user.email}</span>
                  <span className="md:hidden">Account</span>
                </Link>
              </Button>
              <form action={signOut}>
                <Button type="submit" variant="outline" size="sm">
                  <LogOut aria-hidden="true" /> Sign out
                </Button>
              </form>
            </>
          ) : (
            <>
              <Button asChild variant="ghost" size="sm">
                <Link href="/auth/login">Log in</Link>
              </Button>
              <Button asChild size="sm">
                <Link href="/auth/signup">Sign up</Link>
              </Button>
            </>
          )}
        </div>
      </nav>
    </header>
  )
}

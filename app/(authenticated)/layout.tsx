// Signed-in area: visitors without a session go to /auth/login?next=<this path>.
import type { ReactNode } from "react"
import { requireUser } from "@/lib/auth/current-user"

export default async function AuthenticatedLayout({ children }: { children: ReactNode }) {
  await requireUser()
  return children
}

// Placeholder while the manage page loads.
import { Skeleton } from "@/components/ui/skeleton"

export function ManageSkeleton() {
  return (
    <div className="space-y-6" role="status" aria-live="polite">
      <span className="sr-only">Loading your subscription…</span>
      <Skeleton className="h-24" />
      <Skeleton className="h-64" />
    </div>
  )
}

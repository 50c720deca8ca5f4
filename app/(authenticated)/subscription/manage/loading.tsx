// Loading state for the manage page.
import { ManageSkeleton } from "@/components/subscription/manage-skeleton"
import { Skeleton } from "@/components/ui/skeleton"

export default function Loading() {
  return (
    <div className="mx-auto max-w-4xl space-y-8">
      <Skeleton className="h-12 w-96 max-w-full" />
      <ManageSkeleton />
    </div>
  )
}

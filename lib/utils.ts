// Class names joined, falsy parts skipped (what clsx does for strings). No Tailwind conflict merging:
// tailwind-merge was ~22 kB of every interactive page's client JavaScript for two call sites that
// overrode a primitive's class. A className given to a components/ui primitive must not fight the
// primitive's own classes (same utility, another value): tests/unit/ui-class-conflicts.test.ts checks
// every one in app/ and components/ against tailwind-merge.
export type ClassValue = string | false | null | undefined

export function cx(...classes: ClassValue[]): string {
  return classes.filter(Boolean).join(" ")
}

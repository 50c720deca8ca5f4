// The operator console's sections.
import Link from "next/link"

const SECTIONS = [
  ["/admin/events", "Events"],
  ["/admin/customers", "Customers"],
  ["/admin/reconciliation", "Reconciliation"],
  ["/admin/metrics", "Metrics"],
] as const

export function AdminNav({ current }: { current: (typeof SECTIONS)[number][0] }) {
  return (
    <nav aria-label="Operator console" className="flex gap-4 text-sm">
      {SECTIONS.map(([href, label]) => (
        <Link
          key={href}
          href={href}
          aria-current={href === current ? "page" : undefined}
          className={href === current ? "font-semibold" : "underline"}
        >
          {label}
        </Link>
      ))}
    </nav>
  )
}

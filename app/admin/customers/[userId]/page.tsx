// /admin/customers/<user id>: one customer, everything the database holds about them, and "Sync now".
import type { Metadata } from "next"
import { notFound } from "next/navigation"
import { AdminNav } from "@/components/admin/admin-nav"
import { CustomerDetailView } from "@/components/admin/customer-views"
import { requireAdmin } from "@/lib/auth/admin"
import { getCustomerDetail } from "@/lib/billing/admin/customers"

export const metadata: Metadata = { title: "Admin · Customer", robots: { index: false } }

export default async function AdminCustomerPage({ params }: { params: Promise<{ userId: string }> }) {
  await requireAdmin()
  const detail = await getCustomerDetail((await params).userId)
  if (!detail) notFound()
  return (
    <div className="space-y-6">
      <AdminNav current="/admin/customers" />
      <h1 className="text-3xl font-bold">{detail.email ?? detail.userId}</h1>
      <CustomerDetailView c={detail} />
    </div>
  )
}

// /admin/customers: find a customer by email or Stripe customer id (admins only; a 404 to anyone else).
import type { Metadata } from "next"
import { AdminNav } from "@/components/admin/admin-nav"
import { CustomerHits, CustomerSearchForm } from "@/components/admin/customer-views"
import { requireAdmin } from "@/lib/auth/admin"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { customerSearchShape, searchCustomers } from "@/lib/billing/admin/customers"

export const metadata: Metadata = { title: "Admin · Customers", robots: { index: false } }

export default async function AdminCustomersPage({ searchParams }: { searchParams: Promise<PageSearchParams> }) {
  await requireAdmin()
  const { q } = parseSearchParams(await searchParams, customerSearchShape)
  const hits = q ? await searchCustomers(q) : null
  return (
    <div className="space-y-6">
      <AdminNav current="/admin/customers" />
      <h1 className="text-3xl font-bold">Customers</h1>
      <CustomerSearchForm q={q} />
      {hits && <CustomerHits hits={hits} />}
    </div>
  )
}

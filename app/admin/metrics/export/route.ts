// The metrics as CSV (admins only, audited): lib/billing/admin/metrics-export.ts.
import { exportMetrics } from "@/lib/billing/admin/metrics-export"

export const runtime = "nodejs"
export const dynamic = "force-dynamic"

export const GET = () => exportMetrics()

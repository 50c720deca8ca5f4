// /admin/customers: find a customer by email or Stripe customer id, and everything the database holds
// about one of them (subscription rows, entitlements, team, usage, recent events) with a link to the
// Stripe Dashboard. Every query runs on an index (the benchmark EXPLAINs them: npm run bench:admin).
import "server-only"
import { sql } from "drizzle-orm"
import { z } from "zod"
import { parseSearchParams, type PageSearchParams } from "@/lib/auth/search-params"
import { db } from "@/lib/db/client"
import { env } from "@/lib/env"
import { USAGE_METERS, type MeterKey } from "../catalog"
import { getUsage, type UsageView } from "../usage/ledger"

/** The search form's fields, for parseSearchParams. */
export const customerSearchShape = {
  q: z.string().trim().min(2).max(200).optional(),
}
export type CustomerSearch = { q?: string }
export const parseCustomerSearch = (params: PageSearchParams): CustomerSearch => parseSearchParams(params, customerSearchShape)

export type CustomerHit = { userId: string; email: string | null; stripeCustomerId: string | null; status: string | null }

/** LIKE's wildcards in what an operator typed are matched literally. */
const likePrefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * A `cus_…` query is a prefix of the Stripe customer id; anything else a prefix of the account's email or
 * the Stripe customer's email (case-insensitive). Each branch is an index range scan
 * (text_pattern_ops indexes, migration 20261204000700); at most `limit` hits. The hits' email, customer
 * and status are looked up one key each (by primary key, at most 2 × `limit` of them), never joined by
 * hashing whole tables: a common prefix ("barbar", 800 accounts) made the planner scan users and
 * billing_customers (bench:admin at 10,000 customers).
 */
export async function searchCustomers(q: string, limit = 50): Promise<CustomerHit[]> {
  const pattern = likePrefix(q.toLowerCase())
  const byId = /^cus_/i.test(q)
  const { rows } = await db.execute<{ user_id: string; email: string | null; stripe_customer_id: string | null; status: string | null }>(
    byId
      ? sql`select b.user_id, u.email, b.stripe_customer_id,
              (select s.status from public.user_subscriptions s where s.user_id = b.user_id order by s.stripe_created_at desc limit 1) status
            from public.billing_customers b join public.users u on u.id = b.user_id
            where b.stripe_customer_id like ${likePrefix(q)} order by b.stripe_customer_id limit ${limit}`
      : sql`with hits as (
              (select id user_id from public.users where lower(email) like ${pattern} order by lower(email) limit ${limit})
              union
              (select user_id from public.billing_customers where lower(email) like ${pattern} order by lower(email) limit ${limit}))
            select h.user_id, (select u.email from public.users u where u.id = h.user_id) email,
              (select b.stripe_customer_id from public.billing_customers b where b.user_id = h.user_id) stripe_customer_id,
              (select s.status from public.user_subscriptions s where s.user_id = h.user_id order by s.stripe_created_at desc limit 1) status
            from hits h order by email limit ${limit}`,
  )
  return rows.map((r) => ({ userId: r.user_id, email: r.email, stripeCustomerId: r.stripe_customer_id, status: r.status }))
}

export type CustomerDetail = {
  userId: string
  email: string | null
  createdAt: Date
  customer: {
    stripeCustomerId: string
    email: string | null
    name: string | null
    deletedAt: Date | null
    syncedAt: Date | null
    dashboardUrl: string
  } | null
  subscriptions: {
    id: string
    planId: string | null
    status: string
    interval: string | null
    quantity: number
    unitAmount: number | null
    currency: string | null
    currentPeriodEnd: Date | null
    cancelAtPeriodEnd: boolean
    discountLabel: string | null
    updatedAt: Date
  }[]
  entitlements: { lookupKey: string; syncedAt: Date }[]
  team: {
    teamId: string
    role: string
    ownerEmail: string | null
    members: { userId: string; email: string | null; role: string }[]
  } | null
  usage: UsageView[]
  invoices: { id: string; number: string | null; status: string; total: number; currency: string; created: Date; url: string | null }[]
  events: { id: string; type: string; receivedAt: Date; outcome: string | null; state: string }[]
}

/** The Stripe Dashboard's page for a customer, in test or live mode as the secret key is. */
export function stripeDashboardUrl(customerId: string, secretKey: string = env.stripeSecretKey): string {
  const live = /^(sk|rk)_live_/.test(secretKey)
  return `https://dashboard.stripe.com/${live ? "" : "test/"}customers/${encodeURIComponent(customerId)}`
}

const uuid = z.uuid()

export async function getCustomerDetail(rawUserId: unknown, now = new Date()): Promise<CustomerDetail | null> {
  const parsed = uuid.safeParse(rawUserId)
  if (!parsed.success) return null
  const userId = parsed.data
  const { rows } = await db.execute<{
    user: { id: string; email: string | null; created_at: string } | null
    customer: {
      stripe_customer_id: string
      email: string | null
      name: string | null
      stripe_customer_deleted_at: string | null
      synced_at: string | null
    } | null
    subscriptions: Record<string, unknown>[]
    entitlements: { lookup_key: string; synced_at: string }[]
    team: {
      team_id: string
      role: string
      owner_email: string | null
      members: { user_id: string; email: string | null; role: string }[]
    } | null
  }>(sql`
    select
      (select to_json(u) from (select id, email, created_at from public.users where id = ${userId}) u) as user,
      (select to_json(c) from (select b.stripe_customer_id, b.email, b.name, b.stripe_customer_deleted_at, s.synced_at
         from public.billing_customers b left join public.customer_syncs s using (stripe_customer_id) where b.user_id = ${userId}) c) as customer,
      coalesce((select json_agg(s order by s.stripe_created_at desc) from (select stripe_subscription_id, plan_id, status, interval, quantity,
         unit_amount, currency, current_period_end, cancel_at_period_end, discount_label, updated_at, stripe_created_at
         from public.user_subscriptions where user_id = ${userId}) s), '[]') as subscriptions,
      coalesce((select json_agg(e order by e.lookup_key) from (select lookup_key, synced_at from public.active_entitlements where user_id = ${userId}) e), '[]') as entitlements,
      (select to_json(t) from (select m.team_id, m.role, (select email from public.users where id = tm.owner_user_id) owner_email,
         (select json_agg(json_build_object('user_id', x.user_id, 'email', xu.email, 'role', x.role) order by x.joined_at)
            from public.team_members x join public.users xu on xu.id = x.user_id where x.team_id = m.team_id) members
         from public.team_members m join public.teams tm on tm.id = m.team_id where m.user_id = ${userId}) t) as team`)
  const r = rows[0]
  if (!r?.user) return null
  const customerId = r.customer?.stripe_customer_id ?? null
  const [usage, events, invoices] = await Promise.all([
    Promise.all((Object.keys(USAGE_METERS) as MeterKey[]).map((m) => getUsage(userId, m, now))),
    customerId ? recentEvents(customerId) : Promise.resolve([]),
    customerId ? recentInvoices(customerId) : Promise.resolve([]),
  ])
  const date = (v: string | null) => (v ? new Date(v) : null)
  return {
    userId,
    email: r.user.email,
    createdAt: new Date(r.user.created_at),
    customer: r.customer && {
      stripeCustomerId: r.customer.stripe_customer_id,
      email: r.customer.email,
      name: r.customer.name,
      deletedAt: date(r.customer.stripe_customer_deleted_at),
      syncedAt: date(r.customer.synced_at),
      dashboardUrl: stripeDashboardUrl(r.customer.stripe_customer_id),
    },
    subscriptions: r.subscriptions.map((s) => ({
      id: String(s.stripe_subscription_id),
      planId: (s.plan_id as string | null) ?? null,
      status: String(s.status),
      interval: (s.interval as string | null) ?? null,
      quantity: Number(s.quantity),
      unitAmount: (s.unit_amount as number | null) ?? null,
      currency: (s.currency as string | null) ?? null,
      currentPeriodEnd: date(s.current_period_end as string | null),
      cancelAtPeriodEnd: s.cancel_at_period_end === true,
      discountLabel: (s.discount_label as string | null) ?? null,
      updatedAt: new Date(String(s.updated_at)),
    })),
    entitlements: r.entitlements.map((e) => ({ lookupKey: e.lookup_key, syncedAt: new Date(e.synced_at) })),
    team: r.team && {
      teamId: r.team.team_id,
      role: r.team.role,
      ownerEmail: r.team.owner_email,
      members: (r.team.members ?? []).map((m) => ({ userId: m.user_id, email: m.email, role: m.role })),
    },
    usage,
    invoices,
    events,
  }
}

/** The customer's 20 newest invoices as the drain last read them (index invoices_customer_created). */
export async function recentInvoices(customerId: string, limit = 20) {
  const { rows } = await db.execute<{
    id: string
    number: string | null
    status: string
    total: string
    currency: string
    created: string
    hosted_invoice_url: string | null
  }>(sql`select id, number, status, total, currency, created, hosted_invoice_url from public.invoices
    where stripe_customer_id = ${customerId} order by created desc, id desc limit ${limit}`)
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    status: r.status,
    total: Number(r.total),
    currency: r.currency,
    created: new Date(r.created),
    url: r.hosted_invoice_url,
  }))
}

/** The customer's 20 newest events (index subscription_events_customer_received_idx). */
export async function recentEvents(customerId: string, limit = 20) {
  const { rows } = await db.execute<{
    id: string
    type: string
    received_at: string
    outcome: string | null
    processed_at: string | null
    dead_at: string | null
    attempts: number
  }>(sql`
    select stripe_event_id id, type, received_at, outcome, processed_at, dead_at, attempts from public.subscription_events
    where customer_id = ${customerId} order by received_at desc limit ${limit}`)
  return rows.map((e) => ({
    id: e.id,
    type: e.type,
    receivedAt: new Date(e.received_at),
    outcome: e.outcome,
    state: e.processed_at ? "processed" : e.dead_at ? "dead" : e.attempts > 0 ? "retrying" : "pending",
  }))
}

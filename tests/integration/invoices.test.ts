// Invoices in the app (issue 20, item 4): the drain keeps public.invoices from invoice.* events (the
// invoices re-read from Stripe, as the subscriptions are), the history pages newest first by keyset
// without repeating or skipping a row, and the emulator's invoice_pdf link serves a PDF.
import { afterAll, describe, expect, it } from "vitest"
import type Stripe from "stripe"
import { decodeCursor, listInvoices, payable } from "@/lib/billing/invoices/store"
import { applyCustomer } from "@/lib/billing/sync/apply"
import { receiveStripeWebhook } from "@/lib/billing/sync/ingest"
import { pool } from "@/lib/db/client"
import { stripe as appStripe } from "@/lib/stripe/config"
import { deliverCustomerEvents } from "../support/deliver"
import { advanceTestClock, createUser, customerOnTestClock, eventsFor, signedRequest, sql } from "../support/helpers"

afterAll(() => pool.end())

describe("invoices kept by the drain", () => {
  it("stores the first and the failed renewal invoice as Stripe has them; the open one is payable on its hosted page", async () => {
    const user = await createUser()
    const { stripe, clock, customer } = await customerOnTestClock(user)
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0]?.id ?? ""
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliverCustomerEvents(customer.id)
    const first = await listInvoices(user.id)
    expect(first.invoices).toHaveLength(1)
    const [paid] = first.invoices
    const stripePaid = (await stripe.invoices.list({ customer: customer.id })).data[0]
    expect(paid).toMatchObject({
      id: stripePaid?.id,
      number: stripePaid?.number,
      status: "paid",
      total: stripePaid?.total,
      amountPaid: stripePaid?.amount_paid,
      currency: "usd",
      hostedInvoiceUrl: stripePaid?.hosted_invoice_url,
      invoicePdf: stripePaid?.invoice_pdf,
      tax: null,
    })
    expect(paid && payable(paid)).toBe(false)
    // The emulator's PDF link serves a PDF.
    const pdf = await fetch(paid?.invoicePdf ?? "")
    expect(pdf.headers.get("content-type")).toContain("application/pdf")
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-")

    const failing = await stripe.paymentMethods.attach("pm_card_chargeCustomerFail", { customer: customer.id })
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } })
    await deliverCustomerEvents(customer.id)
    await advanceTestClock(stripe, clock.id, (sub.items.data[0]?.current_period_end ?? 0) + 3600)
    await deliverCustomerEvents(customer.id)
    const after = await listInvoices(user.id)
    expect(after.invoices.map((i) => i.status)).toEqual(["open", "paid"])
    const open = after.invoices[0]
    expect(open && payable(open)).toBe(true)
    const [row] = (await sql().query("select attempt_count, next_payment_attempt from invoices where id = $1", [open?.id])).rows
    expect(row.attempt_count).toBe(1)

    // "Pay now" is Stripe's hosted page: paying there with the declining card on file fails and says so.
    const payNow = await fetch(`${open?.hostedInvoiceUrl ?? ""}/pay`, { method: "POST", redirect: "manual" })
    expect(payNow.status).toBe(303)
    expect(payNow.headers.get("location")).toContain("payment=failed")
    const hosted = await (await fetch(open?.hostedInvoiceUrl ?? "")).text()
    expect(hosted).toContain(`action="/i/${open?.id}/pay"`)

    // Paid with a working card: the drain pays it (new card) and the next invoice.paid updates the row.
    await stripe.paymentMethods
      .attach("pm_card_visa", { customer: customer.id })
      .then((pm) => stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } }))
    await deliverCustomerEvents(customer.id)
    await deliverCustomerEvents(customer.id)
    expect((await listInvoices(user.id)).invoices.map((i) => i.status)).toEqual(["paid", "paid"])
  })

  it("a renewal's invoice events cost no call of their own: the latest invoice comes with the subscriptions read", async () => {
    const user = await createUser()
    const { stripe, clock, customer } = await customerOnTestClock(user)
    const price = (await stripe.prices.list({ lookup_keys: ["subkit_pro_monthly"] })).data[0]?.id ?? ""
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price }],
      metadata: { user_id: user.id, plan_id: "pro" },
    })
    await deliverCustomerEvents(customer.id)
    // Earlier test files move the emulator's timeline, so "after" is by id, not by the list's order.
    const seen = new Set((await eventsFor(stripe, customer.id)).map((e) => e.id))
    await advanceTestClock(stripe, clock.id, (sub.items.data[0]?.current_period_end ?? 0) + 3600)
    // The renewal as Stripe sends it: invoice.* events naming the new (latest) invoice, and the subscription's update.
    const renewal = (await eventsFor(stripe, customer.id)).filter(
      (e) => !seen.has(e.id) && (e.type.startsWith("invoice.") || e.type === "customer.subscription.updated"),
    )
    const named = new Set(renewal.flatMap((e) => (e.type.startsWith("invoice.") ? [(e.data.object as Stripe.Invoice).id] : [])))
    expect(named.size).toBe(1)
    for (const e of renewal) await receiveStripeWebhook(signedRequest(JSON.stringify(e)), { schedule: () => {} })
    await sql().query(
      `insert into customer_syncs (stripe_customer_id, lease_owner, lease_until) values ($1, 'invoices-test', now() + interval '1 minute')
        on conflict (stripe_customer_id) do update set lease_owner = 'invoices-test', lease_until = now() + interval '1 minute'`,
      [customer.id],
    )
    const calls: string[] = []
    const count = (r: { method: string; path: string }) => calls.push(`${r.method} ${r.path}`)
    appStripe.on("request", count)
    try {
      expect(await applyCustomer(customer.id, "invoices-test")).toMatchObject({ outcome: "applied" })
    } finally {
      appStripe.off("request", count)
    }
    expect(calls).toEqual([expect.stringMatching(/^GET \/v1\/subscriptions/)])
    const pending = await sql().query(
      "select count(*)::int n from subscription_events where stripe_event_id = any($1) and processed_at is null",
      [renewal.map((e) => e.id)],
    )
    expect(pending.rows[0].n).toBe(0)
    const latest = (await stripe.invoices.list({ customer: customer.id, limit: 1 })).data[0]
    expect(latest?.id).toBe([...named][0])
    expect((await listInvoices(user.id)).invoices[0]).toMatchObject({ id: latest?.id, status: latest?.status, total: latest?.total })
  })

  it("pages newest first by (created, id): every invoice once, forward and back, ties included, other customers never", async () => {
    const user = await createUser()
    const other = await createUser()
    const cus = `cus_page_${user.id.slice(0, 8)}`
    await sql().query("insert into billing_customers (user_id, stripe_customer_id) values ($1, $2), ($3, $4)", [
      user.id,
      cus,
      other.id,
      `${cus}_other`,
    ])
    const base = Date.UTC(2026, 0, 1) / 1000
    for (let i = 0; i < 23; i++) {
      // Pairs share a timestamp, so the id breaks the tie.
      const created = new Date((base + Math.floor(i / 2) * 86_400) * 1000)
      for (const [customer, id] of [
        [cus, `in_page_${user.id.slice(0, 8)}_${String(i).padStart(2, "0")}`],
        [`${cus}_other`, `in_other_${user.id.slice(0, 8)}_${i}`],
      ])
        await sql().query(
          `insert into invoices (id, stripe_customer_id, number, status, amount_due, amount_paid, total, currency, created)
           values ($1, $2, $3, 'paid', 1500, 1500, 1500, 'usd', $4)`,
          [id, customer, `N-${i}`, created],
        )
    }
    await sql().query(
      `insert into invoices (id, stripe_customer_id, status, amount_due, amount_paid, total, currency, created) values ($1, $2, 'draft', 0, 0, 0, 'usd', now())`,
      [`in_page_${user.id.slice(0, 8)}_draft`, cus],
    )
    const seen: string[] = []
    const pages = []
    let page = await listInvoices(user.id, { limit: 5 })
    expect(page.previous).toBeNull()
    for (;;) {
      pages.push(page)
      seen.push(...page.invoices.map((i) => i.id))
      if (!page.next) break
      page = await listInvoices(user.id, { limit: 5, after: page.next })
    }
    expect(seen).toHaveLength(23)
    expect(new Set(seen).size).toBe(23)
    expect(seen.every((id) => id.startsWith(`in_page_${user.id.slice(0, 8)}_`) && !id.endsWith("draft"))).toBe(true)
    const keys = pages.flatMap((p) => p.invoices.map((i) => [i.created.getTime(), i.id] as const))
    for (let i = 1; i < keys.length; i++) {
      const [a, b] = [keys[i - 1] ?? [0, ""], keys[i] ?? [0, ""]]
      expect(a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])).toBe(true)
    }
    expect(pages.map((p) => p.invoices.length)).toEqual([5, 5, 5, 5, 3])
    // Back from the last page: the page before it, exactly.
    const back = await listInvoices(user.id, { limit: 5, before: pages[4]?.previous })
    expect(back.invoices.map((i) => i.id)).toEqual(pages[3]?.invoices.map((i) => i.id))
    expect(back.next).not.toBeNull()
    // A forged or garbled cursor reads the first page, never an error.
    expect(decodeCursor("not-a-cursor")).toBeNull()
    expect((await listInvoices(user.id, { limit: 5, after: "garbage'--" })).invoices.map((i) => i.id)).toEqual(
      pages[0]?.invoices.map((i) => i.id),
    )
  })
})

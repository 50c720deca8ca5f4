// The operator console in the browser: a non-admin gets a 404; once granted app_metadata.role = admin
// (the Auth admin API, as `npm run admin:grant` does) and signed in again, they see a dead event,
// replay it, and the drain (`npm run billing:drain -- --once`) applies it; the replay is audited. Then a
// drift made behind the app's back (the seat count edited) is found and fixed by "Reconcile now" (the run
// worked through as the cron does, by `npm run billing:reconcile`), and the metrics page shows its chart
// with the accessible table and downloads the CSV, whose numbers are Postgres's.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import path from "node:path"
import type { Page } from "playwright-core"
import { describe, expect, inject, it } from "vitest"
import { LOCAL_SUPABASE_SERVICE_ROLE_KEY } from "../../lib/env"
import { app, db, inboxSettled, noPageErrors, sharedBrowser, signUp, SLOW, subscribe } from "../support/browser"

const browser = sharedBrowser()
const root = path.resolve(import.meta.dirname, "../..")

async function grantAdmin(email: string) {
  const authUrl = inject("e2eAuthUrl")
  const headers = { apikey: LOCAL_SUPABASE_SERVICE_ROLE_KEY, authorization: `Bearer ${LOCAL_SUPABASE_SERVICE_ROLE_KEY}` }
  const { users } = (await (await fetch(`${authUrl}/auth/v1/admin/users?per_page=1000`, { headers })).json()) as {
    users: { id: string; email: string }[]
  }
  const id = users.find((u) => u.email === email)?.id
  const res = await fetch(`${authUrl}/auth/v1/admin/users/${id}`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ app_metadata: { role: "admin" } }),
  })
  expect(res.status).toBe(200)
}

async function signInAgain(page: Page, email: string) {
  await page.getByRole("button", { name: "Sign out", exact: true }).click()
  await page.waitForURL("**/auth/login?signed_out=1")
  await page.getByLabel("Email").fill(email)
  await page.getByLabel("Password").fill("correct-horse-battery")
  await page.getByRole("button", { name: "Log in" }).click()
  await page.waitForURL("**/dashboard")
}

/** A script as the cron or an operator runs it, against the e2e stack. */
function runScript(script: string, ...args: string[]) {
  execFileSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", script, ...args], {
    cwd: root,
    env: { ...process.env, ...inject("e2eAppEnv"), NODE_ENV: "production", SUBKIT_OFFLINE: "1" },
    stdio: "inherit",
  })
}

describe("operator console", () => {
  it("is a 404 to a non-admin; an admin sees a dead event, replays it, and the drain applies it", async () => {
    const page = await browser().newPage()
    const clean = await noPageErrors(page)
    const email = await signUp(page)
    expect((await page.goto(app("/admin/events")))?.status()).toBe(404)
    await page.goto(app("/dashboard"))
    // A real event of this customer's, left dead as the drain leaves one after its last attempt.
    await subscribe(page)
    await inboxSettled()
    const { rows } = await db().query<{ id: string }>(
      `update subscription_events set processed_at = null, outcome = null, dead_at = now(), attempts = 16, error = 'injected failure'
       where stripe_event_id = (select e.stripe_event_id from subscription_events e join billing_customers b on b.stripe_customer_id = e.customer_id
         join users u on u.id = b.user_id where u.email = $1 order by e.received_at desc limit 1) returning stripe_event_id id`,
      [email],
    )
    const id = rows[0]?.id ?? ""
    expect(id).toMatch(/^evt_/)

    await grantAdmin(email)
    await page.goto(app("/dashboard"))
    await signInAgain(page, email)
    expect((await page.goto(app("/admin/events?state=dead&state=bogus")))?.status()).toBe(200)
    const row = page.getByTestId(`event-${id}`)
    await expect.poll(() => row.textContent(), SLOW).toContain("dead")
    await row.getByRole("button", { name: "Replay" }).click()
    await expect.poll(() => page.getByText("1 event(s) due again").count(), SLOW).toBe(1)
    expect((await db().query("select dead_at, attempts from subscription_events where stripe_event_id = $1", [id])).rows[0]).toEqual({
      dead_at: null,
      attempts: 0,
    })
    runScript("scripts/billing-drain.ts", "--once")
    const applied = await db().query("select processed_at from subscription_events where stripe_event_id = $1", [id])
    expect(applied.rows[0].processed_at).not.toBeNull()
    await page.goto(app(`/admin/events?event=${id}`))
    await expect.poll(() => page.getByTestId("event-detail").textContent(), SLOW).toContain("processed")
    const audit = await db().query("select actor_email, action from admin_audit_log where target = $1", [id])
    expect(audit.rows).toEqual([{ actor_email: email, action: "event.replay" }])

    // Drift behind the app's back: the row's seat count edited. "Reconcile now" opens a run (no Stripe call
    // on the request); the cron's steps (billing:reconcile here) find it, re-sync and say it is fixed.
    const { rows: subs } = await db().query<{ id: string; customer: string; quantity: number; plan: string; status: string }>(
      `select s.stripe_subscription_id id, s.stripe_customer_id customer, s.quantity, coalesce(s.plan_id, '(no plan)') plan, s.status
       from user_subscriptions s join users u on u.id = s.user_id where u.email = $1`,
      [email],
    )
    const sub = subs[0]
    expect(sub?.id).toMatch(/^sub_/)
    if (!sub) return
    await db().query("update user_subscriptions set quantity = quantity + 4 where stripe_subscription_id = $1", [sub.id])
    await page.goto(app("/admin/reconciliation"))
    await page.getByRole("button", { name: "Reconcile now" }).click()
    await expect.poll(() => page.getByText(/^Run \d+ (queued; the cron works through it|is already under way)\.$/).count(), SLOW).toBe(1)
    runScript("scripts/billing-reconcile.ts")
    const finding = page.getByTestId("reconcile-findings").locator("li", { hasText: sub.customer })
    // Reloaded until the run's finding reads fixed (a cron step of the app may hold the run meanwhile).
    await expect
      .poll(async () => {
        await page.reload()
        return finding.getByText("fixed", { exact: true }).count()
      }, SLOW)
      .toBe(1)
    const differences = JSON.parse((await finding.locator("code").textContent()) ?? "[]") as unknown[]
    expect(differences).toEqual([{ subscription: sub.id, field: "quantity", ours: sub.quantity + 4, stripe: sub.quantity }])
    expect((await db().query("select quantity from user_subscriptions where stripe_subscription_id = $1", [sub.id])).rows[0]).toEqual({
      quantity: sub.quantity,
    })

    // The metrics: the chart (an SVG image with its title) and the same numbers in its table; the CSV export.
    await page.goto(app("/admin/metrics"))
    const chart = page.getByTestId("chart-active")
    expect(await chart.getByRole("img", { name: /^Subscriptions by plan and status/ }).count()).toBe(1)
    const table = chart.getByRole("table", { name: "Subscriptions by plan and status" })
    const { rows: counted } = await db().query<{ n: number }>(
      "select count(*)::int n from user_subscriptions where coalesce(plan_id, '(no plan)') = $1 and status = $2",
      [sub.plan, sub.status],
    )
    const n = counted[0]?.n ?? 0
    expect(n).toBeGreaterThan(0)
    expect((await table.getByRole("row", { name: `${sub.plan} · ${sub.status}` }).textContent())?.replace(/\s+/g, " ")).toBe(
      `${sub.plan} · ${sub.status}${n}`,
    )
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()])
    expect(download.suggestedFilename()).toMatch(/^subkit-metrics-\d{4}-\d\d-\d\d\.csv$/)
    const csv = readFileSync(await download.path(), "utf8").split("\n")
    expect(csv[0]).toBe("metric,dimension,value")
    expect(csv).toContain(`active_subscriptions,${sub.plan}/${sub.status},${n}`)
    const actions = await db().query("select action from admin_audit_log where actor_email = $1 order by created_at", [email])
    expect(actions.rows.map((r) => r.action)).toEqual(["event.replay", "reconcile.start", "metrics.export"])
    clean()
  })
})

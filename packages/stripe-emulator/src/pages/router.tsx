/** @jsxImportSource preact */
// Routes the emulator's hosted pages: Checkout (/c/pay), the Customer Portal (/p/session), invoices (/i).
import type http from "node:http"
import type { Ctx } from "../context"
import { parseForm } from "../params"
import { checkoutPage } from "./checkout"
import { invoicePage } from "./invoice"
import { page } from "./layout"
import { portalPage } from "./portal"
import type { PageRequest, PageResult } from "./types"

export type { PageRequest, PageResult } from "./types"

export async function renderPage(
  ctx: Ctx,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  readBody: (r: http.IncomingMessage) => Promise<string>,
) {
  const method = req.method ?? "GET"
  const form = method === "POST" ? parseForm(await readBody(req)) : {}
  const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent)
  const r: PageRequest = { ctx, method, url, form, segments }
  let out: PageResult
  if (segments[0] === "c" && segments[1] === "pay" && segments[2]) out = checkoutPage(r, segments[2])
  else if (segments[0] === "p" && segments[1] === "session" && segments[2]) out = portalPage(r, segments[2], segments[3] ?? "")
  else if (segments[0] === "i" && segments[1]) out = invoicePage(r, segments[1], segments[2])
  else if (url.pathname === "/")
    out = {
      html: page(
        "Stripe emulator",
        <>
          <h1>subkit Stripe emulator</h1>
          <p class="muted">API at /v1, admin at /_emulator. See packages/stripe-emulator/README.md.</p>
        </>,
      ),
    }
  else out = { status: 404, html: page("Not found", <h1>Page not found</h1>) }
  if (out.redirect) {
    res.writeHead(303, { location: out.redirect })
    return void res.end()
  }
  res.writeHead(out.status ?? 200, { "content-type": out.type ?? "text/html; charset=utf-8", "cache-control": "no-store" })
  res.end(out.body ?? out.html)
}

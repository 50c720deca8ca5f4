/** @jsxImportSource preact */
// The hosted pages' document: JSX rendered to a string on the server (preact-render-to-string, which
// escapes every interpolation), one small accessible stylesheet, and the card fields both pages share.
import type { ComponentChildren, VNode } from "preact"
import { renderToString } from "preact-render-to-string"

export { money } from "../billing"

const CSS = `
*{box-sizing:border-box}
body{
  margin:0;
  font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
  color:#1a1f36;
  background:#f6f9fc;
}
.wrap{display:grid;grid-template-columns:minmax(0,1fr);min-height:100vh}
@media(min-width:900px){.wrap{grid-template-columns:minmax(320px,420px) minmax(0,1fr)}}
.side{background:#fff;padding:40px 32px;border-right:1px solid #e3e8ee}
.main{padding:40px 32px;max-width:720px}
.brand{display:flex;align-items:center;gap:10px;font-weight:600;margin-bottom:28px}
.brand i{width:28px;height:28px;border-radius:6px;background:#635bff;display:inline-block}
.muted{color:#697386}
.small{font-size:13px}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:16px;margin:28px 0 12px;text-transform:uppercase;letter-spacing:.04em;color:#697386}
.price{font-size:36px;font-weight:700;margin:6px 0}
.card{background:#fff;border:1px solid #e3e8ee;border-radius:8px;padding:20px;margin-bottom:16px}
label{display:block;font-size:13px;font-weight:500;margin:14px 0 6px;color:#3c4257}
input,select,textarea{width:100%;padding:10px 12px;border:1px solid #cfd7df;border-radius:6px;font:inherit;background:#fff}
input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:3px solid #a5b4fc;outline-offset:1px}
.row{display:flex;gap:12px}
.row>*{flex:1}
button,.btn{
  display:inline-block;
  border:0;
  border-radius:6px;
  padding:11px 18px;
  font:inherit;
  font-weight:600;
  cursor:pointer;
  text-decoration:none;
  text-align:center;
}
.primary{background:#635bff;color:#fff;width:100%;margin-top:20px}
.secondary{background:#fff;color:#1a1f36;border:1px solid #cfd7df}
.danger{background:#df1b41;color:#fff}
.link{background:none;color:#635bff;padding:0;font-weight:500}
.alert{border-radius:6px;padding:12px 14px;margin:12px 0;background:#fff5f7;color:#a41c4e;border:1px solid #fbd3dc}
.notice{border-radius:6px;padding:12px 14px;margin:12px 0;background:#ecfdf3;color:#05603a;border:1px solid #abefc6}
.badge{display:inline-block;border-radius:999px;padding:2px 8px;font-size:12px;font-weight:600;background:#e3e8ee}
.badge.ok{background:#d1fae5;color:#065f46}
.badge.warn{background:#fef3c7;color:#92400e}
.badge.bad{background:#fee2e2;color:#991b1b}
table{width:100%;border-collapse:collapse}
td,th{padding:10px 6px;border-bottom:1px solid #e3e8ee;text-align:left;font-size:14px}
.actions{display:flex;flex-wrap:wrap;gap:10px;margin-top:14px}
fieldset{border:0;padding:0;margin:0}
.choice{display:flex;gap:10px;align-items:center;border:1px solid #e3e8ee;border-radius:6px;padding:12px;margin:8px 0}
.choice input{width:auto}
footer{margin-top:40px;font-size:12px}
footer a{color:#697386;margin-right:12px}
`

/** A whole HTML document: with a side column (Checkout, the portal) or a single centred column. */
export function page(title: string, body: ComponentChildren, opts: { side?: ComponentChildren } = {}): string {
  const doc = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>{title}</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        {opts.side ? (
          <div class="wrap">
            <aside class="side">{opts.side}</aside>
            <main class="main">{body}</main>
          </div>
        ) : (
          <main class="main" style="margin:0 auto">
            {body}
          </main>
        )}
      </body>
    </html>
  )
  return `<!doctype html>${renderToString(doc)}`
}

export function date(ts: number | null | undefined) {
  return ts ? new Date(ts * 1000).toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" }) : "—"
}

export const CardFields = ({ error }: { error?: string }): VNode => (
  <>
    {error ? (
      <div class="alert" role="alert" id="card-error">
        {error}
      </div>
    ) : null}
    <label for="cardnumber">Card number</label>
    <input
      id="cardnumber"
      name="cardnumber"
      inputmode="numeric"
      autocomplete="cc-number"
      placeholder="1234 1234 1234 1234"
      required
      aria-describedby={error ? "card-error" : undefined}
    />
    <div class="row">
      <div>
        <label for="exp">Expiration</label>
        <input id="exp" name="exp" autocomplete="cc-exp" placeholder="MM / YY" required />
      </div>
      <div>
        <label for="cvc">CVC</label>
        <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" required />
      </div>
    </div>
  </>
)

/** Parses the card form; an expiry of "MM / YY" or "MM/YYYY". */
export function readCard(form: Record<string, unknown>) {
  const [m, y] = String(form.exp ?? "")
    .split("/")
    .map((s) => Number(s.trim()))
  return { number: String(form.cardnumber ?? ""), exp_month: m || 0, exp_year: y || 0, cvc: String(form.cvc ?? "") }
}

// The dev inbox: every email the emulator "sends" is kept in memory and shown at /_mailbox (HTML)
// and /_mailbox/messages (JSON), as the Supabase CLI's Inbucket/Mailpit does on port 54324, so a
// person running `npm run dev` can click the link and tests can read it.
import { randomUUID } from "node:crypto"

export type MailKind = "confirmation" | "recovery" | "magic_link" | "email_change" | "email_changed_notification" | "invite"

/** A message that arrived over SMTP (smtp-sink.ts): the app's own emails, e.g. billing. */
export type SmtpMessage = {
  to: string
  from: string
  subject: string
  text: string
  html: string | null
  messageId: string | null
  /** The X-… headers (and List-Unsubscribe) the sender set, lower-cased names. */
  headers: Record<string, string>
}

export type Mail = {
  id: string
  to: string
  subject: string
  /** An auth email the emulator wrote, or "smtp" for one received by the SMTP sink. */
  kind: MailKind | "smtp"
  /** The sender (auth emails: the emulator's own). */
  from: string
  /** The HTML part, when the sender gave one (SMTP mails). */
  html: string | null
  /** SMTP mails: the sender's Message-ID and X-… headers. */
  message_id: string | null
  headers: Record<string, string>
  /** The action link (absent for notifications). */
  link: string | null
  /** The 6-digit code the template may show instead of the link. */
  otp: string | null
  text: string
  sent_at: string
}

const SUBJECTS: Record<MailKind, string> = {
  confirmation: "Confirm Your Signup",
  recovery: "Reset Your Password",
  magic_link: "Your Magic Link",
  email_change: "Confirm Email Change",
  email_changed_notification: "Your email address has been changed",
  invite: "You have been invited",
}

const LIMIT = 500 // oldest first out: a long dev session must not grow without bound

export class Mailbox {
  private messages: Mail[] = []

  send(to: string, kind: MailKind, link: string | null, otp: string | null = null, extra = ""): Mail {
    const text = [SUBJECTS[kind], extra, link ? `Follow this link: ${link}` : "", otp ? `Alternatively, enter the code: ${otp}` : ""]
      .filter(Boolean)
      .join("\n\n")
    return this.push({
      id: randomUUID(),
      to,
      from: "noreply@mail.app.supabase.io",
      subject: SUBJECTS[kind],
      kind,
      html: null,
      message_id: null,
      headers: {},
      link,
      otp,
      text,
      sent_at: new Date().toISOString(),
    })
  }

  /** A message the SMTP sink received; its first https?/ link is `link`, for a person's click. */
  receive(m: SmtpMessage): Mail {
    const link = /https?:\/\/[^\s<>"')\]]+/.exec(m.text)?.[0] ?? null
    return this.push({
      id: randomUUID(),
      to: m.to,
      from: m.from,
      subject: m.subject,
      kind: "smtp",
      html: m.html,
      message_id: m.messageId,
      headers: m.headers,
      link,
      otp: null,
      text: m.text,
      sent_at: new Date().toISOString(),
    })
  }

  private push(mail: Mail): Mail {
    this.messages.push(mail)
    if (this.messages.length > LIMIT) this.messages.shift()
    return mail
  }

  /** Newest first; `to` filters by recipient (case-insensitive). */
  list(to?: string | null): Mail[] {
    const want = to?.trim().toLowerCase()
    return this.messages.filter((m) => !want || m.to === want).reverse()
  }

  clear() {
    this.messages = []
  }

  html(to?: string | null): string {
    const rows = this.list(to)
      .map(
        (m) => `<article>
  <h2>${esc(m.subject)}</h2>
  <p class="meta">To <strong>${esc(m.to)}</strong>${m.kind === "smtp" ? ` · from ${esc(m.from)} · via SMTP` : ""} · <time datetime="${m.sent_at}">${esc(m.sent_at)}</time></p>
  ${m.link ? `<p><a href="${esc(m.link)}">${esc(linkLabel(m.kind))}</a></p>` : ""}
  ${m.otp ? `<p>Code: <code>${esc(m.otp)}</code></p>` : ""}
  ${m.html ? `<details><summary>HTML part</summary><iframe sandbox title="${esc(m.subject)}" srcdoc="${esc(m.html)}" style="width:100%;height:28rem;border:1px solid #ccc"></iframe></details>` : ""}
  <pre>${esc(m.text)}</pre>
</article>`,
      )
      .join("\n")
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dev mailbox · subkit auth emulator</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#111}
article{border:1px solid #ccc;border-radius:.5rem;padding:1rem;margin:1rem 0}h2{margin:0;font-size:1.1rem}
.meta{color:#444;margin:.25rem 0}pre{white-space:pre-wrap;background:#f5f5f5;padding:.5rem;border-radius:.25rem}a{color:#1d4ed8}</style>
</head><body><main><h1>Dev mailbox</h1>
<p>Emails the Supabase Auth emulator would have sent${to ? ` to ${esc(to)}` : ""}, newest first. JSON: <a href="/_mailbox/messages">/_mailbox/messages</a>.</p>
${rows || "<p>No messages yet.</p>"}
</main></body></html>`
  }
}

function linkLabel(kind: Mail["kind"]) {
  if (kind === "smtp") return "Open the first link"
  if (kind === "recovery") return "Reset password"
  if (kind === "email_change") return "Confirm email change"
  if (kind === "magic_link") return "Log in"
  if (kind === "invite") return "Accept the invite"
  return "Confirm your email"
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

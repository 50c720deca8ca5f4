// SMTP through nodemailer: the one place mail leaves the app. Production: the provider's SMTP_URL;
// offline: the auth emulator's SMTP listener, whose dev mailbox shows every email. Only the drain
// (lib/billing/email/outbox.ts) calls it, never a request.
import "server-only"
import nodemailer, { type Transporter } from "nodemailer"
import { env } from "@/lib/env"
import type { RenderedEmail } from "./templates"

let transport: Transporter | undefined

function transporter(): Transporter {
  // Short timeouts: a stuck SMTP server fails the attempt, and the outbox retries it with backoff.
  transport ??= nodemailer.createTransport(smtpOptions(env.email.smtpUrl))
  return transport
}

/** smtp://user:pass@host:port (STARTTLS when offered) or smtps:// (TLS from the start, port 465 by default). */
export function smtpOptions(smtpUrl: string) {
  const u = new URL(smtpUrl)
  const secure = u.protocol === "smtps:"
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    // Short timeouts: a stuck server fails the attempt, and the outbox retries it with backoff.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  }
}

export type Outgoing = RenderedEmail & { to: string; headers?: Record<string, string> }

/** Sends one email; resolves to the Message-ID the server accepted, throws on refusal. */
export async function sendMail(mail: Outgoing): Promise<string> {
  const info = (await transporter().sendMail({
    from: env.email.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    headers: mail.headers,
  })) as { messageId: string; rejected?: unknown[] }
  if (info.rejected?.length) throw new Error(`SMTP server rejected ${mail.to}`)
  return info.messageId
}

/** For tests that point SMTP_URL elsewhere mid-run. */
export function resetMailer() {
  transport?.close()
  transport = undefined
}

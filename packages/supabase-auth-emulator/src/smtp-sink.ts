// The dev mailbox's SMTP door: an SMTP server (smtp-server) on this machine that parses each message
// (mailparser) into the same mailbox the emulator's own auth emails go to, so every email a dev stack
// sends, auth and the app's billing alike, is at /_mailbox. No authentication, no TLS: loopback only.
import { simpleParser, type AddressObject } from "mailparser"
import { SMTPServer } from "smtp-server"
import type { Mailbox } from "./mailbox"

export type SmtpSink = { url: string; port: number; stop: () => Promise<void> }

/** Largest message accepted (Stripe-style billing mails are a few kB; a runaway sender is refused). */
const MAX_BYTES = 2 * 1024 * 1024

const isLoopbackAddress = (ip: string) => /^(?:127\.|::1$|::ffff:127\.)/.test(ip)

const addresses = (a: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address?.toLowerCase() ?? "")).filter(Boolean)

export async function startSmtpSink(opts: { mailbox: Mailbox; port: number; host: string; log: (l: string) => void }): Promise<SmtpSink> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    size: MAX_BYTES,
    banner: "subkit dev mailbox",
    logger: false,
    onConnect(session, callback) {
      // Only this machine may drop mail here (the same rule as the HTTP side's origins).
      if (!isLoopbackAddress(session.remoteAddress)) return callback(new Error("the dev mailbox accepts mail from this machine only"))
      callback()
    },
    // The reserved .invalid TLD (RFC 2606) can never receive mail: refused with 550, as a real server
    // refuses an unknown mailbox, so a sender's retries and dead letters can be exercised for real.
    onRcptTo(address, _session, callback) {
      if (/\.invalid$/i.test(address.address)) {
        const err = new Error(`mailbox unavailable: ${address.address}`) as Error & { responseCode: number }
        err.responseCode = 550
        return callback(err)
      }
      callback()
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          // The envelope's recipients are who the mail was sent to (Bcc included), as a real server delivers.
          const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase())
          for (const rcpt of to.length ? to : addresses(parsed.to))
            opts.mailbox.receive({
              to: rcpt,
              from: addresses(parsed.from)[0] ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ""),
              subject: parsed.subject ?? "(no subject)",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : null,
              messageId: parsed.messageId ?? null,
              headers: Object.fromEntries(
                [...parsed.headers.entries()]
                  .filter(([k]) => k.startsWith("x-") || k === "list-unsubscribe")
                  .map(([k, v]) => [k, String(v)]),
              ),
            })
          callback()
        })
        .catch((err: unknown) => {
          opts.log(`smtp: could not parse a message: ${err instanceof Error ? err.message : String(err)}`)
          callback(new Error("message could not be parsed"))
        })
    },
  })
  server.on("error", (err) => opts.log(`smtp: ${err.message}`))
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const port = (server.server.address() as { port: number }).port
  return {
    url: `smtp://${opts.host}:${port}`,
    port,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  }
}

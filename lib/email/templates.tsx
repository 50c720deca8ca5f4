// The billing emails, written with React Email: each renders to an HTML part and a plain-text part
// (React Email's own HTML → text conversion, so the two always say the same). What a template shows
// comes from the outbox row's `data`, parsed here with zod: a row that does not parse is dead, never sent half-filled.
import { Body, Button, Container, Head, Heading, Hr, Html, Link, Preview, Section, Text } from "@react-email/components"
import { render } from "@react-email/render"
import type { ReactElement, ReactNode } from "react"
import { z } from "zod"

export const EMAIL_TEMPLATES = [
  "payment_failed",
  "payment_action_required",
  "trial_ending",
  "subscription_will_cancel",
  "subscription_cancelled",
  "seats_changed",
  "team_invite",
] as const
export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number]

/** Emails a user may turn off on the account page (the payment ones are not optional). */
export const OPTIONAL_EMAILS = ["trial_ending", "seats_changed"] as const satisfies readonly EmailTemplate[]
export type OptionalEmail = (typeof OPTIONAL_EMAILS)[number]
export const isOptionalEmail = (t: string): t is OptionalEmail => (OPTIONAL_EMAILS as readonly string[]).includes(t)

const iso = z.iso.datetime({ offset: true })
const money = { amount: z.number().int(), currency: z.string().length(3) }
const url = z.url()

export const EMAIL_DATA = {
  payment_failed: z.object({
    planName: z.string(),
    ...money,
    invoiceNumber: z.string().nullable(),
    nextAttemptAt: iso.nullable(),
    updateCardUrl: url,
    hostedInvoiceUrl: url.nullable(),
  }),
  payment_action_required: z.object({ planName: z.string(), ...money, invoiceNumber: z.string().nullable(), hostedInvoiceUrl: url }),
  trial_ending: z.object({ planName: z.string(), trialEndsAt: iso, manageUrl: url }),
  subscription_will_cancel: z.object({ planName: z.string(), endsAt: iso, manageUrl: url }),
  subscription_cancelled: z.object({ planName: z.string(), endedAt: iso, plansUrl: url }),
  seats_changed: z.object({ planName: z.string(), from: z.number().int(), to: z.number().int(), manageUrl: url }),
  team_invite: z.object({ inviterEmail: z.string(), teamName: z.string(), inviteeEmail: z.string(), acceptUrl: url, expiresAt: iso }),
} satisfies Record<EmailTemplate, z.ZodType>

export type EmailData<T extends EmailTemplate> = z.infer<(typeof EMAIL_DATA)[T]>

export const formatMoney = (amount: number, currency: string) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(amount / 100)
const formatDay = (value: string) => new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" }).format(new Date(value))

const styles = {
  body: { backgroundColor: "#f6f6f6", fontFamily: "system-ui, -apple-system, Segoe UI, sans-serif", color: "#111" },
  container: { backgroundColor: "#fff", margin: "24px auto", padding: "24px", borderRadius: "8px", maxWidth: "560px" },
  button: { backgroundColor: "#111", color: "#fff", padding: "10px 16px", borderRadius: "6px", textDecoration: "none" },
  footer: { color: "#666", fontSize: "12px" },
}

function Layout({ preview, title, children, footer }: { preview: string; title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Heading as="h1">{title}</Heading>
          {children}
          <Hr />
          <Text style={styles.footer}>{footer ?? "You receive this email because you have a subscription with subkit."}</Text>
        </Container>
      </Body>
    </Html>
  )
}

const Action = ({ href, children }: { href: string; children: ReactNode }) => (
  <Section>
    <Button href={href} style={styles.button}>
      {children}
    </Button>
  </Section>
)

const optionalFooter = (manageUrl: string) => (
  <>
    You can turn these emails off in your <Link href={manageUrl.replace(/\/subscription\/manage.*$/, "/account")}>account settings</Link>.
  </>
)

type Rendered = { subject: string; element: ReactElement }

const VIEWS: { [T in EmailTemplate]: (d: EmailData<T>) => Rendered } = {
  payment_failed: (d) => ({
    subject: `Your ${d.planName} payment of ${formatMoney(d.amount, d.currency)} failed`,
    element: (
      <Layout preview="Update your card to keep your plan" title="Your payment failed">
        <Text>
          We couldn&apos;t charge {formatMoney(d.amount, d.currency)} for your {d.planName} plan
          {d.invoiceNumber ? ` (invoice ${d.invoiceNumber})` : ""}.
          {d.nextAttemptAt ? ` We'll try again on ${formatDay(d.nextAttemptAt)}.` : ""}
        </Text>
        <Text>Update your payment method and we&apos;ll retry the charge right away.</Text>
        <Action href={d.updateCardUrl}>Update payment method</Action>
        {d.hostedInvoiceUrl && (
          <Text>
            Or pay the invoice directly: <Link href={d.hostedInvoiceUrl}>{d.hostedInvoiceUrl}</Link>
          </Text>
        )}
      </Layout>
    ),
  }),
  payment_action_required: (d) => ({
    subject: `Confirm your ${d.planName} payment of ${formatMoney(d.amount, d.currency)}`,
    element: (
      <Layout preview="Your bank asks you to confirm this payment" title="Your payment needs confirming">
        <Text>
          Your bank needs you to confirm the payment of {formatMoney(d.amount, d.currency)} for your {d.planName} plan
          {d.invoiceNumber ? ` (invoice ${d.invoiceNumber})` : ""} (3-D Secure).
        </Text>
        <Action href={d.hostedInvoiceUrl}>Confirm payment</Action>
        <Text>
          Or open this link: <Link href={d.hostedInvoiceUrl}>{d.hostedInvoiceUrl}</Link>
        </Text>
      </Layout>
    ),
  }),
  trial_ending: (d) => ({
    subject: `Your ${d.planName} trial ends on ${formatDay(d.trialEndsAt)}`,
    element: (
      <Layout preview="Your trial ends soon" title="Your trial ends soon" footer={optionalFooter(d.manageUrl)}>
        <Text>
          Your {d.planName} trial ends on {formatDay(d.trialEndsAt)}. After that your plan continues and your payment method is charged,
          unless you cancel before then.
        </Text>
        <Action href={d.manageUrl}>Manage subscription</Action>
      </Layout>
    ),
  }),
  subscription_will_cancel: (d) => ({
    subject: `Your ${d.planName} plan ends on ${formatDay(d.endsAt)}`,
    element: (
      <Layout preview="Your subscription is set to end" title="Your subscription will end">
        <Text>
          Your {d.planName} plan is set to end on {formatDay(d.endsAt)}. You keep its features until then and won&apos;t be charged again.
          Changed your mind? You can keep it from the manage page.
        </Text>
        <Action href={d.manageUrl}>Keep my subscription</Action>
      </Layout>
    ),
  }),
  subscription_cancelled: (d) => ({
    subject: `Your ${d.planName} plan has ended`,
    element: (
      <Layout preview="Your subscription has ended" title="Your subscription has ended">
        <Text>
          Your {d.planName} plan ended on {formatDay(d.endedAt)}. You&apos;re on the free tier now; your data stays. You can subscribe again
          at any time.
        </Text>
        <Action href={d.plansUrl}>See plans</Action>
      </Layout>
    ),
  }),
  seats_changed: (d) => ({
    subject: `Your ${d.planName} plan now has ${d.to} seat${d.to === 1 ? "" : "s"}`,
    element: (
      <Layout preview="Your seat count changed" title="Your seats changed" footer={optionalFooter(d.manageUrl)}>
        <Text>
          Your {d.planName} plan went from {d.from} to {d.to} seat{d.to === 1 ? "" : "s"}. The change is prorated on your next invoice.
        </Text>
        <Action href={d.manageUrl}>Manage subscription</Action>
      </Layout>
    ),
  }),
  // Sent by the app, not Supabase Auth: Supabase's templates get per-request data only for new or
  // unconfirmed users, so its Magic Link email could never say who invited whom (issue 23, item 10).
  team_invite: (d) => ({
    subject: `${d.inviterEmail} invited you to join ${d.teamName} on subkit`,
    element: (
      <Layout
        preview={`${d.inviterEmail} invited you to ${d.teamName}`}
        title={`Join ${d.teamName} on subkit`}
        footer={`You receive this email because ${d.inviterEmail} invited ${d.inviteeEmail} to their team. Not expecting it? Ignore it: nothing happens unless you press Join.`}
      >
        <Text>
          {d.inviterEmail} invited you ({d.inviteeEmail}) to join {d.teamName} on subkit. On the team you get every Team feature; the owner
          pays, you pay nothing.
        </Text>
        <Text>
          The link signs you in as {d.inviteeEmail} (no password needed) and lets you join. It works until {formatDay(d.expiresAt)}.
        </Text>
        <Action href={d.acceptUrl}>Join {d.teamName}</Action>
        <Text>
          Or open this link: <Link href={d.acceptUrl}>{d.acceptUrl}</Link>
        </Text>
      </Layout>
    ),
  }),
}

export type RenderedEmail = { subject: string; html: string; text: string }

/** Parses `data` for `template` (throws a ZodError naming the field) and renders both parts. */
export async function renderEmail(template: EmailTemplate, data: unknown): Promise<RenderedEmail> {
  const view = VIEWS[template] as (d: unknown) => Rendered
  const { subject, element } = view(EMAIL_DATA[template].parse(data))
  const [html, text] = await Promise.all([render(element), render(element, { plainText: true })])
  return { subject, html, text }
}

// The auth emulator for integration tests: a supabase-js client on it and its dev mailbox over HTTP.
import { createClient, type SupabaseClient } from "@supabase/supabase-js"
import WebSocket from "ws"
import { inject } from "vitest"
import { LOCAL_JWT_SECRET, LOCAL_PUBLISHABLE_KEY, startAuthEmulator, type AuthEmulatorOptions } from "@subkit/supabase-auth-emulator"
import type { Mail } from "@subkit/supabase-auth-emulator/mailbox"
import { apiKey } from "@subkit/supabase-auth-emulator/tokens"

export type Emulator = Awaited<ReturnType<typeof startAuthEmulator>>

export const startTestAuth = (opts: Partial<AuthEmulatorOptions> = {}) =>
  startAuthEmulator({ databaseUrl: inject("databaseUrl"), port: 0, kdf: { N: 1024, r: 8, p: 1 }, log: () => {}, ...opts })

export function client(url: string, opts: { flowType?: "implicit" | "pkce"; key?: string; persist?: boolean } = {}): SupabaseClient {
  return createClient(url, opts.key ?? LOCAL_PUBLISHABLE_KEY, {
    auth: {
      persistSession: opts.persist ?? false,
      autoRefreshToken: false,
      detectSessionInUrl: false,
      flowType: opts.flowType ?? "implicit",
    },
    realtime: { transport: WebSocket as never },
  })
}

/** supabase-js with the CLI's service_role key (HS256 with the local secret), for `auth.admin`. */
export async function adminClient(url: string) {
  return client(url, { key: await apiKey(LOCAL_JWT_SECRET, "service_role") })
}

/** Mails to `to`, newest first, read from the JSON endpoint a developer's tools would use. */
export async function mails(url: string, to: string): Promise<Mail[]> {
  const res = await fetch(`${url}/_mailbox/messages?to=${encodeURIComponent(to)}`)
  if (!res.ok) throw new Error(`mailbox: ${res.status}`)
  return ((await res.json()) as { messages: Mail[] }).messages
}

export async function lastLink(url: string, to: string, kind: Mail["kind"]) {
  const mail = (await mails(url, to)).find((m) => m.kind === kind)
  if (!mail?.link) throw new Error(`no ${kind} mail for ${to}`)
  return mail.link
}

/** Follows an email link as a browser would, up to the redirect GoTrue answers with. */
export async function follow(link: string) {
  const res = await fetch(link, { redirect: "manual" })
  const location = res.headers.get("location")
  if (res.status !== 303 || !location) throw new Error(`verify answered ${res.status}`)
  const target = new URL(location)
  return { target, query: target.searchParams, fragment: new URLSearchParams(target.hash.slice(1)) }
}

export const uniqueEmail = (tag: string) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`

// Root layout: site header, toasts, and the page.
import type { Metadata } from "next"
import type { ReactNode } from "react"
import { SiteHeader } from "@/components/site-header"
import { Toaster } from "@/components/ui/toaster"
import "./globals.css"

export const metadata: Metadata = {
  title: { default: "subkit", template: "%s · subkit" },
  description: "Subscriptions with Stripe Checkout and the Customer Portal, on Next.js and Supabase.",
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen antialiased">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:left-4 focus:top-4 focus:z-50 focus:rounded focus:bg-background focus:p-2"
        >
          Skip to content
        </a>
        <SiteHeader />
        <main id="main" className="mx-auto w-full max-w-5xl px-4 py-10">
          {children}
        </main>
        <Toaster />
      </body>
    </html>
  )
}

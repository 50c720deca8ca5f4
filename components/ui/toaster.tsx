"use client"
// Toasts (sonner), announced to screen readers by sonner's live region. Sonner (~30 kB) is not in any
// page's first load: this Toaster renders nothing until the first toast (`toast` from
// components/ui/toast.ts) asks for it, then loads sonner; sonner replays toasts made before its Toaster
// subscribed, so the first one is shown too.
import { lazy, Suspense, useSyncExternalStore } from "react"

const Sonner = lazy(() => import("sonner").then((m) => ({ default: m.Toaster })))

let wanted = false
const listeners = new Set<() => void>()
const subscribe = (listener: () => void) => {
  listeners.add(listener)
  return () => void listeners.delete(listener)
}

/** Mounts sonner's Toaster (once); called by every toast. */
export function requestToaster() {
  if (wanted) return
  wanted = true
  for (const listener of listeners) listener()
}

export function Toaster() {
  const on = useSyncExternalStore(
    subscribe,
    () => wanted,
    () => false,
  )
  if (!on) return null
  return (
    <Suspense fallback={null}>
      <Sonner position="top-center" richColors closeButton />
    </Suspense>
  )
}

"use client"
// Toasts (sonner), announced to screen readers by sonner's live region.
import { Toaster as Sonner } from "sonner"

export function Toaster() {
  return <Sonner position="top-center" richColors closeButton />
}

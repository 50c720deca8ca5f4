// toast.success / toast.error for client components: sonner's, loaded on the first toast (toaster.tsx).
import { requestToaster } from "./toaster"

function show(kind: "success" | "error", message: string) {
  requestToaster()
  void import("sonner").then(({ toast }) => toast[kind](message))
}

export const toast = {
  success: (message: string) => show("success", message),
  error: (message: string) => show("error", message),
}

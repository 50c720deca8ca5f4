"use client"
// Replay one dead event, or every dead one: the server actions of lib/actions/admin.ts, with the
// result said as a toast.
import { replayAllDead, replayEvent } from "@/lib/actions/admin"
import type { ReplayResult } from "@/lib/actions/admin"
import { AdminActionButton } from "./action-button"

const replayed = (r: Extract<ReplayResult, { ok: true }>) => `${r.replayed} event(s) due again; the next drain applies them.`

export function ReplayEventButton({ id }: { id: string }) {
  return <AdminActionButton label="Replay" run={() => replayEvent(id)} success={replayed} />
}

export function ReplayAllDeadButton() {
  return <AdminActionButton label="Replay all dead" run={() => replayAllDead()} success={replayed} />
}

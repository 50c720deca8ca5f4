// What server actions return: expected failures are values (their messages survive production
// builds, unlike thrown errors), never exceptions.
export type ActionError = { ok: false; code: string; message: string; fieldErrors?: Record<string, string> }
export type ActionResult<T extends object = object> = ({ ok: true } & T) | ActionError

export const fail = (code: string, message: string, fieldErrors?: Record<string, string>): ActionError => ({
  ok: false,
  code,
  message,
  ...(fieldErrors ? { fieldErrors } : {}),
})

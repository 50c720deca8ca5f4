// GoTrue's requireAdminCredentials (api/auth.go): a Bearer JWT, verified as any token is, whose role is an admin role.
import type http from "node:http"
import { AuthError } from "./service"
import type { Jwt } from "./tokens"

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ADMIN_ROLES = ["service_role", "supabase_admin"] // GOTRUE_JWT_ADMIN_ROLES' default

export function adminCheck(jwt: Jwt) {
  return async function requireAdmin(req: http.IncomingMessage) {
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1]
    if (!token) throw new AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
    let role: string | undefined
    try {
      role = (await jwt.verifyApiKey(token)).role
    } catch {
      throw new AuthError(403, "bad_jwt", "invalid JWT: unable to parse or verify signature, signature is invalid")
    }
    if (!role || !ADMIN_ROLES.includes(role)) throw new AuthError(403, "not_admin", "User not allowed")
  }
}

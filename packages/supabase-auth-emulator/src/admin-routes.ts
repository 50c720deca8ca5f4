// GoTrue's admin API (api/admin.go) as supabase-js's `auth.admin` calls it: users by id, listed with
// page/per_page and GoTrue's Link + X-Total-Count headers. A service_role key is required.
import { adminCheck, UUID_RE } from "./admin-auth"
import type { Handler } from "./route-table"
import { AuthError, type AuthService, type Row } from "./service"
import type { Jwt } from "./tokens"

export function createAdminRoutes(svc: AuthService, jwt: Jwt): Record<string, Handler> {
  const { q, createUser, findUser, normEmail, checkPassword, userJson } = svc
  const requireAdmin = adminCheck(jwt)

  async function userById(id: string | undefined): Promise<Row> {
    if (!id || !UUID_RE.test(id)) throw new AuthError(404, "validation_failed", "user_id must be an UUID")
    const [u] = await q("select * from auth.users where id = $1", [id])
    if (!u) throw new AuthError(404, "user_not_found", "User not found")
    return u
  }

  const meta = (v: unknown, name: string) => {
    if (v === undefined || v === null) return null
    if (typeof v !== "object" || Array.isArray(v)) throw new AuthError(400, "bad_json", `Could not read ${name}: must be an object`)
    return v as Record<string, unknown>
  }

  function banUntil(v: unknown): Date | null | undefined {
    if (v === undefined || v === "") return undefined
    if (v === "none") return null
    // Go's time.ParseDuration, for the units an admin would use.
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(v))
    if (!m) throw new AuthError(400, "validation_failed", `invalid format for ban duration: time: invalid duration "${String(v)}"`)
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"]
    return new Date(Date.now() + Number(m[1]) * unit)
  }

  return {
    "GET /admin/users": async (req, url) => {
      await requireAdmin(req)
      const pageRaw = url.searchParams.get("page") || "1" // supabase-js sends page= when unset
      const perRaw = url.searchParams.get("per_page") || "50"
      if (!/^\d+$/.test(pageRaw) || !/^\d+$/.test(perRaw)) throw new AuthError(400, "validation_failed", "Bad Pagination Parameters")
      const page = Math.max(1, Number(pageRaw))
      const perPage = Math.max(1, Number(perRaw))
      const [{ count }] = (await q<{ count: string }>("select count(*) from auth.users where deleted_at is null")) as [{ count: string }]
      const total = Number(count)
      const users = await q("select * from auth.users where deleted_at is null order by created_at desc, id limit $1 offset $2", [
        perPage,
        (page - 1) * perPage,
      ])
      const pages = Math.ceil(total / perPage)
      const link = (p: number) => {
        const u = new URL(url)
        u.searchParams.set("page", String(p))
        u.searchParams.sort() // Go's url.Values.Encode() orders keys
        return `<${u.pathname}${u.search}>`
      }
      const header = `${page < pages ? `${link(page + 1)}; rel="next", ` : ""}${link(pages)}; rel="last"`
      return [200, { users: users.map(userJson), aud: "authenticated" }, { link: header, "x-total-count": String(total) }]
    },
    "POST /admin/users": async (req, _url, body) => {
      await requireAdmin(req)
      if (!body.email) throw new AuthError(400, "validation_failed", "Cannot create a user without either an email or phone")
      const email = normEmail(body.email)
      if (await findUser(email)) throw new AuthError(422, "email_exists", "A user with this email address has already been registered")
      if (body.id !== undefined && !UUID_RE.test(String(body.id)))
        throw new AuthError(400, "validation_failed", "ID must conform to the uuid v4 format")
      // No password: GoTrue sets a random one, so the account can only be entered through an email link.
      const password = body.password ? String(body.password) : null
      const u = await createUser(email, password, meta(body.user_metadata, "user_metadata"), body.email_confirm === true, {
        id: body.id === undefined ? undefined : String(body.id),
        appMetadata: meta(body.app_metadata, "app_metadata") ?? {},
      })
      if (!u) throw new AuthError(422, "email_exists", "A user with this email address has already been registered")
      const ban = banUntil(body.ban_duration)
      if (ban) await q("update auth.users set banned_until = $2 where id = $1", [u.id, ban])
      return [200, userJson((await userById(u.id)) ?? u)]
    },
    "GET /admin/users/:id": async (req, _url, _body, params) => {
      await requireAdmin(req)
      return [200, userJson(await userById(params.id))]
    },
    "PUT /admin/users/:id": async (req, _url, body, params) => {
      await requireAdmin(req)
      const user = await userById(params.id)
      const email = body.email ? normEmail(body.email) : null
      if (email && email !== user.email && (await findUser(email)))
        throw new AuthError(422, "email_exists", "A user with this email address has already been registered")
      const ban = banUntil(body.ban_duration)
      if (body.password !== undefined && body.password !== null) await svc.setPassword(user.id, checkPassword(body.password), null)
      await q(
        `update auth.users set
           email = coalesce($2, email),
           email_confirmed_at = case when $3 then coalesce(email_confirmed_at, now()) else email_confirmed_at end,
           raw_user_meta_data = case when $4::jsonb is null then raw_user_meta_data else jsonb_strip_nulls(coalesce(raw_user_meta_data, '{}') || $4::jsonb) end,
           raw_app_meta_data = case when $5::jsonb is null then raw_app_meta_data else jsonb_strip_nulls(coalesce(raw_app_meta_data, '{}') || $5::jsonb) end,
           banned_until = case when $6 then $7::timestamptz else banned_until end,
           role = coalesce($8, role),
           updated_at = now()
         where id = $1`,
        [
          user.id,
          email,
          body.email_confirm === true,
          body.user_metadata === undefined ? null : JSON.stringify(meta(body.user_metadata, "user_metadata") ?? {}),
          body.app_metadata === undefined ? null : JSON.stringify(meta(body.app_metadata, "app_metadata") ?? {}),
          ban !== undefined,
          ban ?? null,
          body.role ? String(body.role) : null,
        ],
      )
      return [200, userJson(await userById(user.id))]
    },
    "DELETE /admin/users/:id": async (req, _url, body, params) => {
      await requireAdmin(req)
      const user = await userById(params.id)
      if (body.should_soft_delete === true) {
        // GoTrue's SoftDeleteUser: the row stays (foreign keys hold) but the address and sessions go.
        await q(
          "update auth.users set deleted_at = now(), email = null, encrypted_password = null, raw_user_meta_data = '{}' where id = $1",
          [user.id],
        )
        await q("delete from auth.sessions where user_id = $1", [user.id])
      } else await q("delete from auth.users where id = $1", [user.id])
      return [200, {}]
    },
  }
}

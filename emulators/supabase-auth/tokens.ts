// JWTs with Supabase's claims, refresh tokens and the password KDF of the auth emulator.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto"
import { promisify } from "node:util"
import { jwtVerify, SignJWT } from "jose"

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>
// OWASP's scrypt floor (N=2^17, r=8, p=1) costs ~150 ms; tests may lower N through the constructor.
export type KdfCost = { N: number; r: number; p: number }

export async function hashPassword(password: string, cost: KdfCost): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r })
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString("base64")}$${key.toString("base64")}`
}

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = stored?.split("$")
  if (!parts || parts.length !== 6 || parts[0] !== "scrypt") return false
  const [, N, r, p, salt, key] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(key, "base64")
  const cost = { N: Number(N), r: Number(r), p: Number(p) }
  const actual = await scrypt(password, Buffer.from(salt, "base64"), expected.length, { ...cost, maxmem: 256 * cost.N * cost.r })
  return timingSafeEqual(actual, expected)
}

export const newRefreshToken = () => randomBytes(9).toString("base64url") // GoTrue's are 12 chars
export const newOtp = () => String(100000 + (randomBytes(4).readUInt32BE() % 900000))
export const sha224 = (s: string) => createHash("sha224").update(s).digest("hex")
export const sha256url = (s: string) => createHash("sha256").update(s).digest("base64url")

export type AccessClaims = {
  sub: string
  email: string
  session_id: string
  role: string
  aal: "aal1"
  amr: { method: string; timestamp: number }[]
  app_metadata: Record<string, unknown>
  user_metadata: Record<string, unknown>
}

export class Jwt {
  private key: Uint8Array
  constructor(secret: string, private issuer: string, private ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret)
  }
  get ttl() {
    return this.ttlSeconds
  }
  async sign(claims: AccessClaims, now = Math.floor(Date.now() / 1000)) {
    return new SignJWT({ ...claims, phone: "", is_anonymous: false })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(this.issuer)
      .setAudience("authenticated")
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.key)
  }
  async verify(token: string) {
    const { payload } = await jwtVerify(token, this.key, { issuer: this.issuer, audience: "authenticated" })
    return payload as unknown as AccessClaims & { exp: number }
  }
}

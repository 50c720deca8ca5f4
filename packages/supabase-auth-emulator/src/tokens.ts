// JWTs with Supabase's claims, refresh tokens and the password KDF of the auth emulator.
import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
  type KeyObject,
} from "node:crypto"
import { promisify } from "node:util"
import { jwtVerify, SignJWT, type JWTHeaderParameters } from "jose"

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

/**
 * Access tokens as a Supabase project with asymmetric signing keys issues them: ES256 with a `kid`
 * published at /.well-known/jwks.json. The key pair is derived from the JWT secret, so tokens survive
 * an emulator restart (as the CLI's fixed local secret does). The legacy HS256 secret still verifies
 * (API keys such as service_role, and tokens signed before the switch), as on Supabase.
 */
export class Jwt {
  private secret: Uint8Array
  private privateKey: KeyObject
  readonly publicJwk: JsonWebKey & { kid: string; alg: "ES256"; use: "sig"; key_ops: ["verify"] }
  constructor(
    secret: string,
    private issuer: string,
    private ttlSeconds: number,
  ) {
    this.secret = new TextEncoder().encode(secret)
    const { jwk, kid } = deriveEcKey(secret)
    this.privateKey = createPrivateKey({ key: jwk, format: "jwk" })
    this.publicJwk = { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid, alg: "ES256", use: "sig", key_ops: ["verify"], ext: true }
  }
  get ttl() {
    return this.ttlSeconds
  }
  get kid() {
    return this.publicJwk.kid
  }
  async sign(claims: AccessClaims, now = Math.floor(Date.now() / 1000)) {
    return new SignJWT({ ...claims, phone: "", is_anonymous: false })
      .setProtectedHeader({ alg: "ES256", typ: "JWT", kid: this.kid })
      .setIssuer(this.issuer)
      .setAudience("authenticated")
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.privateKey)
  }
  /** A user's access token: ES256 by our kid or legacy HS256, our issuer, audience `authenticated`. */
  async verify(token: string) {
    const { payload } = await jwtVerify(token, this.keyFor, {
      issuer: this.issuer,
      audience: "authenticated",
      algorithms: ["ES256", "HS256"],
    })
    return payload as unknown as AccessClaims & { exp: number }
  }
  /** Any token we signed (API keys carry no issuer or audience); the caller checks `role`. */
  async verifyApiKey(token: string) {
    const { payload } = await jwtVerify(token, this.keyFor, { algorithms: ["ES256", "HS256"] })
    return payload as { role?: string; sub?: string }
  }
  private keyFor = (header: JWTHeaderParameters) => {
    if (header.alg === "HS256") return this.secret
    if (header.kid !== this.kid) throw new Error("unknown kid")
    return createPublicKey(this.privateKey)
  }
}

/** A P-256 key pair whose private scalar is a hash of the secret (mod the curve order, never 0). */
function deriveEcKey(secret: string) {
  const n = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
  const h = BigInt(`0x${createHash("sha256").update(`subkit-auth-es256:${secret}`).digest("hex")}`)
  const d = Buffer.from(((h % (n - 1n)) + 1n).toString(16).padStart(64, "0"), "hex")
  const ecdh = createECDH("prime256v1")
  ecdh.setPrivateKey(d)
  const pub = ecdh.getPublicKey() // 0x04 || x || y
  const jwk = {
    kty: "EC",
    crv: "P-256",
    d: d.toString("base64url"),
    x: pub.subarray(1, 33).toString("base64url"),
    y: pub.subarray(33).toString("base64url"),
  }
  const hex = createHash("sha256").update(pub).digest("hex")
  const kid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  return { jwk, kid }
}

/** A Supabase API key (anon or service_role): HS256 with the legacy secret, as the CLI prints them. */
export async function apiKey(secret: string, role: "anon" | "service_role") {
  return new SignJWT({ iss: "supabase-demo", role })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(1983812996)
    .sign(new TextEncoder().encode(secret))
}

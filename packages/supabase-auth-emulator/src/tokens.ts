// JWTs with Supabase's claims, refresh tokens and the password KDF of the auth emulator.
import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
  type JsonWebKey,
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

/** A JWK as GOTRUE_JWT_KEYS lists them: usually with its private part, `kid`, `alg` and `key_ops`. */
export type JwtKey = JsonWebKey & { kid?: string; alg?: string; key_ops?: string[]; use?: string; [k: string]: unknown }
/** A public key as /.well-known/jwks.json serves it (GoTrue sets `use` and `key_ops` on every one). */
export type PublicJwk = JsonWebKey & { kid?: string; alg?: string; use: "sig"; key_ops: ["verify"]; [k: string]: unknown }

// The algorithms GoTrue signs with (conf.GetSigningAlg), by key type.
const SIGNING_ALGS: Record<string, string[]> = { RSA: ["RS256", "RS512"], EC: ["ES256", "ES512"], OKP: ["EdDSA"], oct: ["HS256"] }
// A JWK's private members (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037): never in the JWKS.
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

type KeyEntry = { jwk: JwtKey; publicJwk: PublicJwk | null; verifyKey: KeyObject | Uint8Array }

/**
 * GOTRUE_JWT_KEYS (internal/conf/jwk.go): a JSON array of JWKs (a string, as the env var, or parsed). Keys are
 * held by `kid` (a later one with the same kid replaces an earlier one); exactly one has `sign` in its
 * `key_ops` and signs every token, with its `alg` (RS256, RS512, ES256, ES512, EdDSA, or HS256 for `oct`);
 * each asymmetric key's public part, with `use: "sig"` and `key_ops: ["verify"]`, is in the JWKS. Tokens are
 * accepted in the algorithms of the listed keys only.
 */
export function parseJwtKeys(input: string | JwtKey[]): { keys: Map<string, KeyEntry>; signing: JwtKey } {
  let list: unknown
  try {
    list = typeof input === "string" ? JSON.parse(input) : input
  } catch (err) {
    throw new Error(`GOTRUE_JWT_KEYS is not JSON: ${(err as Error).message}`)
  }
  if (!Array.isArray(list)) throw new Error("GOTRUE_JWT_KEYS must be a JSON array of JWKs")
  const keys = new Map<string, KeyEntry>()
  for (const raw of list as JwtKey[]) {
    if (!raw || typeof raw !== "object" || typeof raw.kty !== "string") throw new Error("GOTRUE_JWT_KEYS: every key needs a kty")
    const kid = raw.kid ?? ""
    const name = kid ? `key ${kid}` : "a key without kid"
    if (!(raw.kty in SIGNING_ALGS)) throw new Error(`GOTRUE_JWT_KEYS: ${name} has kty ${raw.kty} (RSA, EC, OKP or oct)`)
    if (raw.alg !== undefined && !SIGNING_ALGS[raw.kty]?.includes(raw.alg))
      throw new Error(`GOTRUE_JWT_KEYS: ${name} (${raw.kty}) has alg ${raw.alg}; use ${SIGNING_ALGS[raw.kty]?.join(" or ")}`)
    let verifyKey: KeyObject | Uint8Array
    let publicJwk: PublicJwk | null = null
    try {
      if (raw.kty === "oct") {
        if (typeof raw.k !== "string") throw new Error("no k")
        verifyKey = Buffer.from(raw.k, "base64url")
      } else {
        const pub = Object.fromEntries(Object.entries(raw).filter(([m]) => !PRIVATE_MEMBERS.includes(m))) as JsonWebKey
        verifyKey = createPublicKey({ key: pub, format: "jwk" })
        if (raw.d !== undefined) createPrivateKey({ key: raw, format: "jwk" })
        publicJwk = { ...pub, use: "sig", key_ops: ["verify"] } as PublicJwk
      }
    } catch (err) {
      throw new Error(`GOTRUE_JWT_KEYS: ${name} is not a valid ${raw.kty} key (${(err as Error).message})`)
    }
    keys.set(kid, { jwk: raw, publicJwk, verifyKey })
  }
  const signers = [...keys.values()].filter((k) => k.jwk.key_ops?.includes("sign"))
  // GoTrue's JwtKeysDecoder.Validate.
  if (signers.length === 0) throw new Error("GOTRUE_JWT_KEYS: no signing key detected")
  if (signers.length > 1) throw new Error("GOTRUE_JWT_KEYS: multiple signing keys detected, only 1 signing key is supported")
  const signing = (signers[0] as KeyEntry).jwk
  const private_ = signing.kty === "oct" ? signing.k : signing.d
  if (private_ === undefined) throw new Error(`GOTRUE_JWT_KEYS: the signing key ${signing.kid ?? ""} has no private part`)
  if (signing.kty !== "oct" && signing.alg === undefined)
    throw new Error(`GOTRUE_JWT_KEYS: the signing key ${signing.kid ?? ""} needs an alg (GoTrue would sign HS256 with it)`)
  return { keys, signing }
}

/**
 * Access tokens as a Supabase project with asymmetric signing keys issues them. With `keys`
 * (GOTRUE_JWT_KEYS, see parseJwtKeys) they are GoTrue's: the signing key signs, every listed key
 * verifies its own algorithm, and an HS256 token without a known kid is checked against the legacy
 * secret only when an HS256 key is listed. Without keys: ES256 with a `kid`, the key pair derived
 * from the JWT secret (so tokens survive an emulator restart, as the CLI's fixed local secret does),
 * and the legacy HS256 secret still verifies (API keys such as service_role, and tokens signed
 * before the switch), as on a Supabase project that switched to asymmetric keys.
 */
export class Jwt {
  private secret: Uint8Array
  private keys: Map<string, KeyEntry>
  private signingKey: KeyObject | Uint8Array
  private signing: { alg: string; kid?: string }
  private algorithms: string[]
  /** The public keys /.well-known/jwks.json serves. */
  readonly publicJwks: PublicJwk[]
  constructor(
    secret: string,
    private issuer: string,
    private ttlSeconds: number,
    jwtKeys?: string | JwtKey[],
  ) {
    this.secret = new TextEncoder().encode(secret)
    if (jwtKeys === undefined || (Array.isArray(jwtKeys) && jwtKeys.length === 0)) {
      const { jwk, kid } = deriveEcKey(secret)
      const publicJwk: PublicJwk = {
        kty: "EC",
        crv: "P-256",
        x: jwk.x,
        y: jwk.y,
        kid,
        alg: "ES256",
        use: "sig",
        key_ops: ["verify"],
        ext: true,
      }
      this.keys = new Map([[kid, { jwk: { ...jwk, kid }, publicJwk, verifyKey: createPublicKey({ key: jwk, format: "jwk" }) }]])
      this.signingKey = createPrivateKey({ key: jwk, format: "jwk" })
      this.signing = { alg: "ES256", kid }
      this.algorithms = ["ES256", "HS256"]
    } else {
      const { keys, signing } = parseJwtKeys(jwtKeys)
      this.keys = keys
      this.signing = { alg: signing.alg ?? "HS256", kid: signing.kid || undefined }
      this.signingKey =
        signing.kty === "oct" ? Buffer.from(String(signing.k), "base64url") : createPrivateKey({ key: signing, format: "jwk" })
      // GoTrue's JWT.ValidMethods: the algorithms of the configured keys.
      this.algorithms = [...new Set([...keys.values()].map((k) => k.jwk.alg ?? (k.jwk.kty === "oct" ? "HS256" : "")).filter(Boolean))]
    }
    this.publicJwks = [...this.keys.values()].flatMap((k) => (k.publicJwk ? [k.publicJwk] : []))
  }
  get ttl() {
    return this.ttlSeconds
  }
  /** The signing key's kid (absent when it has none). */
  get kid() {
    return this.signing.kid
  }
  get alg() {
    return this.signing.alg
  }
  async sign(claims: AccessClaims, now = Math.floor(Date.now() / 1000)) {
    return new SignJWT({ ...claims, phone: "", is_anonymous: false })
      .setProtectedHeader({ alg: this.signing.alg, typ: "JWT", ...(this.signing.kid ? { kid: this.signing.kid } : {}) })
      .setIssuer(this.issuer)
      .setAudience("authenticated")
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.signingKey)
  }
  /** The short-lived JWT the gateway forwards for a publishable or secret key: the key's role, signed as tokens are. */
  async signRole(role: "anon" | "service_role", now: number, ttlSeconds: number) {
    return new SignJWT({ role })
      .setProtectedHeader({ alg: this.signing.alg, typ: "JWT", ...(this.signing.kid ? { kid: this.signing.kid } : {}) })
      .setIssuer(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(this.signingKey)
  }
  /** A user's access token: by a known kid or the legacy HS256 secret, our issuer, audience `authenticated`. */
  async verify(token: string) {
    const { payload } = await jwtVerify(token, this.keyFor, {
      issuer: this.issuer,
      audience: "authenticated",
      algorithms: this.algorithms,
    })
    return payload as unknown as AccessClaims & { exp: number }
  }
  /** Any token we signed (API keys carry no issuer or audience); the caller checks `role`. */
  async verifyApiKey(token: string) {
    const { payload } = await jwtVerify(token, this.keyFor, { algorithms: this.algorithms })
    return payload as { role?: string; sub?: string; exp?: number }
  }
  // GoTrue's parseJWTClaims: the key of a known kid, else the secret for HS256.
  private keyFor = (header: JWTHeaderParameters) => {
    const known = header.kid === undefined ? undefined : this.keys.get(header.kid)
    if (known) return known.verifyKey
    if (header.alg === "HS256") return this.secret
    throw new Error(`unrecognized JWT kid ${header.kid} for algorithm ${header.alg}`)
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

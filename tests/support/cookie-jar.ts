// next/headers for server actions run outside a request: a cookie jar stands in for the browser's, so
// the actions read and write the session as they do in one. Use it with
//   vi.mock("next/headers", () => import("../support/cookie-jar"))
// and import { jar } from this module to read or clear the cookies.
export const jar = new Map<string, string>()

export async function cookies() {
  return {
    getAll: () => [...jar].map(([name, value]) => ({ name, value })),
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined),
    set: (name: string, value: string, options?: { maxAge?: number }) => {
      if (!value || options?.maxAge === 0) jar.delete(name)
      else jar.set(name, value)
    },
  }
}

export async function headers() {
  return new Headers()
}

/** The value, or a failed test that says what was missing (instead of a `!` that fails later, vaguely). */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}`)
  return value
}

// Test card numbers.
/** A Luhn-valid Visa test number of its own: one card per person, as the one-trial-per-card rule sees cards. */
export function uniqueCardNumber(): string {
  const body = `4${String(Math.floor(Math.random() * 1e14)).padStart(14, "0")}`
  const sum = [...body].reverse().reduce((acc, ch, i) => {
    let d = Number(ch)
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    return acc + d
  }, 0)
  return body + String((10 - (sum % 10)) % 10)
}

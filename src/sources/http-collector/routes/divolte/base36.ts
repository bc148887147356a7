// Numbers as divolte.js writes them: JavaScript's `n.toString(36)`, so a leading `-` for negatives
// and, for fractions, a `.` before the fraction digits (../shared/protocols.md, Divolte section).

const DIGITS = /^-?[0-9a-z]+$/i
const NUMBER = /^-?[0-9a-z]+(?:\.[0-9a-z]+)?$/i

function digitsValue(digits: string): number {
  let n = 0
  for (const ch of digits) {
    n = n * 36 + Number.parseInt(ch, 36)
    // Past 2^53 the value is no longer exact; callers get null rather than a wrong number.
    if (n > Number.MAX_SAFE_INTEGER) return Number.NaN
  }
  return n
}

/** A base-36 integer, or null when `text` is not one or is beyond ±2^53. */
export function parseBase36Int(text: string): number | null {
  if (!DIGITS.test(text)) return null
  const negative = text.startsWith('-')
  const n = digitsValue(negative ? text.slice(1) : text)
  if (Number.isNaN(n)) return null
  return negative ? -n : n
}

/** A base-36 number with an optional fraction (`1.i` is 1.5), or null when `text` is not one. */
export function parseBase36(text: string): number | null {
  if (!NUMBER.test(text)) return null
  const negative = text.startsWith('-')
  const [whole = '', fraction = ''] = (negative ? text.slice(1) : text).split('.')
  const n = digitsValue(whole)
  if (Number.isNaN(n)) return null
  let f = 0
  let scale = 1 / 36
  for (const ch of fraction) {
    f += Number.parseInt(ch, 36) * scale
    scale /= 36
  }
  const value = n + f
  return negative ? -value : value
}

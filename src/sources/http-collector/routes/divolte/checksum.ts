// Divolte's request checksum `x`: a MurmurHash3 of every other query parameter, which shows when a
// proxy cut the request short (not tampering: anyone can compute it). Rules: ../shared/protocols.md.
import { parseBase36Int } from './base36.ts'
import { murmur3Signed } from './murmur3.ts'

/**
 * The text the checksum hashes: every parameter but `x`, sorted by name; for each, its name, `=`,
 * each value followed by `,`, then `;` (`{a: "1", b: "2"}` gives `a=1,;b=2,;`).
 */
export function checksumText(params: URLSearchParams): string {
  const names = [...new Set(params.keys())].filter((n) => n !== 'x').sort()
  let text = ''
  for (const name of names) {
    text += `${name}=`
    for (const value of params.getAll(name)) text += `${value},`
    text += ';'
  }
  return text
}

/** The checksum a client computes for these parameters, written as `x` (base 36, signed). */
export function checksumParam(params: URLSearchParams): string {
  return murmur3Signed(checksumText(params)).toString(36)
}

/** True when `x` is present and matches the other parameters. */
export function checksumMatches(params: URLSearchParams): boolean {
  const x = params.get('x')
  if (x === null) return false
  const claimed = parseBase36Int(x)
  return claimed !== null && claimed === murmur3Signed(checksumText(params))
}

// The length of a parsed JSON value once serialized, checked against a limit without serializing it
// in the common case: a cheap upper bound first, JSON.stringify only when the bound passes the limit.

/** Nesting past this is left to JSON.stringify (the bound's recursion stays shallow). */
const MAX_BOUND_DEPTH = 32

/**
 * An upper bound of `JSON.stringify(value).length` for a value from JSON.parse, or a number over
 * `limit` as soon as the bound passes it. A string serializes to at most 6 characters per UTF-16
 * unit plus quotes (`\u001f`, lone surrogates), a number to at most 24 (`-2.2250738585072014e-308`).
 * It bounds the UTF-8 byte length too: a UTF-16 unit takes at most 3 bytes, an escape 6.
 */
export function jsonLengthBound(value: unknown, limit: number): number {
  return bound(value, limit, 0)
}

function bound(v: unknown, limit: number, depth: number): number {
  if (typeof v === 'string') return 6 * v.length + 2
  if (typeof v === 'number') return 24
  if (typeof v === 'boolean') return 5
  if (typeof v !== 'object' || v === null) return 4
  if (depth >= MAX_BOUND_DEPTH) return Number.POSITIVE_INFINITY
  let n = 2
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && n <= limit; i++) n += bound(v[i], limit - n, depth + 1) + 1
    return n
  }
  const o = v as Record<string, unknown>
  for (const k in o) {
    n += 6 * k.length + 4 + bound(o[k], limit - n, depth + 1)
    if (n > limit) return n
  }
  return n
}

/**
 * The serialized length of `value` when it is over `limit`, else null. A value JSON.stringify cannot
 * serialize (nesting deep enough to overflow it) counts as within the limit: such a value is refused
 * by the checks that look at its content.
 */
export function jsonLengthOver(value: unknown, limit: number): number | null {
  return over(value, limit, (json) => json.length)
}

/** Like {@link jsonLengthOver}, in UTF-8 bytes of the serialized value. */
export function jsonBytesOver(value: unknown, limit: number): number | null {
  return over(value, limit, (json) => Buffer.byteLength(json))
}

function over(value: unknown, limit: number, size: (json: string) => number): number | null {
  if (jsonLengthBound(value, limit) <= limit) return null
  let n: number
  try {
    n = size(JSON.stringify(value) ?? 'null')
  } catch {
    return null
  }
  return n > limit ? n : null
}

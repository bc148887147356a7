// The static-asset rule of the access-log formats: is the extension of a request path's last segment
// one of the excluded ones? Decided on the line in place: most lines of a real log are assets, and
// cutting the extension out and lower-casing it made two strings per line only to look them up.

/** The lower-case extension of the path in `line[start, end)` ('' when none): the rule's reference. */
export function extensionAt(line: string, start: number, end: number): string {
  const from = extensionStart(line, start, end)
  return from < 0 ? '' : line.slice(from, extensionEnd).toLowerCase()
}

/** The end of the extension found by the last {@link extensionStart} (module state: no array per call). */
let extensionEnd = 0

/**
 * Where the extension of `line[start, end)` starts (-1: none): after the last '.' of the last path
 * segment, before any query or fragment; it ends at {@link extensionEnd}.
 */
function extensionStart(line: string, start: number, end: number): number {
  let pathEnd = end
  for (let k = start; k < end; k++) {
    const c = line.charCodeAt(k)
    if (c === 63 || c === 35) {
      pathEnd = k
      break
    }
  }
  // The segment must not start with the '.' (`/.well-known` has no extension).
  for (let k = pathEnd - 1; k > start; k--) {
    const c = line.charCodeAt(k)
    if (c === 47) return -1
    if (c === 46) {
      if (line.charCodeAt(k - 1) === 47) return -1
      extensionEnd = pathEnd
      return k + 1
    }
  }
  return -1
}

/** Longest extension held as a number (37^8 < 2^53). */
const MAX_CODED = 8

/**
 * `line[from, to)` lower-cased (ASCII letters only) as a number in base 37 over [0-9a-z]; -1 when it
 * holds another ASCII character (no configured extension has one), -2 when it holds a non-ASCII one
 * (whose lower case only toLowerCase knows: the Kelvin sign becomes `k`).
 */
function extensionCode(line: string, from: number, to: number): number {
  let code = 0
  for (let k = from; k < to; k++) {
    let c = line.charCodeAt(k)
    if (c > 127) return -2
    if (c >= 65 && c <= 90) c += 32
    let digit: number
    if (c >= 48 && c <= 57) digit = c - 47
    else if (c >= 97 && c <= 122) digit = c - 86
    else return -1
    code = code * 37 + digit
  }
  return code
}

/**
 * The rule for `extensions`: a function telling whether the request target `line[start, end)` is a
 * static asset, with the answer of `extensions.includes(extensionAt(line, start, end))`.
 */
export function assetRule(
  extensions: readonly string[],
): (line: string, start: number, end: number) => boolean {
  const names = new Set(extensions)
  const codes = new Set<number>()
  // Configured extensions are lower-case [a-z0-9] (the config schema); any other one is looked up by name.
  let byName = false
  for (const e of names) {
    if (e.length === 0 || e.length > MAX_CODED || extensionCode(e, 0, e.length) < 0 || e !== e.toLowerCase())
      byName = true
    else codes.add(extensionCode(e, 0, e.length))
  }
  if (names.size === 0) return () => false
  if (byName) return (line, start, end) => names.has(extensionAt(line, start, end))
  return (line, start, end) => {
    const from = extensionStart(line, start, end)
    if (from < 0) return false
    const to = extensionEnd
    // Longer than any configured one in ASCII; lower-casing other characters may change lengths.
    const code = to - from > MAX_CODED ? -2 : extensionCode(line, from, to)
    if (code >= 0) return codes.has(code)
    return code === -2 && names.has(line.slice(from, to).toLowerCase())
  }
}

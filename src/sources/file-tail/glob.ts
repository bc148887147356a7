// File name patterns of a file group: `*` (any run of characters), `?` (one character) and
// `{a,b}` (alternatives), matched against names within one directory (no `/`).

/** A RegExp matching whole file names against `glob`. */
export function globToRegExp(glob: string): RegExp {
  let re = ''
  let inBraces = false
  for (const c of glob) {
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '{') {
      inBraces = true
      re += '(?:'
    } else if (c === '}' && inBraces) {
      inBraces = false
      re += ')'
    } else if (c === ',' && inBraces) re += '|'
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

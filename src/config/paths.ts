// Formats config locations the way people read them: `sinks.store.inputs[0]`.

/** Joins path segments into a readable config path. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = ''
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`
    else out += out === '' ? String(s) : `.${String(s)}`
  }
  return out
}

// Fills one column of a DuckDB data chunk from JS values with a few native calls per column instead
// of one per value: the appender's per-value calls were most of the sink's cost (bench/store.ts).
// Works on @duckdb/node-bindings directly (the version @duckdb/node-api pins) because the node-api
// vector classes still make one native call per string and allocate a value object per timestamp.
import bindings, { type Vector } from '@duckdb/node-bindings'

/** Rows per data chunk: DuckDB's vector size (2048), the most one chunk holds. */
export const CHUNK_ROWS = bindings.vector_size()

/** DuckDB's string_t is 16 bytes: a uint32 length, then up to 12 bytes inline or a prefix + pointer. */
const STRING_T = 16
const INLINE_MAX = 12
const TWO_32 = 4294967296

// Scratch buffers reused for every column: a fill is synchronous, so no two fills share them at once.
const strings = new Uint8Array(CHUNK_ROWS * STRING_T)
const stringsView = new DataView(strings.buffer)
const words = new Int32Array(CHUNK_ROWS * 2)
const bytes = new Uint8Array(CHUNK_ROWS)
const validity = new Int32Array(Math.ceil(CHUNK_ROWS / 32))
// Long strings of one column: their bytes, and per long row its row, offset and length in the blob.
let blob: Buffer = Buffer.allocUnsafe(256 * 1024)
const longRow = new Int32Array(CHUNK_ROWS)
const longOffset = new Int32Array(CHUNK_ROWS)
const longLength = new Int32Array(CHUNK_ROWS)

/**
 * Writes `s` as an inline string_t at byte `at` if it is ASCII (then its UTF-8 length is its length);
 * false for other text, which takes the native path. No allocation: this runs for most values.
 */
function inlineAscii(s: string, at: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i)
    if (ch > 0x7f) {
      strings.fill(0, at + 4, at + STRING_T)
      return false
    }
    strings[at + 4 + i] = ch
  }
  stringsView.setUint32(at, s.length, true)
  return true
}

/** Marks row `r` null in the scratch validity mask. */
function setNull(r: number): void {
  validity[r >>> 5]! &= ~(1 << (r & 31))
}

function flushValidity(vec: Vector, n: number, anyNull: boolean): void {
  if (!anyNull) return
  bindings.vector_ensure_validity_writable(vec)
  bindings.copy_data_to_vector_validity(vec, 0, validity.buffer, 0, Math.ceil(n / 64) * 8)
}

/**
 * A VARCHAR (or JSON) column from the first `n` of `values` (text or null), with one native call
 * however many rows (a call per string cost ~200 ns, most of the encoding time). Strings of up to 12
 * bytes are written inline into the string_t array; longer ones are concatenated as UTF-8 into one
 * blob that DuckDB copies into the vector's own string heap as row 0's value, and every long row's
 * string_t then points into that copy (DuckDB's layout: uint32 length, 4-byte prefix, 8-byte
 * pointer). The heap lives as long as the chunk, and the appender copies the strings it references.
 */
export function fillStrings(vec: Vector, n: number, values: readonly (string | null)[]): void {
  strings.fill(0, 0, n * STRING_T)
  validity.fill(-1)
  let anyNull = false
  let used = 0
  let longRows = 0
  let prev: string | null = null
  let prevOffset = 0
  let prevLength = 0
  for (let r = 0; r < n; r++) {
    const s = values[r]!
    if (s === null) {
      setNull(r)
      anyNull = true
      continue
    }
    const at = r * STRING_T
    if (s.length <= INLINE_MAX && inlineAscii(s, at)) continue
    // Consecutive rows often share a value (site, user agent): reuse its bytes, === is cheap.
    if (s !== prev) {
      if (blob.length < used + s.length * 3) blob = growBlob(used + s.length * 3)
      const length = blob.write(s, used, 'utf8')
      if (length <= INLINE_MAX) {
        // Short but not ASCII: fits inline once encoded.
        strings.set(blob.subarray(used, used + length), at + 4)
        stringsView.setUint32(at, length, true)
        continue
      }
      prev = s
      prevOffset = used
      prevLength = length
      used += length
    }
    longOffset[longRows] = prevOffset
    longLength[longRows] = prevLength
    longRow[longRows++] = r
  }
  if (longRows > 0) {
    bindings.vector_assign_string_element_len(vec, 0, blob.subarray(0, used))
    // Where DuckDB put the blob: the pointer in row 0's string_t (read back as a copy).
    const head = new DataView(bindings.vector_get_data(vec, STRING_T).buffer)
    const low = head.getUint32(8, true)
    const high = head.getUint32(12, true)
    for (let k = 0; k < longRows; k++) {
      const at = longRow[k]! * STRING_T
      const offset = longOffset[k]!
      stringsView.setUint32(at, longLength[k]!, true)
      strings[at + 4] = blob[offset]!
      strings[at + 5] = blob[offset + 1]!
      strings[at + 6] = blob[offset + 2]!
      strings[at + 7] = blob[offset + 3]!
      const sum = low + offset
      stringsView.setUint32(at + 8, sum >>> 0, true)
      stringsView.setUint32(at + 12, (high + (sum > 0xffffffff ? 1 : 0)) >>> 0, true)
    }
  }
  bindings.copy_data_to_vector(vec, 0, strings.buffer, 0, n * STRING_T)
  flushValidity(vec, n, anyNull)
}

function growBlob(size: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(size, blob.length * 2))
  blob.copy(bigger)
  return bigger
}

/**
 * A TIMESTAMP column from epoch milliseconds (microseconds in DuckDB). The int64 is written as two
 * int32 halves to avoid a BigInt per value; exact while |micros| < 2^53 (until the year 2255).
 */
export function fillTimestamps(vec: Vector, n: number, values: readonly (number | null)[]): void {
  validity.fill(-1)
  let anyNull = false
  for (let r = 0; r < n; r++) {
    const ms = values[r]!
    if (ms === null) {
      setNull(r)
      anyNull = true
      words[2 * r] = 0
      words[2 * r + 1] = 0
      continue
    }
    const micros = Math.trunc(ms) * 1000
    const high = Math.floor(micros / TWO_32)
    words[2 * r] = (micros - high * TWO_32) | 0
    words[2 * r + 1] = high
  }
  bindings.copy_data_to_vector(vec, 0, words.buffer, 0, n * 8)
  flushValidity(vec, n, anyNull)
}

/** A BOOLEAN column; there are no nulls (an absent flag is false). */
export function fillBooleans(vec: Vector, n: number, values: readonly boolean[]): void {
  for (let r = 0; r < n; r++) bytes[r] = values[r] ? 1 : 0
  bindings.copy_data_to_vector(vec, 0, bytes.buffer, 0, n)
}

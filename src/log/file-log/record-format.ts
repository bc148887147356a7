// On-disk record format of the simple file log: a length, a CRC-32 of the body, then the body
// (timestamp, key, value). Pure functions, unit-tested without files.
import { crc32 } from 'node:zlib'

/** Bytes before the body: u32 body length + u32 CRC-32 of the body. */
export const HEADER_BYTES = 8
/** Fixed part of the body: f64 timestamp + i32 key length (-1 = null key). */
const BODY_FIXED_BYTES = 12
/** Largest record we accept; anything bigger in a header means a corrupt length. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024

/** Encodes one record into its on-disk bytes. */
export function encodeRecord(timestamp: number, key: string | null, value: Buffer): Buffer {
  const keyBytes = key === null ? null : Buffer.from(key, 'utf8')
  const bodyLength = BODY_FIXED_BYTES + (keyBytes?.length ?? 0) + value.length
  const buf = Buffer.allocUnsafe(HEADER_BYTES + bodyLength)
  buf.writeUInt32BE(bodyLength, 0)
  buf.writeDoubleBE(timestamp, 8)
  buf.writeInt32BE(keyBytes === null ? -1 : keyBytes.length, 16)
  let at = 20
  if (keyBytes) at += keyBytes.copy(buf, at)
  value.copy(buf, at)
  buf.writeUInt32BE(crc32(buf.subarray(HEADER_BYTES)), 4)
  return buf
}

/** A record decoded from bytes, or why the bytes at that place are not a whole valid record. */
export type DecodeResult =
  | {
      readonly ok: true
      readonly size: number
      readonly timestamp: number
      readonly key: string | null
      readonly value: Buffer
    }
  | { readonly ok: false; readonly reason: 'incomplete' | 'bad_length' | 'bad_crc' }

/** Decodes the record starting at `at` in `buf`. */
export function decodeRecord(buf: Buffer, at: number): DecodeResult {
  if (buf.length - at < HEADER_BYTES) return { ok: false, reason: 'incomplete' }
  const bodyLength = buf.readUInt32BE(at)
  if (bodyLength < BODY_FIXED_BYTES || bodyLength > MAX_RECORD_BYTES)
    return { ok: false, reason: 'bad_length' }
  const end = at + HEADER_BYTES + bodyLength
  if (end > buf.length) return { ok: false, reason: 'incomplete' }
  const body = buf.subarray(at + HEADER_BYTES, end)
  if (crc32(body) !== buf.readUInt32BE(at + 4)) return { ok: false, reason: 'bad_crc' }
  const timestamp = body.readDoubleBE(0)
  const keyLength = body.readInt32BE(8)
  if (keyLength > bodyLength - BODY_FIXED_BYTES) return { ok: false, reason: 'bad_length' }
  const key = keyLength < 0 ? null : body.toString('utf8', 12, 12 + keyLength)
  const value = body.subarray(12 + Math.max(keyLength, 0))
  return { ok: true, size: HEADER_BYTES + bodyLength, timestamp, key, value }
}

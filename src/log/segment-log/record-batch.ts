// Kafka's record batch, message format v2 (magic 2), which is also our on-disk format: a later Kafka
// wire-protocol listener can serve these bytes to Kafka clients as they are. Layout (big-endian):
//   0 baseOffset i64 | 8 batchLength i32 (bytes after this field) | 12 partitionLeaderEpoch i32
//   16 magic i8 = 2 | 17 crc u32 = CRC-32C of bytes 21..end | 21 attributes i16 (bits 0-2 compression)
//   23 lastOffsetDelta i32 | 27 baseTimestamp i64 | 35 maxTimestamp i64 | 43 producerId i64 = -1
//   51 producerEpoch i16 = -1 | 53 baseSequence i32 = -1 | 57 recordCount i32 | 61 records
// Record: length varint | attributes i8 | timestampDelta varlong | offsetDelta varint
//   | keyLength varint (-1 = null) | key | valueLength varint | value | headerCount varint (0 here)
import { crc32c } from '@node-rs/crc32'
import type { LogRecord } from '../log.ts'
import { COMPRESSION_CODES, type CompressionName, compress, decompress } from './compression.ts'
import { VarintReader, varintSize, writeVarint } from './varint.ts'

/** Bytes before the records: the fixed batch header. */
export const BATCH_HEADER_BYTES = 61
/** baseOffset + batchLength: the part not counted in batchLength. */
const LOG_OVERHEAD = 12
const CRC_AT = 17
const ATTRIBUTES_AT = 21
/** Largest batch we accept when reading; a bigger length field means corruption. */
export const MAX_BATCH_BYTES = 256 * 1024 * 1024

/**
 * A record ready to be written. The key is its UTF-8 bytes, or a string when it is ASCII-only (one
 * byte per character: the common visitor id is then written without a Buffer of its own per record).
 */
export interface PreparedRecord {
  readonly key: Buffer | string | null
  readonly value: Buffer
  readonly timestamp: number
}

/** The fixed fields of a batch header. */
export interface BatchHeader {
  readonly baseOffset: number
  /** Whole batch size in bytes, baseOffset and batchLength included. */
  readonly size: number
  readonly crc: number
  readonly attributes: number
  readonly compression: number
  readonly lastOffsetDelta: number
  readonly baseTimestamp: number
  readonly maxTimestamp: number
  readonly recordCount: number
}

/** What lies at a position: a whole batch header, too few bytes to tell, or damage. */
export type HeaderResult =
  | { readonly kind: 'ok'; readonly header: BatchHeader }
  | { readonly kind: 'incomplete'; readonly need: number }
  | { readonly kind: 'corrupt'; readonly reason: 'bad_length' | 'bad_magic' | 'bad_header' }

/**
 * Encodes records into one batch whose first record gets offset `baseOffset`. An uncompressed batch
 * is built in `scratch(size)` when given (a buffer the caller reuses once the batch is written).
 */
export async function encodeBatch(
  baseOffset: number,
  records: readonly PreparedRecord[],
  compression: CompressionName = 'none',
  scratch?: (size: number) => Buffer,
): Promise<Buffer> {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record')
  const baseTimestamp = Math.trunc(records[0]!.timestamp)
  // One pass over the records, into a buffer of their largest possible size: a record's fields
  // other than key and value take at most 32 bytes (length 5, attributes 1, timestamp delta 10,
  // offset delta 5, key length 5, value length 5, header count 1).
  let bound = 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    bound += 32 + (r.key === null ? 0 : r.key.length) + r.value.length
  }
  const plain = compression === 'none'
  // Uncompressed records go straight into the batch buffer; compressed ones into a scratch buffer.
  const out =
    plain && scratch
      ? scratch(BATCH_HEADER_BYTES + bound)
      : Buffer.allocUnsafe(plain ? BATCH_HEADER_BYTES + bound : bound)
  let maxTimestamp = baseTimestamp
  let at = plain ? BATCH_HEADER_BYTES : 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    const ts = Math.trunc(r.timestamp)
    if (ts > maxTimestamp) maxTimestamp = ts
    const key = r.key
    const keyLength = key === null ? -1 : key.length // a string key is ASCII: chars = bytes
    const value = r.value
    const delta = ts - baseTimestamp
    const body =
      1 +
      varintSize(delta) +
      varintSize(i) +
      varintSize(keyLength) +
      Math.max(keyLength, 0) +
      varintSize(value.length) +
      value.length +
      1
    at = writeVarint(out, body, at)
    out[at++] = 0
    at = writeVarint(out, delta, at)
    at = writeVarint(out, i, at)
    at = writeVarint(out, keyLength, at)
    if (typeof key === 'string') for (let c = 0; c < key.length; c++) out[at++] = key.charCodeAt(c)
    else if (key !== null) {
      out.set(key, at)
      at += key.length
    }
    // TypedArray#set: the same memmove as Buffer#copy, without its argument handling in JS.
    at = writeVarint(out, value.length, at)
    out.set(value, at)
    at += value.length
    out[at++] = 0
  }
  let batch = out.subarray(0, at)
  if (!plain) {
    const packed = await compress(compression, batch)
    batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + packed.length)
    packed.copy(batch, BATCH_HEADER_BYTES)
  }
  writeHeader(batch, baseOffset, COMPRESSION_CODES[compression], records.length, baseTimestamp, maxTimestamp)
  return batch
}

function writeHeader(
  b: Buffer,
  baseOffset: number,
  code: number,
  count: number,
  baseTimestamp: number,
  maxTimestamp: number,
): void {
  b.writeBigInt64BE(BigInt(baseOffset), 0)
  b.writeInt32BE(b.length - LOG_OVERHEAD, 8)
  b.writeInt32BE(0, 12) // partition leader epoch: a single node is always leader of epoch 0
  b.writeInt8(2, 16)
  b.writeInt16BE(code, ATTRIBUTES_AT) // create-time timestamps, not transactional, not control
  b.writeInt32BE(count - 1, 23)
  b.writeBigInt64BE(BigInt(baseTimestamp), 27)
  b.writeBigInt64BE(BigInt(maxTimestamp), 35)
  b.writeBigInt64BE(-1n, 43) // producerId, producerEpoch, baseSequence: -1, no idempotent producer
  b.writeInt16BE(-1, 51)
  b.writeInt32BE(-1, 53)
  b.writeInt32BE(count, 57)
  b.writeUInt32BE(crc32c(b.subarray(ATTRIBUTES_AT)), CRC_AT)
}

/** Reads the header of the batch starting at `at`, checking lengths and magic (not the CRC). */
export function readBatchHeader(buf: Buffer, at: number): HeaderResult {
  const left = buf.length - at
  if (left < LOG_OVERHEAD + 5) return { kind: 'incomplete', need: BATCH_HEADER_BYTES }
  const size = buf.readInt32BE(at + 8) + LOG_OVERHEAD
  if (size < BATCH_HEADER_BYTES || size > MAX_BATCH_BYTES) return { kind: 'corrupt', reason: 'bad_length' }
  if (buf[at + 16] !== 2) return { kind: 'corrupt', reason: 'bad_magic' }
  if (left < size) return { kind: 'incomplete', need: size }
  const attributes = buf.readInt16BE(at + ATTRIBUTES_AT)
  const lastOffsetDelta = buf.readInt32BE(at + 23)
  const recordCount = buf.readInt32BE(at + 57)
  const baseOffset = Number(buf.readBigInt64BE(at))
  if (lastOffsetDelta < 0 || recordCount < 0 || baseOffset < 0)
    return { kind: 'corrupt', reason: 'bad_header' }
  return {
    kind: 'ok',
    header: {
      baseOffset,
      size,
      crc: buf.readUInt32BE(at + CRC_AT),
      attributes,
      compression: attributes & 0x07,
      lastOffsetDelta,
      baseTimestamp: Number(buf.readBigInt64BE(at + 27)),
      maxTimestamp: Number(buf.readBigInt64BE(at + 35)),
      recordCount,
    },
  }
}

/** True when the batch at `at` (whose header is `h`) carries a matching CRC-32C. */
export function batchCrcOk(buf: Buffer, at: number, h: BatchHeader): boolean {
  return crc32c(buf.subarray(at + ATTRIBUTES_AT, at + h.size)) === h.crc
}

/** The (decompressed) records section of a batch; a Promise only for compressed batches. */
export function recordsSection(buf: Buffer, at: number, h: BatchHeader): Buffer | Promise<Buffer> {
  const section = buf.subarray(at + BATCH_HEADER_BYTES, at + h.size)
  return h.compression === 0 ? section : decompress(h.compression, section)
}

/**
 * Decodes the records of a batch from its records section, appending to `out` those with offset >=
 * `fromOffset`, at most `max` of them. Returns how many it appended.
 */
export function decodeRecords(
  section: Buffer,
  h: BatchHeader,
  partition: number,
  fromOffset: number,
  max: number,
  out: LogRecord[],
): number {
  const r = new VarintReader(section)
  const fast = section as Buffer & Utf8Slicer
  let added = 0
  for (let i = 0; i < h.recordCount && added < max; i++) {
    const length = r.varint()
    const end = r.pos + length
    if (end > section.length) throw new RangeError('record runs past the end of its batch')
    r.pos++ // record attributes: unused by Kafka so far
    const timestamp = h.baseTimestamp + r.varint()
    const offset = h.baseOffset + r.varint()
    if (offset < fromOffset) {
      r.pos = end
      continue
    }
    const keyLength = r.varint()
    let key: string | null = null
    if (keyLength >= 0) {
      if (r.pos + keyLength > end) throw new RangeError('record key runs past the end of its record')
      key = fast.utf8Slice(r.pos, r.pos + keyLength)
      r.pos += keyLength
    }
    const valueLength = r.varint()
    if (r.pos + valueLength > end) throw new RangeError('record value runs past the end of its record')
    // A null value (a Kafka tombstone) reads as empty: our records always carry one.
    const value = valueLength < 0 ? Buffer.alloc(0) : section.subarray(r.pos, r.pos + valueLength)
    r.pos = end // headers, if a Kafka client wrote any, are skipped
    out.push({ partition, offset, timestamp, key, value })
    added++
  }
  return added
}

/**
 * The records from offset `from` on, at most `max`, of runs of whole batches (what
 * `readBatchBytes` returns, after a trip to another thread). Throws on bytes that are not batches.
 */
export async function decodeBatchBytes(
  chunks: readonly Uint8Array[],
  partition: number,
  from: number,
  max: number,
): Promise<LogRecord[]> {
  const out: LogRecord[] = []
  for (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    for (let at = 0; at < buf.length && out.length < max; ) {
      const r = readBatchHeader(buf, at)
      if (r.kind !== 'ok') throw new RangeError(`not a whole record batch at byte ${at} (${r.kind})`)
      const section = recordsSection(buf, at, r.header)
      decodeRecords(
        section instanceof Promise ? await section : section,
        r.header,
        partition,
        from,
        max - out.length,
        out,
      )
      at += r.header.size
    }
  }
  return out
}

/**
 * Buffer's own UTF-8 decoder without toString's argument handling (a measurable share of a read:
 * one key per record); the bounds are checked by the caller.
 */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string
}

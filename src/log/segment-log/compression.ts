// Batch compression codecs, by Kafka's attribute code (bits 0-2 of a record batch's attributes).
// gzip comes from node:zlib; lz4 (frame format, as Kafka writes it) from lz4-napi. Both run off the
// event loop (zlib's thread pool, napi-rs async tasks), so compressing a big batch never stalls it.
import { promisify } from 'node:util'
import { gunzip, gzip } from 'node:zlib'
import { compressFrame, decompressFrame } from 'lz4-napi'

/** Compression names accepted in config. */
export type CompressionName = 'none' | 'gzip' | 'lz4'

/** Kafka's compression codes in a batch's attributes. */
export const COMPRESSION_CODES: Readonly<Record<CompressionName, number>> = { none: 0, gzip: 1, lz4: 3 }

const NAMES: Readonly<Record<number, CompressionName>> = { 0: 'none', 1: 'gzip', 3: 'lz4' }

const gzipAsync = promisify(gzip)
const gunzipAsync = promisify(gunzip)

/** Compresses a batch's records section. */
export async function compress(name: CompressionName, data: Buffer): Promise<Buffer> {
  switch (name) {
    case 'none':
      return data
    case 'gzip':
      // Level 1: event JSON compresses well already at the fastest level; the log is on the ack path.
      return gzipAsync(data, { level: 1 })
    case 'lz4':
      return compressFrame(data)
  }
}

/** Decompresses a records section written with Kafka compression code `code`. */
export async function decompress(code: number, data: Buffer): Promise<Buffer> {
  switch (NAMES[code]) {
    case 'none':
      return data
    case 'gzip':
      return gunzipAsync(data)
    case 'lz4':
      return decompressFrame(data)
    default:
      // snappy (2) and zstd (4) are valid Kafka codes that this build cannot read.
      throw new Error(`record batch uses compression code ${code}, which this build does not support`)
  }
}

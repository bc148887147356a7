// Walks the record batches of a segment file from a byte position, reading in chunks: used by
// recovery (verify every CRC, find the valid end), by reads (find the batches holding an offset)
// and by the read-only CLI reader. It stops at the end, at a torn batch, or at damage, and says which.
import type { LogFile } from './fs-facade.ts'
import { readFully } from './fs-facade.ts'
import { type BatchHeader, batchCrcOk, readBatchHeader } from './record-batch.ts'

/** A batch found by a scan: its header and the buffer holding it at `at`. */
export interface ScannedBatch {
  /** Byte position of the batch in the file. */
  readonly position: number
  readonly header: BatchHeader
  readonly buf: Buffer
  readonly at: number
}

/** Why a scan stopped. `torn_tail`: the last batch is cut short; the others name damage. */
export type ScanStopReason =
  | 'end'
  | 'visitor'
  | 'torn_tail'
  | 'bad_length'
  | 'bad_magic'
  | 'bad_header'
  | 'bad_crc'

/** Where and why a scan stopped; `position` is the end of the last whole, valid batch visited. */
export interface ScanResult {
  readonly position: number
  readonly reason: ScanStopReason
}

/** Scan settings. */
export interface ScanOptions {
  /** Verify each batch's CRC-32C (recovery, external readers) or trust it (reads of durable data). */
  readonly verifyCrc: boolean
  /** Bytes per read; a bigger batch is read whole anyway. */
  readonly chunkBytes?: number
  /** Where reads go (a consumer's ReadArena); fresh buffers otherwise. */
  readonly take?: (size: number) => Buffer
}

/**
 * Visits the batches between byte `from` and `until` (exclusive) of `file`. `visit` returns false to
 * stop before the next batch.
 */
export async function scanBatches(
  file: LogFile,
  from: number,
  until: number,
  options: ScanOptions,
  visit: (b: ScannedBatch) => boolean | undefined,
): Promise<ScanResult> {
  const chunk = options.chunkBytes ?? 1024 * 1024
  let position = from
  while (position < until) {
    const buf = await readFully(file, Math.min(chunk, until - position), position, options.take)
    let at = 0
    let needMore = 0
    while (at < buf.length) {
      const r = readBatchHeader(buf, at)
      if (r.kind === 'corrupt') return { position: position + at, reason: r.reason }
      if (r.kind === 'incomplete') {
        if (position + at + r.need > until || buf.length < Math.min(chunk, until - position))
          return { position: position + at, reason: 'torn_tail' }
        needMore = r.need
        break
      }
      if (options.verifyCrc && !batchCrcOk(buf, at, r.header))
        return { position: position + at, reason: 'bad_crc' }
      if (visit({ position: position + at, header: r.header, buf, at }) === false)
        return { position: position + at + r.header.size, reason: 'visitor' }
      at += r.header.size
    }
    if (at === 0 && needMore > 0) {
      // One batch bigger than a chunk: read exactly it.
      const whole = await readFully(file, needMore, position, options.take)
      if (whole.length < needMore) return { position, reason: 'torn_tail' }
      const r = readBatchHeader(whole, 0)
      if (r.kind !== 'ok') return { position, reason: r.kind === 'corrupt' ? r.reason : 'torn_tail' }
      if (options.verifyCrc && !batchCrcOk(whole, 0, r.header)) return { position, reason: 'bad_crc' }
      if (visit({ position, header: r.header, buf: whole, at: 0 }) === false)
        return { position: position + r.header.size, reason: 'visitor' }
      position += r.header.size
      continue
    }
    position += at
  }
  return { position, reason: 'end' }
}

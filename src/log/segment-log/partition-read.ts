// Reading a partition: find the segment holding an offset, start at the nearest indexed batch (or
// where the previous read stopped, which is how a consumer reading in order skips the index), scan
// forward, decode. Only durable bytes are read: a segment's `size` moves only after an fsync.
import { OffsetOutOfRangeError } from '../../core/errors.ts'
import type { LogRecord } from '../log.ts'
import { type ScannedBatch, scanBatches } from './batch-scan.ts'
import type { Partition } from './partition.ts'
import { decodeRecords, recordsSection } from './record-batch.ts'
import type { Segment } from './segment.ts'

/** Where the last read of a partition stopped: the batch at `position` starts at `baseOffset`. */
export interface ReadCursor {
  segment: Segment | null
  position: number
  baseOffset: number
}

/** Up to `max` records of `p` from `offset`; throws OffsetOutOfRangeError outside [start, end]. */
export async function readRecords(p: Partition, offset: number, max: number): Promise<LogRecord[]> {
  if (offset < p.startOffset || offset > p.endOffset)
    throw new OffsetOutOfRangeError(p.topic, p.id, offset, p.startOffset, p.endOffset)
  const out: LogRecord[] = []
  let next = offset
  while (out.length < max && next < p.endOffset) {
    const i = segmentIndex(p.segments, next)
    const seg = p.segments[i]
    if (!seg) break
    if (next >= seg.nextOffset) {
      // Past this segment's last record (a gap left by a damaged segment): go on in the next one.
      const after = p.segments[i + 1]
      if (!after) break
      next = after.baseOffset
      continue
    }
    const added = await seg.reading(() => readSegment(p, seg, next, max - out.length, out))
    if (added === 0) break
    next = out[out.length - 1]!.offset + 1
  }
  return out
}

async function readSegment(
  p: Partition,
  seg: Segment,
  from: number,
  max: number,
  out: LogRecord[],
): Promise<number> {
  let position = seg.offsetIndex.lookup(from)
  const c = p.cursor
  if (c.segment === seg && c.baseOffset <= from && c.position > position) position = c.position
  const batches: ScannedBatch[] = []
  let count = 0
  const chunkBytes = Math.min(4 << 20, Math.max(64 << 10, max * 1024))
  await scanBatches(seg.file, position, seg.size, { verifyCrc: false, chunkBytes }, (b) => {
    const last = b.header.baseOffset + b.header.lastOffsetDelta
    if (last < from) return true
    batches.push(b)
    count += last - Math.max(from, b.header.baseOffset) + 1
    return count < max
  })
  let added = 0
  let next = from
  for (const b of batches) {
    if (added >= max) break
    const section = recordsSection(b.buf, b.at, b.header)
    const records = section instanceof Promise ? await section : section
    const n = decodeRecords(records, b.header, p.id, next, max - added, out)
    added += n
    if (n > 0) next = out[out.length - 1]!.offset + 1
    const last = b.header.baseOffset + b.header.lastOffsetDelta
    p.cursor.segment = seg
    if (next > last) {
      p.cursor.position = b.position + b.header.size
      p.cursor.baseOffset = last + 1
    } else {
      p.cursor.position = b.position
      p.cursor.baseOffset = b.header.baseOffset
    }
  }
  return added
}

/** Index of the last segment whose base offset is <= `offset` (-1 if none). */
function segmentIndex(segments: readonly Segment[], offset: number): number {
  let lo = 0
  let hi = segments.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (segments[mid]!.baseOffset <= offset) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** The first offset of `p` whose record has timestamp >= `timestamp`; the end offset if none. */
export async function timestampToOffset(p: Partition, timestamp: number): Promise<number> {
  for (const seg of p.segments) {
    if (seg.records === 0 || seg.maxTimestamp < timestamp) continue
    const position = seg.offsetIndex.lookup(seg.timeIndex.lookup(timestamp))
    const found = await seg.reading(async () => {
      const hits: ScannedBatch[] = []
      await scanBatches(seg.file, position, seg.size, { verifyCrc: false }, (b) => {
        if (b.header.maxTimestamp < timestamp) return true
        hits.push(b)
        return false
      })
      const b = hits[0]
      if (!b) return -1
      const section = recordsSection(b.buf, b.at, b.header)
      const records: LogRecord[] = []
      decodeRecords(
        section instanceof Promise ? await section : section,
        b.header,
        p.id,
        0,
        Infinity,
        records,
      )
      return records.find((r) => r.timestamp >= timestamp)?.offset ?? -1
    })
    if (found >= 0) return found
  }
  return p.endOffset
}

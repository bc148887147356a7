// Reading a partition: find the segment holding an offset, start at the nearest indexed batch (or
// where the previous read stopped, which is how a consumer reading in order skips the index), scan
// forward, decode. Only durable bytes are read: a segment's `size` moves only after an fsync.
import { OffsetOutOfRangeError } from '../../core/errors.ts'
import type { LogRecord } from '../log.ts'
import type { ReadArena } from '../read-arena.ts'
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

/**
 * Up to `max` records of `p` from `offset`; throws OffsetOutOfRangeError outside [start, end]. With
 * an `arena`, the file bytes are read into it and the records' values are views of it.
 */
export async function readRecords(
  p: Partition,
  offset: number,
  max: number,
  arena?: ReadArena,
): Promise<LogRecord[]> {
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
    const added = await seg.reading(() => readSegment(p, seg, next, max - out.length, out, arena))
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
  arena: ReadArena | undefined,
): Promise<number> {
  const batches = await scanFrom(p, seg, from, max, arena)
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

/**
 * The batches holding `p`'s records from `offset` on (at least `max` of them, or all there are), as
 * file bytes: each buffer is a run of whole batches (the first may start before `offset`), a view
 * into a read buffer that nothing else refers to. A consumer in another thread takes these instead
 * of decoded records (see src/log/remote): records are made once, in the thread that uses them.
 */
export async function readBatchBytes(p: Partition, offset: number, max: number): Promise<Buffer[]> {
  if (offset < p.startOffset || offset > p.endOffset)
    throw new OffsetOutOfRangeError(p.topic, p.id, offset, p.startOffset, p.endOffset)
  const out: Buffer[] = []
  let count = 0
  let next = offset
  while (count < max && next < p.endOffset) {
    const i = segmentIndex(p.segments, next)
    const seg = p.segments[i]
    if (!seg) break
    if (next >= seg.nextOffset) {
      const after = p.segments[i + 1]
      if (!after) break
      next = after.baseOffset
      continue
    }
    const from = next
    const batches = await seg.reading(() => scanFrom(p, seg, from, max - count))
    if (batches.length === 0) break
    for (const b of batches)
      count += b.header.baseOffset + b.header.lastOffsetDelta - Math.max(from, b.header.baseOffset) + 1
    const last = batches[batches.length - 1]!
    next = last.header.baseOffset + last.header.lastOffsetDelta + 1
    // The consumer may stop inside the last batch: the next read starts its scan there.
    p.cursor.segment = seg
    p.cursor.position = last.position
    p.cursor.baseOffset = last.header.baseOffset
    // Runs of batches that lie next to each other in one read buffer go out as one buffer.
    let run: { buf: Buffer; start: number; end: number } | null = null
    for (const b of batches) {
      if (run && run.buf === b.buf && run.end === b.at) run.end += b.header.size
      else {
        if (run) out.push(run.buf.subarray(run.start, run.end))
        run = { buf: b.buf, start: b.at, end: b.at + b.header.size }
      }
    }
    if (run) out.push(run.buf.subarray(run.start, run.end))
  }
  return out
}

/**
 * Bytes to read for a page of `max` records of `seg`: its mean record size times `max`, with slack,
 * so a page is one read (a fixed 4 MiB chunk read past what a page needed, and read it again next time).
 */
function chunkFor(seg: Segment | null, max: number): number {
  const mean = seg && seg.records > 0 ? seg.size / seg.records : 1024
  return Math.min(16 << 20, Math.max(64 << 10, Math.ceil(max * mean * 1.1) + (16 << 10)))
}

/** The batches of `seg` from the one holding `from` on, until they hold `max` records at `from` or after. */
async function scanFrom(
  p: Partition,
  seg: Segment,
  from: number,
  max: number,
  arena?: ReadArena,
): Promise<ScannedBatch[]> {
  let position = seg.offsetIndex.lookup(from)
  const c = p.cursor
  if (c.segment === seg && c.baseOffset <= from && c.position > position) position = c.position
  const batches: ScannedBatch[] = []
  let count = 0
  const options = {
    verifyCrc: false,
    chunkBytes: chunkFor(seg, max),
    take: arena === undefined ? undefined : (size: number) => arena.take(size),
  }
  await scanBatches(seg.file, position, seg.size, options, (b) => {
    const last = b.header.baseOffset + b.header.lastOffsetDelta
    if (last < from) return true
    batches.push(b)
    count += last - Math.max(from, b.header.baseOffset) + 1
    return count < max
  })
  return batches
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

// Opening a partition's segments after a clean stop or a crash. The active (last) segment is always
// scanned whole with CRCs checked; a sealed one is trusted through its index files if they are
// consistent with the log (and its tail after the last index entry verifies), else scanned whole.
// A torn or corrupt tail is cut and logged (file, bytes cut, reason): those bytes were never
// acknowledged, because an append is acknowledged only after its fsync and fsyncs go in order.
import { join } from 'node:path'
import type { Logger } from '../../telemetry/logger.ts'
import { scanBatches } from './batch-scan.ts'
import type { LogFs } from './fs-facade.ts'
import { OffsetIndex } from './offset-index.ts'
import { Segment, segmentName } from './segment.ts'
import { TimeIndex } from './time-index.ts'

const SEGMENT_FILE = /^(\d{20})\.log$/
const LEFTOVER = /\.(tmp|deleted)$/

/** What recovery needs to know. */
export interface RecoveryOptions {
  readonly fs: LogFs
  readonly logger: Logger
  readonly indexIntervalBytes: number
  readonly now: number
}

/** Opens (creating the first if none) and recovers the segments in `dir`, oldest first. */
export async function openSegments(dir: string, o: RecoveryOptions): Promise<Segment[]> {
  const names = await o.fs.readdir(dir)
  for (const n of names.filter((n) => LEFTOVER.test(n))) await o.fs.unlink(join(dir, n))
  const bases = names
    .map((n) => SEGMENT_FILE.exec(n)?.[1])
    .filter((b): b is string => b !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
  if (bases.length === 0) {
    const first = new Segment(
      dir,
      0,
      await o.fs.open(join(dir, `${segmentName(0)}.log`), 'durable'),
      o.indexIntervalBytes,
      o.now,
    )
    await o.fs.syncDir(dir)
    return [first]
  }
  const segments: Segment[] = []
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i]!
    const file = await o.fs.open(join(dir, `${segmentName(base)}.log`), 'durable')
    const segment = new Segment(dir, base, file, o.indexIntervalBytes, o.now)
    const active = i === bases.length - 1
    if (active || !(await trustIndexes(segment, o))) await scanWhole(segment, active, o)
    if (active) {
      // Age counts from the first record, but never from the future (a skewed timestamp).
      segment.openedAt = segment.firstTimestamp >= 0 ? Math.min(segment.firstTimestamp, o.now) : o.now
    }
    segments.push(segment)
  }
  return segments
}

/** Loads a sealed segment's index files and verifies the tail after their last entry. */
async function trustIndexes(segment: Segment, o: RecoveryOptions): Promise<boolean> {
  try {
    const size = await segment.file.size()
    const offsets = OffsetIndex.parse(await o.fs.readFile(segment.path('.index')), segment.baseOffset, size)
    if (!offsets) return false
    const from = offsets.last()?.position ?? 0
    let expected = offsets.last()?.offset ?? segment.baseOffset
    let ok = true
    const scan = await scanBatches(segment.file, from, size, { verifyCrc: true }, (b) => {
      // Each batch must begin where the previous one ended: otherwise the index points astray.
      if (b.header.baseOffset !== expected) {
        ok = false
        return false
      }
      expected = b.header.baseOffset + b.header.lastOffsetDelta + 1
      segment.track(b.position, b.header)
      return true
    })
    if (!ok || scan.reason !== 'end' || segment.size !== size) return false
    const times = TimeIndex.parse(
      await o.fs.readFile(segment.path('.timeindex')),
      segment.baseOffset,
      segment.nextOffset,
    )
    if (!times) return false
    segment.adoptIndexes(offsets, times)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/** Scans a segment from its start, verifying every batch; cuts whatever follows the last valid one. */
async function scanWhole(segment: Segment, active: boolean, o: RecoveryOptions): Promise<void> {
  segment.resetIndexes()
  const size = await segment.file.size()
  const scan = await scanBatches(segment.file, 0, size, { verifyCrc: true, chunkBytes: 4 << 20 }, (b) => {
    segment.track(b.position, b.header)
    return true
  })
  if (scan.position < size) {
    const details = {
      file: segment.path('.log'),
      valid_bytes: scan.position,
      cut_bytes: size - scan.position,
      reason: scan.reason,
    }
    if (active)
      o.logger.warn(details, 'log recovery: cut an invalid tail; those bytes were never acknowledged')
    else
      o.logger.error(details, 'log recovery: a sealed segment is damaged; records after the damage are lost')
    await segment.file.truncate(scan.position)
    await segment.file.datasync()
  }
  segment.size = scan.position
  if (!active) await segment.writeIndexes(o.fs)
}

// A read-only view of a log directory for the CLI, safe while a clickflow writes to it: files are
// only read (the data dir lock is for writers), every batch's CRC is checked, and a batch that does
// not verify yet (a write in progress, or one the writer is about to cut back) is simply not shown.
import { join } from 'node:path'
import type { LogRecord, PartitionOffsets } from '../log.ts'
import { scanBatches } from './batch-scan.ts'
import type { LogFile, LogFs } from './fs-facade.ts'
import { groupsDir, partitionDir } from './layout.ts'
import { groupOfFile, readOffsets } from './offset-store.ts'
import { decodeRecords, recordsSection } from './record-batch.ts'
import { segmentName } from './segment.ts'

const SEGMENT_FILE = /^(\d{20})\.log$/

/** What a scan of one segment file found. */
export interface SegmentSummary {
  readonly baseOffset: number
  /** Offset after the last whole, valid batch. */
  readonly nextOffset: number
  readonly bytes: number
  /** Timestamps of the first batch and the largest in the segment (-1 when empty). */
  readonly firstTimestamp: number
  readonly maxTimestamp: number
  /** Set when bytes after the last valid batch do not verify (a write in progress, or damage). */
  readonly unverifiedBytes: number
}

/** Base offsets of a partition's segments, oldest first. */
export async function segmentBases(
  fs: LogFs,
  root: string,
  topic: string,
  partition: number,
): Promise<number[]> {
  const names = await fs.readdir(partitionDir(root, topic, partition))
  return names
    .map((n) => SEGMENT_FILE.exec(n)?.[1])
    .filter((b): b is string => b !== undefined)
    .map(Number)
    .sort((a, b) => a - b)
}

/** Scans one segment file whole (CRCs checked). */
export async function summarizeSegment(fs: LogFs, dir: string, baseOffset: number): Promise<SegmentSummary> {
  const file = await fs.open(join(dir, `${segmentName(baseOffset)}.log`), 'read')
  try {
    const size = await file.size()
    let nextOffset = baseOffset
    let firstTimestamp = -1
    let maxTimestamp = -1
    const scan = await scanBatches(file, 0, size, { verifyCrc: true, chunkBytes: 4 << 20 }, (b) => {
      if (firstTimestamp < 0) firstTimestamp = b.header.baseTimestamp
      maxTimestamp = Math.max(maxTimestamp, b.header.maxTimestamp)
      nextOffset = b.header.baseOffset + b.header.lastOffsetDelta + 1
      return true
    })
    return {
      baseOffset,
      nextOffset,
      bytes: size,
      firstTimestamp,
      maxTimestamp,
      unverifiedBytes: size - scan.position,
    }
  } finally {
    await file.close()
  }
}

/** Every committed group of a topic with its offsets. */
export async function readGroups(
  fs: LogFs,
  root: string,
  topic: string,
): Promise<Map<string, PartitionOffsets>> {
  const dir = groupsDir(root, topic)
  const out = new Map<string, PartitionOffsets>()
  const names = await fs.readdir(dir).catch(() => [] as string[])
  for (const name of names.sort()) {
    const group = groupOfFile(name)
    if (group !== null) out.set(group, await readOffsets(fs, join(dir, name)))
  }
  return out
}

/** Where a tail starts: the oldest record kept, or only records appended from now on. */
export type TailStart = 'beginning' | 'end'

/** Follows one partition: each poll returns the records that became readable since the last one. */
export class PartitionTail {
  readonly #fs: LogFs
  readonly #dir: string
  readonly #partition: number
  #base = -1
  #file: LogFile | null = null
  #position = 0
  #next = 0
  #start: TailStart

  constructor(fs: LogFs, root: string, topic: string, partition: number, start: TailStart) {
    this.#fs = fs
    this.#dir = partitionDir(root, topic, partition)
    this.#partition = partition
    this.#start = start
  }

  /** New records (at most `max`), and a note when retention deleted records before they were shown. */
  async poll(max = 10_000): Promise<{ records: LogRecord[]; skipped: number }> {
    const records: LogRecord[] = []
    let skipped = 0
    const bases = (await this.#fs.readdir(this.#dir))
      .map((n) => SEGMENT_FILE.exec(n)?.[1])
      .filter((b): b is string => b !== undefined)
      .map(Number)
      .sort((a, b) => a - b)
    if (bases.length === 0) return { records, skipped }
    if (this.#base < 0 || !bases.includes(this.#base)) {
      const first = this.#start === 'end' && this.#base < 0 ? bases[bases.length - 1]! : bases[0]!
      if (this.#base >= 0) skipped = Math.max(0, first - this.#next)
      await this.#openSegment(first)
      this.#next = Math.max(this.#next, first)
    }
    for (;;) {
      const file = this.#file!
      const size = await file.size()
      if (size < this.#position) this.#position = 0 // the writer cut back a failed write: rescan
      const batches: Parameters<Parameters<typeof scanBatches>[4]>[0][] = []
      const scan = await scanBatches(file, this.#position, size, { verifyCrc: true }, (b) => {
        batches.push(b)
        return records.length + batches.length < max
      })
      for (const b of batches) {
        const section = recordsSection(b.buf, b.at, b.header)
        decodeRecords(
          section instanceof Promise ? await section : section,
          b.header,
          this.#partition,
          this.#next,
          Infinity,
          records,
        )
        this.#next = Math.max(this.#next, b.header.baseOffset + b.header.lastOffsetDelta + 1)
      }
      this.#position = scan.position
      if (this.#start === 'end') {
        // The first poll of a tail from the end only finds where the end is.
        this.#start = 'beginning'
        records.length = 0
      }
      const later = bases.find((b) => b > this.#base)
      if (scan.reason !== 'end' || later === undefined || records.length >= max) break
      await this.#openSegment(later)
    }
    return { records, skipped }
  }

  async #openSegment(base: number): Promise<void> {
    await this.#file?.close()
    this.#file = await this.#fs.open(join(this.#dir, `${segmentName(base)}.log`), 'read')
    this.#base = base
    this.#position = 0
  }

  /** Closes the open segment file. */
  async close(): Promise<void> {
    await this.#file?.close()
    this.#file = null
  }
}

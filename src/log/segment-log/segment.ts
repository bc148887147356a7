// One segment of a partition: a `.log` file of record batches named by its 20-digit base offset,
// with its sparse offset and time indexes. The partition appends to the last (active) segment only;
// sealed segments are read and, by retention, deleted.
import { join } from 'node:path'
import type { LogFile, LogFs } from './fs-facade.ts'
import { writeFileAtomic } from './fs-facade.ts'
import { OffsetIndex } from './offset-index.ts'
import type { BatchHeader } from './record-batch.ts'
import { TimeIndex } from './time-index.ts'

/** The file name stem of a segment: its base offset, zero-padded to 20 digits like Kafka's. */
export function segmentName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0')
}

/** A segment's files and what is known about its durable content. */
export class Segment {
  readonly baseOffset: number
  readonly dir: string
  readonly file: LogFile
  /** Durable bytes: everything before this position is whole, verified batches. */
  size = 0
  /** Offset after the last record. */
  nextOffset: number
  /** Timestamp of the first batch (-1: empty or unknown) and the largest record timestamp (-1: empty). */
  firstTimestamp = -1
  maxTimestamp = -1
  /** Wall-clock time from which the segment's age is counted (for `segment_ms`). */
  openedAt: number
  offsetIndex: OffsetIndex
  timeIndex: TimeIndex
  #lastBatchOffset: number
  #bytesSinceEntry = 0
  readonly #indexInterval: number
  #reads = 0
  #deleted = false

  constructor(dir: string, baseOffset: number, file: LogFile, indexInterval: number, openedAt: number) {
    this.dir = dir
    this.baseOffset = baseOffset
    this.file = file
    this.nextOffset = baseOffset
    this.#lastBatchOffset = baseOffset
    this.#indexInterval = indexInterval
    this.openedAt = openedAt
    this.offsetIndex = new OffsetIndex(baseOffset)
    this.timeIndex = new TimeIndex(baseOffset)
  }

  /** Path of one of the segment's files. */
  path(ext: '.log' | '.index' | '.timeindex'): string {
    return join(this.dir, segmentName(this.baseOffset) + ext)
  }

  /** True once retention removed the segment. */
  get deleted(): boolean {
    return this.#deleted
  }

  /** Number of records (offsets) the segment covers. */
  get records(): number {
    return this.nextOffset - this.baseOffset
  }

  /** Accounts for a whole batch that now lies durable at `position`, updating the indexes. */
  track(position: number, h: BatchHeader): void {
    if (position > 0 && this.#bytesSinceEntry >= this.#indexInterval) {
      this.offsetIndex.append(h.baseOffset, position)
      if (this.maxTimestamp >= 0) this.timeIndex.append(this.maxTimestamp, this.#lastBatchOffset)
      this.#bytesSinceEntry = 0
    }
    this.#bytesSinceEntry += h.size
    if (this.firstTimestamp < 0) this.firstTimestamp = h.baseTimestamp
    if (h.maxTimestamp > this.maxTimestamp) this.maxTimestamp = h.maxTimestamp
    this.nextOffset = h.baseOffset + h.lastOffsetDelta + 1
    this.#lastBatchOffset = h.baseOffset
    this.size = position + h.size
  }

  /** Forgets every tracked batch, before a full rescan of the file. */
  resetIndexes(): void {
    this.offsetIndex = new OffsetIndex(this.baseOffset)
    this.timeIndex = new TimeIndex(this.baseOffset)
    this.#bytesSinceEntry = 0
    this.size = 0
    this.nextOffset = this.baseOffset
    this.firstTimestamp = -1
    this.maxTimestamp = -1
    this.#lastBatchOffset = this.baseOffset
  }

  /** Adopts indexes loaded from files, continuing to track from their last entry. */
  adoptIndexes(offsets: OffsetIndex, times: TimeIndex): void {
    this.offsetIndex = offsets
    this.timeIndex = times
    if (times.lastTimestamp > this.maxTimestamp) this.maxTimestamp = times.lastTimestamp
  }

  /** Writes the index files durably: done when the segment is sealed (no longer appended to). */
  async writeIndexes(fs: LogFs): Promise<void> {
    if (this.maxTimestamp >= 0) this.timeIndex.append(this.maxTimestamp, this.#lastBatchOffset)
    const stem = segmentName(this.baseOffset)
    await writeFileAtomic(fs, this.dir, `${stem}.index`, this.offsetIndex.toBuffer())
    await writeFileAtomic(fs, this.dir, `${stem}.timeindex`, this.timeIndex.toBuffer())
  }

  /** Runs a read, keeping the file open until it ends even if retention deletes the segment meanwhile. */
  async reading<T>(read: () => Promise<T>): Promise<T> {
    this.#reads++
    try {
      return await read()
    } finally {
      this.#reads--
      if (this.#reads === 0 && this.#deleted) await this.file.close().catch(() => undefined)
    }
  }

  /** Removes the segment's files; the file handle closes when the last read of it ends. */
  async delete(fs: LogFs): Promise<void> {
    this.#deleted = true
    for (const ext of ['.log', '.index', '.timeindex'] as const) {
      await fs.unlink(this.path(ext)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err
      })
    }
    if (this.#reads === 0) await this.file.close().catch(() => undefined)
  }
}

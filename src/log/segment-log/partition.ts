// One partition: its segments, oldest first, the last one active. The write path is split in steps
// that the group commit drives across all dirty partitions at once: prepare (cut a failed write's
// leftovers, encode the batch, roll the segment if it is full or old), write, sync, then commit (the
// batch becomes visible to readers) or abort (the file goes back to its last durable end).
import { join } from 'node:path'
import type { Logger } from '../../telemetry/logger.ts'
import type { LogRecord } from '../log.ts'
import type { ReadArena } from '../read-arena.ts'
import type { CompressionName } from './compression.ts'
import { type LogFs, writeFully } from './fs-facade.ts'
import { type ReadCursor, readBatchBytes, readRecords, timestampToOffset } from './partition-read.ts'
import { type BatchHeader, encodeBatch, type PreparedRecord, readBatchHeader } from './record-batch.ts'
import { openSegments } from './recovery.ts'
import { Segment, segmentName } from './segment.ts'

/** Settings shared by every partition of a log. */
export interface PartitionOptions {
  readonly fs: LogFs
  readonly logger: Logger
  readonly segmentBytes: number
  readonly segmentMs: number
  readonly indexIntervalBytes: number
  readonly compression: CompressionName
  readonly now: () => number
}

/** A batch encoded for a partition, waiting to be written and synced. */
export interface PreparedWrite {
  readonly partition: Partition
  readonly segment: Segment
  readonly position: number
  readonly batch: Buffer
  readonly header: BatchHeader
}

/** An open partition. Create with {@link Partition.open}. */
export class Partition {
  readonly topic: string
  readonly id: number
  readonly dir: string
  readonly #o: PartitionOptions
  #segments: Segment[]
  /** Bytes past the active segment's durable end may be on disk (a write began): cut before the next. */
  #dirtyTail = false
  /**
   * Batches prepared but not yet committed or aborted (the group commit overlaps one cycle's write
   * with the previous cycle's fdatasync), and where the next one goes: after the last of them.
   */
  #inFlight = 0
  #pendingOffset = 0
  #pendingSize = 0
  /** Resolves when no batch is in flight (a segment rolls only then: its indexes must be complete). */
  #idle: Promise<void> = Promise.resolve()
  #settleIdle: () => void = () => undefined
  readonly cursor: ReadCursor = { segment: null, position: 0, baseOffset: 0 }
  /**
   * Where uncompressed batches are encoded, reused cycle after cycle (a fresh buffer of a cycle's
   * size per write cost page faults and GC), in turns: a cycle may encode while the write of the
   * cycle before it is still in flight, so two. Safe because at most two batches of a partition are
   * in flight (two cycles), the third is prepared only once the first has landed, and nothing reads
   * a batch's bytes once written.
   */
  readonly #scratch: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)]
  #turn = 0
  readonly #scratchFor = (size: number): Buffer => {
    const turn = this.#turn
    if (this.#scratch[turn]!.length < size) this.#scratch[turn] = Buffer.allocUnsafe(Math.max(size, 64 << 10))
    return this.#scratch[turn]!.subarray(0, size)
  }

  private constructor(topic: string, id: number, dir: string, segments: Segment[], o: PartitionOptions) {
    this.topic = topic
    this.id = id
    this.dir = dir
    this.#segments = segments
    this.#o = o
  }

  /** Opens a partition directory (creating it), recovering its segments. */
  static async open(dir: string, topic: string, id: number, o: PartitionOptions): Promise<Partition> {
    await o.fs.mkdir(dir)
    const segments = await openSegments(dir, {
      fs: o.fs,
      logger: o.logger,
      indexIntervalBytes: o.indexIntervalBytes,
      now: o.now(),
    })
    return new Partition(topic, id, dir, segments, o)
  }

  /** Segments, oldest first; the last is the active one. */
  get segments(): readonly Segment[] {
    return this.#segments
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1]!
  }

  /** First offset still held (older ones were deleted by retention). */
  get startOffset(): number {
    return this.#segments[0]!.baseOffset
  }

  /** Next offset to be written: everything below it is durable. */
  get endOffset(): number {
    return this.#active.nextOffset
  }

  /** Durable bytes over all segments. */
  get bytes(): number {
    let total = 0
    for (const s of this.#segments) total += s.size
    return total
  }

  /** Encodes `records` as the next batch, rolling to a new segment first if the active one is done. */
  async prepare(records: readonly PreparedRecord[]): Promise<PreparedWrite> {
    if (this.#inFlight === 0 && this.#dirtyTail) {
      // A failed cycle left bytes past the durable end (its truncate failed too): cut them first.
      await this.#active.file.truncate(this.#active.size)
      this.#dirtyTail = false
    }
    let batch = await encodeBatch(this.#nextOffset(), records, this.#o.compression, this.#scratchFor)
    const full = this.#nextPosition() + batch.length > this.#o.segmentBytes
    const old = this.#o.now() - this.#active.openedAt >= this.#o.segmentMs
    if (this.#nextPosition() > 0 && (full || old)) {
      if (this.#inFlight > 0) {
        // The batch in flight must be tracked in the sealed segment's indexes before it rolls; if it
        // fails, the offsets move back, so encode again from where the partition then ends.
        await this.#idle
        batch = await encodeBatch(this.#nextOffset(), records, this.#o.compression, this.#scratchFor)
      }
      if (this.#active.size > 0) await this.#roll()
    }
    const header = readBatchHeader(batch, 0)
    if (header.kind !== 'ok') throw new Error('encoded a record batch that does not read back')
    this.#turn ^= 1
    const position = this.#nextPosition()
    if (this.#inFlight++ === 0) this.#idle = new Promise((r) => (this.#settleIdle = r))
    this.#pendingOffset = header.header.baseOffset + header.header.lastOffsetDelta + 1
    this.#pendingSize = position + batch.length
    return { partition: this, segment: this.#active, position, batch, header: header.header }
  }

  #nextOffset(): number {
    return this.#inFlight > 0 ? this.#pendingOffset : this.endOffset
  }

  #nextPosition(): number {
    return this.#inFlight > 0 ? this.#pendingSize : this.#active.size
  }

  #landed(): void {
    if (--this.#inFlight === 0) this.#settleIdle()
  }

  /** Writes a prepared batch at the durable end. */
  async write(w: PreparedWrite): Promise<void> {
    this.#dirtyTail = true
    await writeFully(w.segment.file, w.batch, w.position)
  }

  /** fdatasync of the active segment, unless its writes are durable by themselves (O_DSYNC). */
  async sync(w: PreparedWrite): Promise<void> {
    if (!w.segment.file.durableWrites) await w.segment.file.datasync()
  }

  /** The batch is durable: it becomes readable and the end offset moves past it. */
  commit(w: PreparedWrite): void {
    w.segment.track(w.position, w.header)
    if (this.#inFlight === 1) this.#dirtyTail = false
    this.#landed()
  }

  /**
   * A cycle failed: put the active segment back to its durable end (retried by `prepare` if this
   * fails). The group commit aborts every cycle in flight, so each write that was prepared on top
   * of the failed one is cut too, after it lands.
   */
  async abort(w?: PreparedWrite): Promise<void> {
    try {
      if (!w && !this.#dirtyTail) return
      await this.#active.file.truncate(this.#active.size)
      // Another write still in flight may land after this cut; its own abort cuts again.
      this.#dirtyTail = this.#inFlight > (w ? 1 : 0)
    } catch (err) {
      this.#dirtyTail = true
      this.#o.logger.error(
        { err, file: this.#active.path('.log') },
        'could not cut a failed write; will retry before the next one',
      )
    } finally {
      if (w) this.#landed()
    }
  }

  async #roll(): Promise<void> {
    const sealed = this.#active
    await sealed.writeIndexes(this.#o.fs)
    const base = this.endOffset
    const path = join(this.dir, `${segmentName(base)}.log`)
    const file = await this.#o.fs.open(path, 'durable')
    try {
      await file.truncate(0)
      // The new file's directory entry must be durable before any ack depends on it.
      await this.#o.fs.syncDir(this.dir)
    } catch (err) {
      await file.close().catch(() => undefined)
      throw err
    }
    this.#segments.push(new Segment(this.dir, base, file, this.#o.indexIntervalBytes, this.#o.now()))
    this.#o.logger.debug({ topic: this.topic, partition: this.id, base_offset: base }, 'rolled a new segment')
  }

  /**
   * Up to `max` durable records from `offset` (which must lie in [startOffset, endOffset]); read
   * into `arena` when given (see ReadArena).
   */
  read(offset: number, max: number, arena?: ReadArena): Promise<LogRecord[]> {
    return readRecords(this, offset, max, arena)
  }

  /** The batches holding up to `max` records from `offset`, as bytes (see `readBatchBytes`). */
  readBatches(offset: number, max: number): Promise<Buffer[]> {
    return readBatchBytes(this, offset, max)
  }

  /** The first offset whose record has timestamp >= `timestamp`, or the end offset if none. */
  offsetForTimestamp(timestamp: number): Promise<number> {
    return timestampToOffset(this, timestamp)
  }

  /** Deletes the oldest segment (never the active one); returns it, or null if only the active is left. */
  async deleteOldest(): Promise<Segment | null> {
    if (this.#segments.length < 2) return null
    const oldest = this.#segments.shift()!
    await oldest.delete(this.#o.fs)
    await this.#o.fs.syncDir(this.dir)
    return oldest
  }

  /** Closes every segment file. */
  async close(): Promise<void> {
    for (const s of this.#segments) await s.file.close().catch(() => undefined)
  }
}

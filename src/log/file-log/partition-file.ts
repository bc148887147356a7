// One partition of the simple file log: an append-only file with group commit (appends that arrive
// while a write+fsync is under way are written together by the next one) and tail recovery on open.
import { EventEmitter } from 'node:events'
import { type FileHandle, open } from 'node:fs/promises'
import { TransportError } from '../../core/errors.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { LogRecord } from '../log.ts'
import { OffsetIndex } from './offset-index.ts'
import { decodeRecord } from './record-format.ts'

/** Group-commit thresholds. */
export interface GroupCommitOptions {
  /** Extra time to wait for more appends before a write (0: write as soon as the previous fsync ends). */
  readonly flushIntervalMs: number
  /** Most bytes written by one write+fsync. */
  readonly maxBatchBytes: number
}

interface PendingAppend {
  readonly bytes: Buffer
  readonly sizes: readonly number[]
  readonly resolve: () => void
  readonly reject: (err: Error) => void
}

/** Reads are done in chunks of at most this many bytes. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024

/** An open partition file. Create with {@link PartitionFile.open}. */
export class PartitionFile {
  readonly #fh: FileHandle
  readonly #index: OffsetIndex
  readonly #options: GroupCommitOptions
  readonly #label: string
  #pending: PendingAppend[] = []
  #pendingBytes = 0
  #flushing: Promise<void> | null = null
  #closed = false
  /** Emits 'data' after each durable write. */
  readonly events = new EventEmitter()

  private constructor(fh: FileHandle, index: OffsetIndex, options: GroupCommitOptions, label: string) {
    this.#fh = fh
    this.#index = index
    this.#options = options
    this.#label = label
    this.events.setMaxListeners(0)
  }

  /** Opens (creating if needed) and recovers a partition file: a torn or corrupt tail is cut and logged. */
  static async open(path: string, options: GroupCommitOptions, log: Logger): Promise<PartitionFile> {
    const fh = await open(path, 'a+')
    const index = new OffsetIndex()
    const { size } = await fh.stat()
    let position = 0
    let reason: string | null = null
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES)
    let carry = Buffer.alloc(0)
    let carryStart = 0
    // Scan every record, verifying lengths and CRCs, to rebuild the index and find the valid end.
    while (carryStart + carry.length < size && reason === null) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, carryStart + carry.length)
      if (bytesRead === 0) break
      const buf =
        carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead)
      let at = 0
      for (;;) {
        const r = decodeRecord(buf, at)
        if (r.ok) {
          index.push(r.size)
          at += r.size
          continue
        }
        if (r.reason !== 'incomplete') reason = r.reason
        break
      }
      position = carryStart + at
      carry = Buffer.from(buf.subarray(at))
      carryStart = position
      // A record bigger than a chunk keeps growing the carry until it is whole.
    }
    if (position < size) {
      log.warn(
        { file: path, valid_bytes: position, cut_bytes: size - position, reason: reason ?? 'torn_tail' },
        'log recovery: cut an invalid tail; those bytes were never acknowledged',
      )
      await fh.truncate(position)
      await fh.datasync()
    }
    return new PartitionFile(fh, index, options, path)
  }

  /** Next offset to be written. */
  get endOffset(): number {
    return this.#index.count
  }

  /** Appends encoded records; resolves after they are fsync'd. */
  append(bytes: Buffer, sizes: readonly number[]): Promise<void> {
    if (this.#closed) return Promise.reject(new TransportError('log_closed', `${this.#label} is closed`))
    return new Promise((resolve, reject) => {
      this.#pending.push({ bytes, sizes, resolve, reject })
      this.#pendingBytes += bytes.length
      this.#kick()
    })
  }

  #kick(): void {
    if (this.#flushing || this.#pending.length === 0) return
    this.#flushing = (async () => {
      if (this.#options.flushIntervalMs > 0 && this.#pendingBytes < this.#options.maxBatchBytes) {
        await new Promise((r) => setTimeout(r, this.#options.flushIntervalMs))
      }
      await this.#flushOnce()
    })().finally(() => {
      this.#flushing = null
      this.#kick()
    })
  }

  async #flushOnce(): Promise<void> {
    const batch: PendingAppend[] = []
    let bytes = 0
    while (
      this.#pending.length > 0 &&
      (batch.length === 0 || bytes + this.#pending[0]!.bytes.length <= this.#options.maxBatchBytes)
    ) {
      const p = this.#pending.shift()!
      batch.push(p)
      bytes += p.bytes.length
    }
    this.#pendingBytes -= bytes
    const start = this.#index.start(this.#index.count)
    try {
      const data =
        batch.length === 1
          ? batch[0]!.bytes
          : Buffer.concat(
              batch.map((p) => p.bytes),
              bytes,
            )
      let written = 0
      while (written < data.length) {
        const r = await this.#fh.write(data, written, data.length - written, start + written)
        written += r.bytesWritten
      }
      await this.#fh.datasync()
    } catch (err) {
      // Put the file back to its last durable end so the log stays consistent, then refuse the batch.
      await this.#fh.truncate(start).catch(() => undefined)
      const code = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'log_disk_full' : 'log_write_failed'
      const failure = new TransportError(
        code,
        `appending to ${this.#label} failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
      for (const p of batch) p.reject(failure)
      return
    }
    for (const p of batch) for (const s of p.sizes) this.#index.push(s)
    for (const p of batch) p.resolve()
    this.events.emit('data')
  }

  /** Up to `max` durable records from `offset`. */
  async read(partition: number, offset: number, max: number): Promise<LogRecord[]> {
    const end = this.#index.count
    if (offset >= end || max <= 0) return []
    if (offset < 0) throw new RangeError(`offset ${offset} is before the start of ${this.#label}`)
    const from = this.#index.start(offset)
    let last = Math.min(end, offset + max)
    // Keep each read under the chunk size, but always read at least one whole record.
    while (last > offset + 1 && this.#index.start(last) - from > READ_CHUNK_BYTES)
      last = offset + Math.ceil((last - offset) / 2)
    const length = this.#index.start(last) - from
    const buf = Buffer.allocUnsafe(length)
    let got = 0
    while (got < length) {
      const r = await this.#fh.read(buf, got, length - got, from + got)
      if (r.bytesRead === 0)
        throw new TransportError('log_read_failed', `${this.#label} ended early at ${from + got}`)
      got += r.bytesRead
    }
    const out: LogRecord[] = []
    let at = 0
    for (let o = offset; o < last; o++) {
      const r = decodeRecord(buf, at)
      if (!r.ok)
        throw new TransportError('log_corrupt', `${this.#label}: record ${o} is unreadable (${r.reason})`)
      out.push({ partition, offset: o, timestamp: r.timestamp, key: r.key, value: r.value })
      at += r.size
    }
    return out
  }

  /** Waits for in-flight appends, then closes the file. */
  async close(): Promise<void> {
    this.#closed = true
    while (this.#flushing) await this.#flushing
    await this.#fh.close()
  }
}

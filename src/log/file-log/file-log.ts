// The simple embedded log: one fsync'd append-only file per topic (a single partition), group
// commit, tail recovery, and consumer group offsets in atomic files. The segmented, multi-partition
// log of issue 4 replaces it behind the same EventLog interface.
import { mkdir, open } from 'node:fs/promises'
import { join } from 'node:path'
import { TransportError } from '../../core/errors.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import type { AppendRecord, EventLog, LogRecord, PartitionOffsets } from '../log.ts'
import { OffsetStore } from './offset-store.ts'
import { type GroupCommitOptions, PartitionFile } from './partition-file.ts'
import { encodeRecord } from './record-format.ts'

/** Settings of the file log. */
export interface FileLogOptions extends GroupCommitOptions {
  /** Directory holding one folder per topic. */
  readonly dir: string
}

interface Topic {
  readonly file: PartitionFile
  readonly offsets: OffsetStore
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,200}$/

/** {@link EventLog} over one append-only file per topic. */
export class FileLog implements EventLog {
  readonly #options: FileLogOptions
  readonly #log: Logger
  readonly #metrics: Metrics | undefined
  readonly #topics = new Map<string, Promise<Topic>>()
  #closed = false

  constructor(options: FileLogOptions, log: Logger, metrics?: Metrics) {
    this.#options = options
    this.#log = log
    this.#metrics = metrics
  }

  #topic(name: string): Promise<Topic> {
    if (this.#closed) return Promise.reject(new TransportError('log_closed', 'the log is closed'))
    let t = this.#topics.get(name)
    if (!t) {
      if (!TOPIC_NAME.test(name))
        return Promise.reject(new TransportError('invalid_topic', `invalid topic name "${name}"`))
      t = this.#openTopic(name)
      this.#topics.set(name, t)
      t.catch(() => this.#topics.delete(name))
    }
    return t
  }

  async #openTopic(name: string): Promise<Topic> {
    const dir = join(this.#options.dir, name)
    await mkdir(join(dir, 'groups'), { recursive: true })
    const file = await PartitionFile.open(join(dir, 'partition-0.log'), this.#options, this.#log)
    // Make the new file's directory entry durable too, or a crash could lose the whole file.
    for (const d of [dir, this.#options.dir]) {
      const fh = await open(d, 'r')
      await fh.sync().finally(() => fh.close())
    }
    return { file, offsets: new OffsetStore(join(dir, 'groups')) }
  }

  async partitions(topic: string): Promise<number> {
    await this.#topic(topic)
    return 1
  }

  async append(topic: string, records: readonly AppendRecord[]): Promise<void> {
    if (records.length === 0) return
    const t = await this.#topic(topic)
    const parts: Buffer[] = []
    const sizes: number[] = []
    let total = 0
    for (const r of records) {
      const b = encodeRecord(r.timestamp, r.key, r.value)
      parts.push(b)
      sizes.push(b.length)
      total += b.length
    }
    const stop = this.#metrics?.logAppendSeconds.startTimer({ topic })
    await t.file.append(parts.length === 1 ? parts[0]! : Buffer.concat(parts, total), sizes)
    stop?.()
    this.#metrics?.logAppendedRecords.inc({ topic }, records.length)
    this.#metrics?.logAppendedBytes.inc({ topic }, total)
  }

  async read(topic: string, partition: number, offset: number, max: number): Promise<LogRecord[]> {
    if (partition !== 0) throw new RangeError(`topic ${topic} has no partition ${partition}`)
    return (await this.#topic(topic)).file.read(partition, offset, max)
  }

  async endOffsets(topic: string): Promise<PartitionOffsets> {
    return { 0: (await this.#topic(topic)).file.endOffset }
  }

  async committed(topic: string, group: string): Promise<PartitionOffsets> {
    return (await this.#topic(topic)).offsets.read(group)
  }

  async commit(topic: string, group: string, offsets: PartitionOffsets): Promise<void> {
    const t = await this.#topic(topic)
    await t.offsets.write(group, offsets)
    this.#metrics?.consumerLag.set({ topic, group }, t.file.endOffset - (offsets[0] ?? 0))
  }

  async waitForData(
    topic: string,
    offsets: PartitionOffsets,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const { file } = await this.#topic(topic)
    if (file.endOffset > (offsets[0] ?? 0) || signal?.aborted) return
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        file.events.off('data', done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      file.events.on('data', done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    const topics = await Promise.allSettled(this.#topics.values())
    for (const t of topics) if (t.status === 'fulfilled') await t.value.file.close()
  }
}

// The embedded durable log: topics of N partitions, each a sequence of segments of Kafka record
// batches (v2) with sparse offset and time indexes; one group-commit loop across all partitions;
// recovery on open; retention by age and size; consumer group offsets; lag metrics.
import { TransportError } from '../../core/errors.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { Metrics } from '../../telemetry/metrics.ts'
import type { AppendRecord, EventLog, LogRecord, PartitionOffsets } from '../log.ts'
import type { ReadArena } from '../read-arena.ts'
import type { CompressionName } from './compression.ts'
import { type LogFs, nodeFs } from './fs-facade.ts'
import { GroupCommit } from './group-commit.ts'
import { listTopics, TOPIC_NAME } from './layout.ts'
import type { Partition } from './partition.ts'
import { isAscii, Partitioner } from './partitioner.ts'
import type { PreparedRecord } from './record-batch.ts'
import { applyRetention } from './retention.ts'
import { openTopic, type Topic, topicLag } from './topic.ts'

/** Settings of the segment log (the `log:` config section, in code units). */
export interface SegmentLogOptions {
  readonly dir: string
  /** Partitions of a topic created by this log (existing topics keep theirs). */
  readonly partitions: number
  readonly segmentBytes: number
  readonly segmentMs: number
  readonly retentionMs: number | null
  readonly retentionBytes: number | null
  readonly compression: CompressionName
  readonly flushIntervalMs: number
  readonly maxBatchBytes: number
  /** Log bytes between two sparse index entries (Kafka's index.interval.bytes). */
  readonly indexIntervalBytes?: number
  /** How often retention runs and lag gauges refresh; 0 turns the timers off (tests call them). */
  readonly retentionCheckMs?: number
  readonly lagUpdateMs?: number
  readonly fs?: LogFs
  readonly now?: () => number
}

/** {@link EventLog} over segment files. Create with {@link SegmentLog.open}. */
export class SegmentLog implements EventLog {
  readonly #o: SegmentLogOptions
  readonly #fs: LogFs
  readonly #now: () => number
  readonly #logger: Logger
  readonly #metrics: Metrics | undefined
  readonly #topics = new Map<string, Promise<Topic>>()
  /** Topics already open, for a synchronous fast path on every append. */
  readonly #open = new Map<string, Topic>()
  readonly #partitioner = new Partitioner()
  readonly #writer: GroupCommit
  readonly #timers: NodeJS.Timeout[] = []
  #retaining: Promise<void> | null = null
  #closed = false

  private constructor(o: SegmentLogOptions, logger: Logger, metrics: Metrics | undefined) {
    this.#o = o
    this.#fs = o.fs ?? nodeFs
    this.#now = o.now ?? Date.now
    this.#logger = logger
    this.#metrics = metrics
    this.#writer = new GroupCommit({
      flushIntervalMs: o.flushIntervalMs,
      maxBatchBytes: o.maxBatchBytes,
      logger,
      fsyncSeconds: metrics?.logFsyncSeconds,
      onCommitted: (partitions) => {
        for (const name of new Set(partitions.map((p) => p.topic)))
          void this.#topics.get(name)?.then((t) => t.events.emit('data'))
      },
    })
  }

  /** Opens the log in `options.dir`, recovering every existing topic, and starts its timers. */
  static async open(options: SegmentLogOptions, logger: Logger, metrics?: Metrics): Promise<SegmentLog> {
    const log = new SegmentLog(options, logger, metrics)
    await log.#fs.mkdir(options.dir)
    for (const name of await listTopics(log.#fs, options.dir)) await log.#topic(name)
    const every = (ms: number | undefined, fallback: number, run: () => Promise<void>) => {
      const period = ms ?? fallback
      if (period > 0) log.#timers.push(setInterval(() => void run().catch(() => undefined), period).unref())
    }
    every(options.retentionCheckMs, 60_000, () => log.enforceRetention())
    every(options.lagUpdateMs, 10_000, () => log.updateLag())
    return log
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
    const topic = await openTopic(name, {
      root: this.#o.dir,
      partitions: this.#o.partitions,
      fs: this.#fs,
      logger: this.#logger,
      metrics: this.#metrics,
      partition: {
        fs: this.#fs,
        logger: this.#logger,
        segmentBytes: this.#o.segmentBytes,
        segmentMs: this.#o.segmentMs,
        indexIntervalBytes: this.#o.indexIntervalBytes ?? 4096,
        compression: this.#o.compression,
        now: this.#now,
      },
    })
    this.#open.set(name, topic)
    return topic
  }

  async #partition(topic: string, partition: number): Promise<Partition> {
    const p = (await this.#topic(topic)).partitions[partition]
    if (!p) throw new RangeError(`topic ${topic} has no partition ${partition}`)
    return p
  }

  async topics(): Promise<string[]> {
    return listTopics(this.#fs, this.#o.dir)
  }

  async partitions(topic: string): Promise<number> {
    return (await this.#topic(topic)).partitions.length
  }

  append(topic: string, records: readonly AppendRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve()
    // Synchronous for an open topic: one promise per append, the group commit's own.
    const t = this.#closed ? undefined : this.#open.get(topic)
    if (t) {
      try {
        return this.#submit(t, records)
      } catch (err) {
        return Promise.reject(err) // a malformed record fails the append, as in an async function
      }
    }
    return this.#topic(topic).then((opened) => this.#submit(opened, records))
  }

  #submit(t: Topic, records: readonly AppendRecord[]): Promise<void> {
    const started = performance.now()
    const partitions = t.partitions
    const count = partitions.length
    if (records.length === 1) {
      // The common case (one event per append) without the lists of the general case.
      const r = records[0]!
      let prepared: PreparedRecord = r
      let p: Partition
      let bytes: number
      if (r.key === null || isAscii(r.key)) {
        p = partitions[this.#partitioner.partition(r.key, count)]!
        bytes = r.value.length + (r.key?.length ?? 0)
      } else {
        const key = Buffer.from(r.key, 'utf8')
        p = partitions[this.#partitioner.partition(key, count)]!
        prepared = { key, value: r.value, timestamp: r.timestamp }
        bytes = r.value.length + key.length
      }
      const batch = this.#writer.batchFor(bytes)
      batch.add(p, prepared)
      return batch.seal(t.meter, 1, bytes, started)
    }
    // Every record is placed (and a malformed one throws) before any joins a batch, so an append
    // goes into the log whole or not at all.
    const placed = new Array<Partition>(records.length)
    const prepared = new Array<PreparedRecord>(records.length)
    let bytes = 0
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!
      // An ASCII key (a visitor id) is hashed and later written from the string itself, so the
      // record goes on as it came; any other key is turned into its UTF-8 bytes once.
      if (r.key === null || isAscii(r.key)) {
        placed[i] = partitions[this.#partitioner.partition(r.key, count)]!
        prepared[i] = r
        bytes += r.value.length + (r.key?.length ?? 0)
      } else {
        const key = Buffer.from(r.key, 'utf8')
        placed[i] = partitions[this.#partitioner.partition(key, count)]!
        prepared[i] = { key, value: r.value, timestamp: r.timestamp }
        bytes += r.value.length + key.length
      }
    }
    const batch = this.#writer.batchFor(bytes)
    for (let i = 0; i < records.length; i++) batch.add(placed[i]!, prepared[i]!)
    return batch.seal(t.meter, records.length, bytes, started)
  }

  async read(
    topic: string,
    partition: number,
    offset: number,
    max: number,
    arena?: ReadArena,
  ): Promise<LogRecord[]> {
    if (max <= 0) return []
    return (await this.#partition(topic, partition)).read(offset, max, arena)
  }

  /**
   * Like `read`, but the batches holding the records, as file bytes, for a reader in another thread
   * to decode itself (`decodeBatchBytes`): cheaper than cloning decoded records across threads.
   */
  async readBatches(topic: string, partition: number, offset: number, max: number): Promise<Buffer[]> {
    if (max <= 0) return []
    return (await this.#partition(topic, partition)).readBatches(offset, max)
  }

  async startOffsets(topic: string): Promise<PartitionOffsets> {
    return Object.fromEntries((await this.#topic(topic)).partitions.map((p) => [p.id, p.startOffset]))
  }

  async endOffsets(topic: string): Promise<PartitionOffsets> {
    return Object.fromEntries((await this.#topic(topic)).partitions.map((p) => [p.id, p.endOffset]))
  }

  async offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    return (await this.#partition(topic, partition)).offsetForTimestamp(timestamp)
  }

  async committed(topic: string, group: string): Promise<PartitionOffsets> {
    return (await this.#topic(topic)).groups.read(group)
  }

  async commit(topic: string, group: string, offsets: PartitionOffsets): Promise<void> {
    const t = await this.#topic(topic)
    await t.groups.write(group, offsets)
    this.#metrics?.consumerLag.set({ topic, group }, topicLag(t, offsets))
  }

  async waitForData(
    topic: string,
    offsets: PartitionOffsets,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const t = await this.#topic(topic)
    const ready = () => t.partitions.some((p) => p.endOffset > (offsets[p.id] ?? 0))
    if (ready() || signal?.aborted) return
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        t.events.off('data', onData)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const onData = () => {
        if (ready()) done()
      }
      const timer = setTimeout(done, timeoutMs)
      t.events.on('data', onData)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /** Applies retention to every open topic now (the timer calls this too). */
  enforceRetention(): Promise<void> {
    this.#retaining ??= (async () => {
      for (const pending of this.#topics.values()) {
        const t = await pending
        const deleted = await applyRetention(
          t.partitions,
          { retentionMs: this.#o.retentionMs, retentionBytes: this.#o.retentionBytes },
          this.#now(),
          await t.groups.all(),
          this.#logger,
        )
        for (const d of deleted) {
          this.#metrics?.logRetentionDeletedSegments.inc({ topic: d.topic, reason: d.reason })
          this.#metrics?.logRetentionDeletedBytes.inc({ topic: d.topic, reason: d.reason }, d.bytes)
        }
      }
    })().finally(() => {
      this.#retaining = null
    })
    return this.#retaining
  }

  /** Refreshes the consumer lag gauge of every group of every open topic (a timer calls this too). */
  async updateLag(): Promise<void> {
    for (const pending of this.#topics.values()) {
      const t = await pending
      for (const [group, offsets] of await t.groups.all())
        this.#metrics?.consumerLag.set({ topic: t.name, group }, topicLag(t, offsets))
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)
    await this.#writer.drain()
    await this.#retaining
    const topics = await Promise.allSettled(this.#topics.values())
    for (const t of topics) if (t.status === 'fulfilled') for (const p of t.value.partitions) await p.close()
  }
}

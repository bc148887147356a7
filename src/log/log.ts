// The durable log interface, shaped like Kafka (topics, partitions, offsets, consumer groups) so the
// embedded implementation and a Kafka-backed one are interchangeable.

/** A record to append. The key picks the partition, so one key's records stay in order. */
export interface AppendRecord {
  readonly key: string | null
  readonly value: Buffer
  /** Epoch ms; the record's timestamp in the log. */
  readonly timestamp: number
}

/** A record read back, with its place in the log. */
export interface LogRecord {
  readonly partition: number
  readonly offset: number
  readonly timestamp: number
  readonly key: string | null
  readonly value: Buffer
}

/** Next offset to read (or to write, for end offsets) per partition. */
export type PartitionOffsets = Record<number, number>

/**
 * What a consumer does when its offset is no longer in the log (retention deleted it, or it lies past
 * the end): `earliest` continues at the oldest record kept, `latest` at the end (skipping everything
 * held), `fail` stops consuming until someone intervenes. Kafka's `auto.offset.reset`, with `fail`
 * for its `none`.
 */
export type OffsetResetPolicy = 'earliest' | 'latest' | 'fail'

import type { ReadArena } from './read-arena.ts'

/** A durable, partitioned, append-only log. */
export interface EventLog {
  /** Names of the topics that exist. */
  topics(): Promise<string[]>
  /** Number of partitions of a topic (topics are created on first use). */
  partitions(topic: string): Promise<number>
  /** Appends records; resolves only once all of them are durable (fsync'd). Rejects with TransportError. */
  append(topic: string, records: readonly AppendRecord[]): Promise<void>
  /**
   * Up to `max` records of one partition from `offset` on; empty when there is nothing yet. Rejects
   * with OffsetOutOfRangeError when `offset` is below the start offset or past the end offset.
   * With an `arena`, a log may read into it: the records' values are then views of the arena, valid
   * until the caller resets it (see ReadArena).
   */
  read(topic: string, partition: number, offset: number, max: number, arena?: ReadArena): Promise<LogRecord[]>
  /** The oldest offset still held, per partition (retention moves it forward). */
  startOffsets(topic: string): Promise<PartitionOffsets>
  /** The next offset that will be written, per partition. */
  endOffsets(topic: string): Promise<PartitionOffsets>
  /** The first offset of a partition whose record has timestamp >= `timestamp` (the end offset if none). */
  offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number>
  /** The offsets a consumer group committed (absent partitions: start from the start offset). */
  committed(topic: string, group: string): Promise<PartitionOffsets>
  /** Stores a group's offsets durably and atomically. */
  commit(topic: string, group: string, offsets: PartitionOffsets): Promise<void>
  /** Resolves when any partition has data past `offsets`, after `timeoutMs`, or when `signal` aborts. */
  waitForData(
    topic: string,
    offsets: PartitionOffsets,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>
  /** Finishes pending appends and closes files. */
  close(): Promise<void>
}

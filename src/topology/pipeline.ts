// The pipeline: consumes the events topic as one consumer group, runs each batch through the
// transform graph, writes it to every sink (retrying retryable failures with backoff), and commits
// the log offsets only after every sink has resolved. Sinks that store their position with their
// data skip what they already hold after a restart, which makes them exactly-once; a sink whose
// stored position is behind the committed offsets (one that checkpoints at an interval) makes the
// pipeline resume there, and only that sink gets the records up to the committed offsets.

import type { PipelineConfig } from '../config/schema.ts'
import type { LogPosition, Sink } from '../core/component.ts'
import { errorMessage, OffsetOutOfRangeError, SinkError } from '../core/errors.ts'
import type { ClickEvent, DeadLetter, EventField } from '../core/event.ts'
import { ALL_FIELDS, type FieldMask, fieldMask } from '../log/event-codec.ts'
import type { EventLog, LogRecord, OffsetResetPolicy, PartitionOffsets } from '../log/log.ts'
import { ReadArena } from '../log/read-arena.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { ComponentMetrics, Metrics } from '../telemetry/metrics.ts'
import type { SinkNode, TransformNode } from './graph-eval.ts'
import { resetOffset } from './offset-reset.ts'
import { type RoutedBatch, routeBatch } from './route-batch.ts'
import { warmUpTransforms } from './warmup.ts'

/** A sink with its place in the graph. */
export interface PipelineSink extends SinkNode {
  readonly sink: Sink
  readonly metrics: ComponentMetrics
}

/** What the pipeline runs. */
export interface PipelineOptions {
  readonly log: EventLog
  readonly topic: string
  readonly group: string
  readonly sourceIds: ReadonlySet<string>
  readonly transforms: readonly TransformNode[]
  readonly sinks: readonly PipelineSink[]
  readonly settings: PipelineConfig
  /** What to do when the group's offset is no longer in the log (default `earliest`). */
  readonly offsetReset?: OffsetResetPolicy
  /** Registry for the offset reset counters. */
  readonly metrics?: Metrics
  readonly logger: Logger
}

/** The running pipeline. */
export class Pipeline {
  readonly #o: PipelineOptions
  #position: PartitionOffsets = {}
  #partitions = 1
  /** Per sink: offsets below which it already stored the records (from its own stored position). */
  #skip = new Map<string, PartitionOffsets>()
  /** The committed offsets at start: re-reading for a sink behind them never commits less. */
  #committedFloor: PartitionOffsets = {}
  #stopping = false
  readonly #forced = new AbortController()
  #loop: Promise<void> | null = null
  #healthy = true
  #lastError: string | null = null
  #unroutedWarned = false
  /** The fields records are decoded with (see Sink.fields). */
  readonly #mask: FieldMask

  constructor(options: PipelineOptions) {
    this.#o = options
    this.#mask = decodeMask(options.transforms, options.sinks)
  }

  /** True unless the pipeline is retrying a failing sink. */
  get healthy(): boolean {
    return this.#healthy
  }

  /** The latest sink failure, if the pipeline is not healthy. */
  get lastError(): string | null {
    return this.#lastError
  }

  /** The offsets the next read starts from. */
  get position(): PartitionOffsets {
    return { ...this.#position }
  }

  /** Reads committed offsets and sinks' stored positions, then starts consuming. */
  async start(): Promise<void> {
    const { log, topic, group } = this.#o
    this.#partitions = await log.partitions(topic)
    const committed = await log.committed(topic, group)
    const start = await log.startOffsets(topic)
    // A partition the group never committed starts at the oldest record kept: nothing to warn about.
    for (let p = 0; p < this.#partitions; p++) this.#position[p] = committed[p] ?? start[p] ?? 0
    this.#committedFloor = { ...this.#position }
    // What each sink already holds: its stored position if it keeps one, else the committed offsets.
    const holds = new Map<string, PartitionOffsets>()
    const from: PartitionOffsets = { ...this.#position }
    for (const s of this.#o.sinks) {
      const stored = await s.sink.storedPosition?.(topic)
      const held: PartitionOffsets = { ...this.#position }
      if (stored)
        for (const [p, o] of Object.entries(stored.offsets)) {
          const partition = Number(p)
          if (partition >= this.#partitions) continue
          // A position below the log's start (retention deleted those records) resumes at the start.
          held[partition] = Math.max(o, start[partition] ?? 0)
          if (held[partition] < (from[partition] ?? 0)) from[partition] = held[partition]
        }
      holds.set(s.id, held)
    }
    // A sink that checkpoints at an interval may be behind the committed offsets: reading resumes
    // at the earliest position any sink holds, and each sink skips what it already has.
    for (const s of this.#o.sinks) {
      const held = holds.get(s.id)!
      const skip: PartitionOffsets = {}
      for (const [p, o] of Object.entries(held)) if (o > (from[Number(p)] ?? 0)) skip[Number(p)] = o
      if (Object.keys(skip).length === 0) continue
      this.#skip.set(s.id, skip)
      this.#o.logger.info(
        { sink: s.id, holds: held, from, committed },
        'resuming before what this sink holds; it is sent only the records it lacks',
      )
    }
    this.#position = from
    await warmUpTransforms(log, topic, this.#position, this.#o.transforms, this.#o.logger)
    this.#loop = this.#run()
  }

  /**
   * Stops consuming. With `drainMs` > 0 it first processes what the log holds now, for at most that
   * long; anything left is read again on the next start.
   */
  async stop(drainMs: number): Promise<void> {
    const target = await this.#o.log.endOffsets(this.#o.topic)
    const deadline = Date.now() + drainMs
    while (drainMs > 0 && Date.now() < deadline && this.#behind(target) && this.#healthy) {
      await new Promise((r) => setTimeout(r, 20))
    }
    this.#stopping = true
    this.#forced.abort()
    await this.#loop
  }

  #behind(target: PartitionOffsets): boolean {
    return Object.entries(target).some(([p, o]) => (this.#position[Number(p)] ?? 0) < o)
  }

  /** Reads a batch into `arena`, which no batch still in use holds (see ReadArena). */
  async #read(at: PartitionOffsets, arena: ReadArena): Promise<LogRecord[]> {
    const per = Math.max(1, Math.floor(this.#o.settings.batch_max_events / this.#partitions))
    const out: LogRecord[] = []
    arena.reset()
    for (let p = 0; p < this.#partitions; p++) {
      const records = await this.#o.log.read(this.#o.topic, p, at[p] ?? 0, per, arena)
      for (const r of records) out.push(r)
    }
    return out
  }

  async #run(): Promise<void> {
    const { log, topic, logger } = this.#o
    let lastBatch = 0
    // Reading runs one batch ahead of delivery: while the sinks write and commit batch N (DuckDB
    // works on its own threads, the log's reads on the ingest thread), this thread reads, decodes
    // and transforms batch N+1. Sinks still get batches one at a time and in order, and offsets are
    // committed only after every sink resolved; a failure or a forced stop while batch N is retried
    // drops N+1 unread-as-far-as-anyone-knows (its offsets were never committed).
    let readAt: PartitionOffsets = { ...this.#position }
    let inFlight: Promise<boolean> | null = null
    // The records of a batch are views of the arena it was read into: the next read goes into the
    // other one, so the batch being delivered (whose records `complete` may decode again) stays intact.
    const arenas = [new ReadArena(), new ReadArena()] as const
    let delivering: ReadArena | null = null
    while (!this.#stopping) {
      // A pause between small batches lets them grow: each batch costs a store transaction and an
      // offset commit, so a trickle of single events would otherwise mean hundreds of each a second.
      const pause = lastBatch + this.#o.settings.min_batch_interval_ms - Date.now()
      if (pause > 0) await this.#sleep(pause)
      let records: LogRecord[]
      const arena: ReadArena = delivering === arenas[0] ? arenas[1] : arenas[0]
      try {
        records = await this.#read(readAt, arena)
      } catch (err) {
        if (inFlight && !(await inFlight)) return
        inFlight = null
        delivering = null
        if (err instanceof OffsetOutOfRangeError) {
          await this.#reset(err)
          readAt = { ...this.#position }
          continue
        }
        logger.error({ err }, 'reading the log failed; retrying')
        await this.#sleep(this.#o.settings.retry_initial_ms)
        readAt = { ...this.#position }
        continue
      }
      if (records.length === 0) {
        if (inFlight) {
          if (!(await inFlight)) return
          inFlight = null
          delivering = null
          continue
        }
        await log.waitForData(topic, this.#position, this.#o.settings.poll_timeout_ms, this.#forced.signal)
        continue
      }
      lastBatch = Date.now()
      const next: PartitionOffsets = { ...readAt }
      for (const r of records) next[r.partition] = Math.max(next[r.partition] ?? 0, r.offset + 1)
      readAt = next
      const routed = this.#route(records)
      if (inFlight && !(await inFlight)) return // forced stop while retrying: nothing more is committed
      inFlight = this.#deliverAndCommit(routed, next)
      delivering = arena
    }
    if (inFlight) await inFlight
  }

  /** Delivers a routed batch and commits its offsets; false if a forced stop interrupted retries. */
  async #deliverAndCommit(routed: RoutedBatch, next: PartitionOffsets): Promise<boolean> {
    const { log, topic, group, logger } = this.#o
    const delivered = await this.#deliver(routed, { topic, offsets: next })
    if (!delivered) return false // the batch is read again on the next start
    const commit: PartitionOffsets = { ...next }
    for (const [p, o] of Object.entries(this.#committedFloor))
      if (o > (commit[Number(p)] ?? 0)) commit[Number(p)] = o
    try {
      await log.commit(topic, group, commit)
    } catch (err) {
      // The sinks hold the batch; exactly-once sinks skip it after a restart, others may see it twice.
      logger.error({ err }, 'committing consumer offsets failed')
    }
    this.#position = next
    for (const [sinkId, skip] of this.#skip) {
      if (Object.entries(skip).every(([p, o]) => (next[Number(p)] ?? 0) >= o)) this.#skip.delete(sinkId)
    }
    return true
  }

  /** The group's offset fell out of the log: continue where the reset policy says, or stop (`fail`). */
  async #reset(err: OffsetOutOfRangeError): Promise<void> {
    const { log, topic, group, logger } = this.#o
    const policy = this.#o.offsetReset ?? 'earliest'
    const target = resetOffset(err, {
      topic,
      group,
      policy,
      logger,
      metrics: this.#o.metrics,
      report: this.#healthy,
    })
    if (target === null) {
      this.#healthy = false
      this.#lastError = `${err.message}; log.offset_reset is "fail"`
      await this.#sleep(this.#o.settings.retry_max_ms)
      return
    }
    this.#position[err.partition] = target
    await log
      .commit(topic, group, this.#position)
      .catch((e) => logger.error({ err: e }, 'committing the reset offset failed'))
  }

  /** Runs a batch through the transforms, once, and splits it by sink. */
  #route(records: readonly LogRecord[]): RoutedBatch {
    const { transforms, sinks, sourceIds, logger } = this.#o
    const out = routeBatch(records, transforms, sinks, sourceIds, this.#skip, this.#mask)
    if (out.unrouted > 0 && !this.#unroutedWarned) {
      this.#unroutedWarned = true
      logger.warn(
        { count: out.unrouted },
        'events from a source that no transform or sink reads were skipped (they stay in the log)',
      )
    }
    const dlSinks = sinks.filter((s) => s.sink.keepsDeadLetters)
    if (out.allDeadLetters.length > 0 && dlSinks.length === 0) {
      logger.warn(
        { count: out.allDeadLetters.length, reasons: reasons(out.allDeadLetters) },
        'dead letters with no sink that keeps them',
      )
    }
    return out
  }

  /** Writes a routed batch to every sink; false if a forced stop interrupted the retries. */
  async #deliver(out: RoutedBatch, position: LogPosition): Promise<boolean> {
    const { sinks } = this.#o
    const results = await Promise.all(
      sinks.map(async (s) => {
        // A sink that stored part of this range before a crash gets only what it lacks.
        const events = out.events.get(s.id) ?? []
        const deadLetters = s.sink.keepsDeadLetters ? (out.deadLetters.get(s.id) ?? []) : []
        s.metrics.received(events.length)
        return this.#writeWithRetry(s, events, deadLetters, sinkPosition(position, this.#skip.get(s.id)), out)
      }),
    )
    return results.every(Boolean)
  }

  async #writeWithRetry(
    s: PipelineSink,
    events: PipelineSinkEvents,
    deadLetters: readonly DeadLetter[],
    position: LogPosition,
    { partitions, complete }: Pick<RoutedBatch, 'partitions' | 'complete'>,
  ): Promise<boolean> {
    let backoff = this.#o.settings.retry_initial_ms
    // The partitions of this sink's events, found when the sink first asks.
    let parts: Int32Array | null = null
    const partitionOf = (_e: ClickEvent, index: number): number => {
      parts ??= partitions(s.id)
      return parts[index] ?? -1
    }
    for (;;) {
      try {
        await s.sink.write(
          { events, deadLetters },
          { signal: this.#forced.signal, position, partitionOf, complete },
        )
        s.metrics.sent(events.length)
        this.#healthy = true
        this.#lastError = null
        return true
      } catch (err) {
        const code = err instanceof SinkError ? err.code : 'sink_failed'
        s.metrics.error(code)
        this.#lastError = `${s.id}: ${errorMessage(err)}`
        if (err instanceof SinkError && !err.retryable && events.length > 0) {
          // The batch itself is at fault: keep its events as dead letters instead of blocking forever.
          this.#o.logger.error(
            { err, sink: s.id, events: events.length },
            'sink refused a batch; its events go to the dead letters',
          )
          s.metrics.discarded('sink_refused', events.length)
          deadLetters = [
            ...deadLetters,
            ...events.map((e) => ({
              component_id: s.id,
              reason: 'sink_refused',
              message: errorMessage(err),
              received_at: e.received_at,
              payload: JSON.stringify(complete(e)),
            })),
          ]
          events = []
          if (!s.sink.keepsDeadLetters) return true
          continue
        }
        this.#healthy = false
        this.#o.logger.warn({ err, sink: s.id, retry_in_ms: backoff }, 'sink write failed; retrying')
        if (this.#stopping) return false
        await this.#sleep(backoff)
        if (this.#stopping) return false
        backoff = Math.min(backoff * 2, this.#o.settings.retry_max_ms)
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#forced.signal
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const t = setTimeout(done, ms)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}

/**
 * The position a sink reaches with this batch: where it already holds more (it is being skipped
 * while the pipeline re-reads for a sink behind it), its own position, never one that goes back.
 * Storing the batch's position there would make its stored position regress, and a crash then
 * would send it the skipped records a second time.
 */
function sinkPosition(position: LogPosition, skip: PartitionOffsets | undefined): LogPosition {
  if (!skip) return position
  const offsets: PartitionOffsets = { ...position.offsets }
  for (const [p, o] of Object.entries(skip)) if (o > (offsets[Number(p)] ?? 0)) offsets[Number(p)] = o
  return { topic: position.topic, offsets }
}

type PipelineSinkEvents = Parameters<Sink['write']>[0]['events']

function reasons(items: readonly DeadLetter[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const d of items) out[d.reason] = (out[d.reason] ?? 0) + 1
  return out
}

/**
 * The fields to decode: the union of the sinks' declared fields when there are no transforms (they
 * read and write fields of their own) and every sink declares them; otherwise every field.
 */
function decodeMask(transforms: readonly TransformNode[], sinks: readonly PipelineSink[]): FieldMask {
  if (transforms.length > 0 || sinks.length === 0) return ALL_FIELDS
  const fields = new Set<EventField>()
  for (const s of sinks) {
    if (s.sink.fields === undefined) return ALL_FIELDS
    for (const f of s.sink.fields) fields.add(f)
  }
  return fieldMask(fields)
}

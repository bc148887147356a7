// The processor sink's runtime: feeds each batch to the engine and, every checkpoint interval (or
// after enough events), writes sessions, rollups, late events, the state and the log position in
// one transaction, in the background while the next batches are applied. Batches between
// checkpoints are acknowledged at once; after a crash the pipeline resumes at the checkpoint's
// position for this sink (see Sink.storedPosition), so the state and the tables see every event
// exactly once.
import type { DuckDBConnection } from '@duckdb/node-api'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { BuildContext, LogPosition, Sink, SinkBatch, SinkWriteContext } from '../../core/component.ts'
import { errorMessage, SinkError } from '../../core/errors.ts'
import type { ClickEvent } from '../../core/event.ts'
import type { CheckpointStore } from '../../processor/checkpoint-store.ts'
import { type EngineChanges, ProcessorEngine } from '../../processor/engine.ts'
import { PROCESSOR_FIELDS, type ProcessorEvent } from '../../processor/event-fields.ts'
import type { Database } from '../../store/duckdb/database.ts'
import type { ProcessorSinkConfig } from './config.ts'

/** The processor's own metrics, labelled by component id. */
interface ProcessorMetrics {
  readonly watermark: Gauge<'component_id'>
  readonly openSessions: Gauge<'component_id'>
  readonly lateEvents: Counter<'component_id'>
  readonly checkpointSeconds: Histogram<'component_id'>
}

function processorMetrics(registry: Registry): ProcessorMetrics {
  // Several processor sinks share the families (labelled by id): create them once per registry.
  const get = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make()
  const registers = [registry]
  const labelNames = ['component_id'] as const
  return {
    watermark: get(
      'clickflow_processor_watermark_seconds',
      () =>
        new Gauge({
          name: 'clickflow_processor_watermark_seconds',
          help: "The processor's event-time watermark (Unix seconds).",
          labelNames,
          registers,
        }),
    ),
    openSessions: get(
      'clickflow_processor_open_sessions',
      () =>
        new Gauge({
          name: 'clickflow_processor_open_sessions',
          help: 'Sessions held in memory (not yet closed by the watermark).',
          labelNames,
          registers,
        }),
    ),
    lateEvents: get(
      'clickflow_processor_late_events_total',
      () =>
        new Counter({
          name: 'clickflow_processor_late_events_total',
          help: 'Events later than the allowed lateness, kept in late_events.',
          labelNames,
          registers,
        }),
    ),
    checkpointSeconds: get(
      'clickflow_processor_checkpoint_seconds',
      () =>
        new Histogram({
          name: 'clickflow_processor_checkpoint_seconds',
          help: 'Duration of one checkpoint transaction.',
          labelNames,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
          registers,
        }),
    ),
  }
}

/** Events of a batch without log partitions (a caller that is not the pipeline). */
function noPartition(): number {
  return -1
}

/** Events that came with every field (a pipeline that decodes whole records). */
function whole(e: ClickEvent): ClickEvent {
  return e
}

function samePosition(a: LogPosition | null, b: LogPosition): boolean {
  if (!a || a.topic !== b.topic) return false
  const ka = Object.keys(a.offsets)
  if (ka.length !== Object.keys(b.offsets).length) return false
  return ka.every((p) => a.offsets[Number(p)] === b.offsets[Number(p)])
}

/** The running processor sink. */
export class ProcessorSink implements Sink {
  readonly keepsDeadLetters = false
  readonly fields = PROCESSOR_FIELDS
  readonly #cfg: ProcessorSinkConfig
  readonly #ctx: BuildContext
  readonly #db: Database
  readonly #conn: DuckDBConnection
  readonly #store: CheckpointStore
  readonly #engine: ProcessorEngine
  readonly #metrics: ProcessorMetrics
  /** The position of the last batch applied to the engine, and of the last checkpoint. */
  #applied: LogPosition | null = null
  #checkpointed: LogPosition | null = null
  /** A checkpoint whose transaction failed: written again, as it was, before anything newer. */
  #failed: { changes: EngineChanges; position: LogPosition } | null = null
  #sinceCheckpoint = 0
  #lastCheckpointAt: number
  /** When the last batch was applied (clock ms), and how long before that its newest event arrived. */
  #lastBatchAt = Number.NEGATIVE_INFINITY
  #lagMs = 0
  /** Writes and explicit checkpoints, one at a time, in order. */
  #queue: Promise<void> = Promise.resolve()
  /** The checkpoint transaction running in the background, if any (one at a time on the connection). */
  #inflight: Promise<void> | null = null
  #timer: NodeJS.Timeout | null = null
  #closed = false

  constructor(
    cfg: ProcessorSinkConfig,
    ctx: BuildContext,
    db: Database,
    conn: DuckDBConnection,
    store: CheckpointStore,
  ) {
    this.#cfg = cfg
    this.#ctx = ctx
    this.#db = db
    this.#conn = conn
    this.#store = store
    this.#metrics = processorMetrics(ctx.registry.registry)
    this.#engine = new ProcessorEngine(
      {
        watermarkBoundMs: cfg.watermark_bound_ms,
        idleTimeoutMs: cfg.idle_timeout_ms,
        allowedLatenessMs: cfg.allowed_lateness_ms,
        sessionGapMs: cfg.session_gap_ms,
        sessionMaxMs: cfg.session_max_ms,
        bounceEngagedMs: cfg.bounce_engaged_ms,
      },
      ctx.clock,
    )
    this.#lastCheckpointAt = ctx.clock.now()
    ctx.erasure?.add((visitors) => this.forget(visitors))
    // Open sessions and the current minute are written even when no batch arrives, so the tables
    // (today's bounce rate, this minute's visitors) lag by at most an interval.
    this.#timer = setInterval(() => {
      if (this.#inflight || !this.#due(this.#ctx.clock.now())) return
      this.checkpoint().catch((err) => this.#ctx.log.error({ err }, 'processor checkpoint failed; retrying'))
    }, cfg.checkpoint_interval_ms)
    this.#timer.unref()
  }

  /** Loads the last checkpoint into the engine; called once before the pipeline starts. */
  async restore(topic: string): Promise<void> {
    const saved = await this.#store.read(topic)
    if (!saved) return
    this.#engine.restore(saved.meta, saved.sessions)
    this.#applied = saved.position
    this.#checkpointed = saved.position
    this.#ctx.log.info(
      { position: saved.position.offsets, open_sessions: saved.sessions.length },
      'processor state restored from its checkpoint',
    )
  }

  /** The engine, for tests and the benchmark. */
  get engine(): ProcessorEngine {
    return this.#engine
  }

  async healthcheck(): Promise<void> {
    await this.#conn.run('SELECT 1')
  }

  write(batch: SinkBatch, ctx: SinkWriteContext): Promise<void> {
    const run = this.#queue.then(() => this.#write(batch, ctx))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #write(batch: SinkBatch, ctx: SinkWriteContext): Promise<void> {
    // A retried batch was applied already: it is not applied twice.
    if (!samePosition(this.#applied, ctx.position)) {
      const out = this.#engine.process(batch.events, ctx.partitionOf ?? noPartition, ctx.complete ?? whole)
      if (out.late > 0) {
        this.#ctx.metrics.discarded('late', out.late)
        this.#metrics.lateEvents.inc({ component_id: this.#ctx.id }, out.late)
      }
      if (out.duplicates > 0) this.#ctx.metrics.discarded('duplicate', out.duplicates)
      this.#applied = ctx.position
      this.#sinceCheckpoint += batch.events.length
      this.#noteLag(batch.events)
    }
    // Until its first checkpoint the sink has no position to report, and the pipeline would take it
    // to hold the committed offsets, which move on as batches are acknowledged: a crash then lost
    // those batches for the processor. The first batch is therefore checkpointed before it is
    // acknowledged; from then on the stored position covers every partition.
    if (this.#checkpointed === null) {
      if (this.#inflight) await this.#inflight
      return this.#checkpoint()
    }
    const due =
      this.#failed !== null ||
      this.#sinceCheckpoint >= this.#cfg.checkpoint_max_events ||
      this.#due(this.#ctx.clock.now())
    if (!due) return
    // One checkpoint in flight at most: when the store is slower than the stream, the pipeline waits.
    if (this.#inflight) await this.#inflight
    // A checkpoint failed: retry it here, so the pipeline sees the error (retries, not ready).
    if (this.#failed) return this.#checkpoint()
    this.#startCheckpoint()
  }

  /** Notes how far behind the stream the batch's newest event is (by when the source received it). */
  #noteLag(events: readonly ProcessorEvent[]): void {
    if (events.length === 0) return
    let newest = Number.NEGATIVE_INFINITY
    for (const e of events) if (e.received_at > newest) newest = e.received_at
    const now = this.#ctx.clock.now()
    this.#lastBatchAt = now
    this.#lagMs = now - newest
  }

  /**
   * Whether the checkpoint interval has passed. It is `checkpoint_interval_ms` while the processor
   * keeps up with the stream. While it works through a backlog (the events it gets were received
   * longer ago than that), the interval stretches with that lag up to `checkpoint_max_interval_ms`:
   * the tables are already that far behind, they stay at most about twice as far behind, and the
   * cost of a checkpoint, which grows with the sessions that changed, not with the events, is
   * shared by more events, so the backlog is worked off sooner. No batch for an interval means
   * the processor has caught up.
   */
  #due(now: number): boolean {
    const base = this.#cfg.checkpoint_interval_ms
    let interval = base
    if (now - this.#lastBatchAt < base && this.#lagMs > base)
      interval = Math.min(this.#lagMs, Math.max(base, this.#cfg.checkpoint_max_interval_ms))
    return now - this.#lastCheckpointAt >= interval
  }

  /**
   * Starts a checkpoint without waiting for it: its changes are taken from the engine now, and the
   * transaction runs while the next batches are applied, so a slow commit does not hold up the
   * pipeline (and with it the store's other sinks).
   */
  #startCheckpoint(): void {
    this.#inflight = this.#checkpoint()
      .catch((err) => this.#ctx.log.error({ err }, 'processor checkpoint failed; retrying'))
      .finally(() => {
        this.#inflight = null
      })
  }

  /** Resolves once no checkpoint is in flight (for tests that stop a sink the way a crash would). */
  async settled(): Promise<void> {
    await this.#queue
    if (this.#inflight) await this.#inflight
  }

  /**
   * Forgets visitors (an erasure) and checkpoints at once: their sessions are never written again,
   * and the saved state no longer holds them (the checkpoint writes a snapshot without them).
   */
  forget(visitors: ReadonlySet<string>): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#inflight) await this.#inflight
      if (this.#engine.erase(visitors) > 0) await this.#checkpoint()
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Writes a checkpoint now (after the one in flight) if anything changed since the last one. */
  checkpoint(): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#inflight) await this.#inflight
      await this.#checkpoint()
    })
    this.#queue = run.catch(() => undefined)
    return run
  }

  async #checkpoint(): Promise<void> {
    const started = this.#ctx.clock.now()
    this.#lastCheckpointAt = started
    const timer = this.#metrics.checkpointSeconds.startTimer({ component_id: this.#ctx.id })
    try {
      if (this.#failed) {
        await this.#store.write(this.#failed.changes, this.#failed.position, started)
        this.#checkpointed = this.#failed.position
        this.#failed = null
      }
      const position = this.#applied
      if (!position) return
      // Synchronous: the changes and the position are one consistent cut of the engine's state.
      const changes = this.#engine.drain()
      this.#sinceCheckpoint = 0
      const empty =
        changes.sessions.rows.length === 0 &&
        changes.sessions.deleteIds.length === 0 &&
        changes.sessions.state === null &&
        changes.rollups.length === 0 &&
        changes.late.length === 0
      if (empty && samePosition(this.#checkpointed, position)) return
      try {
        await this.#store.write(changes, position, started)
      } catch (err) {
        this.#failed = { changes, position }
        throw err
      }
      this.#checkpointed = position
      this.#ctx.metrics.sent(changes.sessions.rows.length)
      const w = this.#engine.watermarks.value
      if (Number.isFinite(w)) this.#metrics.watermark.set({ component_id: this.#ctx.id }, w / 1000)
      this.#metrics.openSessions.set({ component_id: this.#ctx.id }, this.#engine.sessions.openCount)
    } catch (err) {
      this.#ctx.metrics.error('checkpoint_failed')
      throw new SinkError(
        'processor_checkpoint_failed',
        `writing the processor checkpoint to ${this.#db.path} failed: ${errorMessage(err)}`,
        true,
        { cause: err },
      )
    } finally {
      timer()
    }
  }

  async storedPosition(topic: string): Promise<LogPosition | null> {
    return this.#checkpointed && this.#checkpointed.topic === topic ? this.#checkpointed : null
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#timer) clearInterval(this.#timer)
    await this.#queue
    if (this.#inflight) await this.#inflight
    // What was applied since the last checkpoint is written now, so a clean stop re-reads nothing.
    await this.#checkpoint().catch((err) =>
      this.#ctx.log.error(
        { err },
        'the final processor checkpoint failed; the next start reads those events again',
      ),
    )
    this.#conn.closeSync()
    await this.#db.release()
  }
}

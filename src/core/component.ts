// The component contracts: a component is a spec (type, strict zod config, build) whose build()
// returns the running source, transform or sink. The topology owns everything between them.
import type { z } from 'zod'
import type { AdminRoutes } from '../api/admin-routes.ts'
import type { AppendRecord } from '../log/log.ts'
import type { Database } from '../store/duckdb/database.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { ComponentMetrics, Metrics } from '../telemetry/metrics.ts'
import type { Clock } from './clock.ts'
import type { ErasureHooks } from './erasure-hooks.ts'
import type { ClickEvent, DeadLetter, EventField } from './event.ts'
import type { StepResult } from './step-result.ts'

/** The three kinds of component. */
export type ComponentKind = 'source' | 'transform' | 'sink'

/** Everything a component may reach of the process; nothing else (no process.env, no globals). */
export interface BuildContext {
  /** The component's id in the config (`collector`, `store`). */
  readonly id: string
  readonly type: string
  /** Child logger labelled with id and type. */
  readonly log: Logger
  /** This component's received / sent / discarded / error counters. */
  readonly metrics: ComponentMetrics
  /** The process registry, for components that export metrics of their own. */
  readonly registry: Metrics
  readonly clock: Clock
  /** The data directory; a component keeps its own state under `dataDir/<kind>s/<id>` or as configured. */
  readonly dataDir: string
  /**
   * Opens the shared DuckDB database (default: the store's file, which the API queries). One
   * database per file per process, so the sink that writes and the API that reads share it.
   */
  openDuckdb(path?: string): Promise<Database>
  /**
   * Endpoints for the admin listener (a live stream, state a component exposes). Present only in
   * the processing role, where the admin listener runs.
   */
  readonly adminRoutes?: AdminRoutes
  /** Where a component that holds people's data in memory registers to forget them (processing role). */
  readonly erasure?: ErasureHooks
}

/** A component type: its config schema and how to build it. */
export interface ComponentSpec<K extends ComponentKind, C, R> {
  readonly kind: K
  /** The `type:` value in config (`http_collector`, `validate`, `duckdb`). */
  readonly type: string
  /** One line, listed by the CLI and the config reference. */
  readonly description: string
  /** Strict schema with defaults and `.describe()` docs. Unknown keys are errors. */
  readonly config: z.ZodType<C>
  build(config: C, ctx: BuildContext): Promise<R>
}

/** Where a source puts what it takes in. Resolves only once the data is durable (backpressure = await). */
export interface EventWriter {
  write(events: readonly ClickEvent[]): Promise<void>
  /** Invalid inputs, kept with their reason; durable like events. */
  deadLetter(items: readonly DeadLetter[]): Promise<void>
  /**
   * Events and dead letters already encoded as records of the events topic (src/log/envelope.ts),
   * appended as they are in one durable write: for sources that encode off their own thread (the
   * file tail's parse workers). Absent on writers that are not the log (import's handoff): those
   * get `write` and `deadLetter`.
   */
  writeRecords?(records: readonly AppendRecord[]): Promise<void>
}

/** A running source: takes input from the outside world and writes it to the durable log. */
export interface Source {
  /** Starts taking input; resolves once it accepts (e.g. the port is bound). */
  start(out: EventWriter): Promise<void>
  /** Stops taking new input and resolves once everything in flight is acknowledged or refused. */
  stop(): Promise<void>
  /** Addresses it listens on, for the startup banner (empty for non-network sources). */
  urls(): readonly string[]
}

/** A running stateless transform: one event in, one outcome out. */
export interface Transform {
  apply(event: ClickEvent): StepResult
  /**
   * Memory to rebuild after a restart (dedupe's recent ids): on start the pipeline hands `remember`
   * the events of up to `records` log records before its start position, per partition. Their
   * outcomes go nowhere; they were processed before the restart.
   */
  readonly warmup?: { readonly records: number; remember(event: ClickEvent): void }
}

/** How far in the log a batch reaches: next offset to read, per partition of the input topic. */
export interface LogPosition {
  readonly topic: string
  readonly offsets: Readonly<Record<number, number>>
}

/** What a sink receives with each batch. */
export interface SinkWriteContext {
  readonly signal: AbortSignal
  /** The log position after this batch; transactional sinks store it atomically with the rows. */
  readonly position: LogPosition
  /**
   * The log partition an event of this batch came from (-1 for an event a transform created), for
   * sinks that keep per-partition state such as event-time watermarks. `index` is the event's
   * place in the batch's `events`, which makes the answer an array read.
   */
  readonly partitionOf?: (event: ClickEvent, index: number) => number
  /**
   * An event of this batch with every field decoded, for a sink that declared {@link Sink.fields}
   * and must keep a few events whole (the processor's late events); the event itself otherwise.
   * Call it before `write` resolves: the batch's record bytes are reused for a later batch.
   */
  readonly complete?: (event: ClickEvent) => ClickEvent
}

/** What a sink stores at once: events, and dead letters when it keeps them. */
export interface SinkBatch {
  readonly events: readonly ClickEvent[]
  /** Empty unless the sink's `keepsDeadLetters` is true. */
  readonly deadLetters: readonly DeadLetter[]
}

/** A running sink: stores batches. `write` resolves only once the batch is durable in the sink. */
export interface Sink {
  /** Whether dead letters are routed to this sink, to be kept where people can read them. */
  readonly keepsDeadLetters: boolean
  /**
   * The event fields this sink reads, if it declares them. When the pipeline has no transforms and
   * every sink declares its fields, records are decoded with only their union (the others null,
   * see event-codec.ts's fieldMask); `SinkWriteContext.complete` gives an event whole.
   */
  readonly fields?: readonly EventField[]
  healthcheck(signal: AbortSignal): Promise<void>
  /** Stores a batch; rejects with SinkError (retryable or not). */
  write(batch: SinkBatch, ctx: SinkWriteContext): Promise<void>
  /**
   * The position this sink stored atomically with its data, if it does so (exactly-once sinks).
   * Records before it are not sent again after a restart. It may also be behind the committed
   * offsets (a sink that checkpoints at an interval and acknowledges batches in between): the
   * pipeline then starts reading there and sends the records up to the committed offsets to that
   * sink alone.
   */
  storedPosition?(topic: string): Promise<LogPosition | null>
  close(): Promise<void>
}

/** Spec of a source type. */
export type SourceSpec<C> = ComponentSpec<'source', C, Source>
/** Spec of a transform type. */
export type TransformSpec<C> = ComponentSpec<'transform', C, Transform>
/** Spec of a sink type. */
export type SinkSpec<C> = ComponentSpec<'sink', C, Sink>

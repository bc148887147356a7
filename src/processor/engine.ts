// The stream processor's in-memory engine: event-time watermarks, the late-event rule, sessions and
// per-minute rollups. It does no I/O; the processor sink feeds it batches and writes what `drain()`
// returns, with the checkpoint, in one store transaction.
import type { Clock } from '../core/clock.ts'
import type { ClickEvent } from '../core/event.ts'
import type { ProcessorEvent } from './event-fields.ts'
import { type RollupRow, rollupRow, rollupWindows } from './rollups.ts'
import type { Session } from './session.ts'
import { type SessionChanges, Sessionizer } from './sessions.ts'
import { type WatermarkState, Watermarks } from './watermarks.ts'
import type { WindowOperator } from './windows.ts'

/** Engine settings (the processor sink's config, in milliseconds). */
export interface EngineOptions {
  readonly watermarkBoundMs: number
  readonly idleTimeoutMs: number
  readonly allowedLatenessMs: number
  readonly sessionGapMs: number
  readonly sessionMaxMs: number
  readonly bounceEngagedMs: number
}

/** An event that arrived after the allowed lateness, with the watermark it met. */
export interface LateEvent {
  /** Whole (every field), as late_events keeps it. */
  readonly event: ClickEvent
  readonly watermark: number
}

/** The small part of the state, saved whole at every checkpoint (sessions are saved per session). */
export interface EngineMeta {
  readonly watermarks: WatermarkState
  readonly rollups: ReturnType<WindowOperator<ProcessorEvent>['snapshot']>
}

/** Everything to write at a checkpoint. */
export interface EngineChanges {
  readonly sessions: SessionChanges
  readonly rollups: readonly RollupRow[]
  readonly late: readonly LateEvent[]
  readonly meta: EngineMeta
}

/** Counts of one batch. */
export interface BatchOutcome {
  readonly processed: number
  readonly late: number
  readonly duplicates: number
}

/** An event that came with every field (the overload without `complete` takes only those). */
function whole(e: ClickEvent): ClickEvent {
  return e
}

/** The engine. */
export class ProcessorEngine {
  readonly #o: EngineOptions
  readonly watermarks: Watermarks
  readonly sessions: Sessionizer
  readonly rollups: WindowOperator<ProcessorEvent>
  readonly #clock: Clock
  #late: LateEvent[] = []

  constructor(options: EngineOptions, clock: Clock) {
    this.#o = options
    this.#clock = clock
    this.watermarks = new Watermarks(
      { boundMs: options.watermarkBoundMs, idleTimeoutMs: options.idleTimeoutMs },
      clock,
    )
    this.sessions = new Sessionizer({
      gapMs: options.sessionGapMs,
      maxMs: options.sessionMaxMs,
      allowedLatenessMs: options.allowedLatenessMs,
      bounceEngagedMs: options.bounceEngagedMs,
    })
    this.rollups = rollupWindows(options.allowedLatenessMs)
  }

  /**
   * Processes a batch. The watermark is taken once at the start of the batch (as a periodic
   * watermark would be): an event older than watermark - allowed lateness is late and kept aside.
   * Duplicates (flagged by dedupe) are skipped; bots get sessions (flagged) but no rollups.
   * `complete` gives a late event with every field (events may come decoded with only the
   * processor's fields).
   */
  process(events: readonly ClickEvent[], partitionOf: (e: ClickEvent, index: number) => number): BatchOutcome
  process<E extends ProcessorEvent>(
    events: readonly E[],
    partitionOf: (e: E, index: number) => number,
    complete: (e: E) => ClickEvent,
  ): BatchOutcome
  process<E extends ProcessorEvent>(
    events: readonly E[],
    partitionOf: (e: E, index: number) => number,
    complete: (e: E) => ClickEvent = whole as unknown as (e: E) => ClickEvent,
  ): BatchOutcome {
    const watermark = this.watermarks.current()
    const horizon = watermark - this.#o.allowedLatenessMs
    let late = 0
    let duplicates = 0
    const now = this.#clock.now()
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      if (e.is_duplicate) {
        duplicates++
        continue
      }
      const t = e.event_time
      this.watermarks.observe(partitionOf(e, i), t, now)
      if (t < horizon) {
        this.#late.push({ event: complete(e), watermark })
        late++
        continue
      }
      if (e.visitor_id !== null) this.sessions.add(e, e.visitor_id)
      if (!e.is_bot) this.rollups.add(e.site ?? '', t, e, watermark)
    }
    return { processed: events.length - late - duplicates, late, duplicates }
  }

  /** Moves event time on: closes windows and evicts sessions no event can reach any more. */
  advance(): number {
    const watermark = this.watermarks.current()
    this.rollups.advance(watermark)
    return this.sessions.evict(watermark)
  }

  /** Forgets these visitors (an erasure): their sessions and their late events not yet written. */
  erase(visitors: ReadonlySet<string>): number {
    this.#late = this.#late.filter((l) => l.event.visitor_id === null || !visitors.has(l.event.visitor_id))
    return this.sessions.erase(visitors)
  }

  /** Whether a checkpoint would write anything besides the position. */
  get changed(): boolean {
    return this.sessions.changed || this.rollups.dirtySize > 0 || this.#late.length > 0
  }

  /** Everything changed since the last drain, and the state to save with it. */
  drain(): EngineChanges {
    this.advance()
    const late = this.#late
    this.#late = []
    return {
      sessions: this.sessions.drain(),
      rollups: this.rollups.drainDirty().map(rollupRow),
      late,
      meta: { watermarks: this.watermarks.snapshot(), rollups: this.rollups.snapshot() },
    }
  }

  /** Restores the state a checkpoint saved. */
  restore(meta: EngineMeta, sessions: readonly Session[]): void {
    this.watermarks.restore(meta.watermarks)
    this.rollups.restore(meta.rollups)
    this.sessions.restore(sessions)
  }
}

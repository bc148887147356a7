// Event-time watermarks: each log partition's watermark is the latest event time seen there minus
// the out-of-orderness bound; the processor's is the minimum over partitions that are not idle, so
// one quiet partition (no events for `idleTimeoutMs` of wall time) does not hold every window open.
import type { Clock } from '../core/clock.ts'

/** Watermark settings. */
export interface WatermarkOptions {
  /** How far behind the latest event time an event may still arrive in order (ms). */
  readonly boundMs: number
  /** Wall time without events after which a partition no longer holds the watermark back (ms). */
  readonly idleTimeoutMs: number
}

interface PartitionMark {
  maxEventTime: number
  lastSeenAt: number
}

/** What a checkpoint keeps of the watermarks. */
export interface WatermarkState {
  /** null before any event (JSON has no -Infinity). */
  readonly watermark: number | null
  readonly partitions: readonly (readonly [number, number])[]
}

/** Tracks per-partition watermarks and their minimum; never moves backwards. */
export class Watermarks {
  readonly #o: WatermarkOptions
  readonly #clock: Clock
  readonly #partitions = new Map<number, PartitionMark>()
  #watermark = Number.NEGATIVE_INFINITY

  constructor(options: WatermarkOptions, clock: Clock) {
    this.#o = options
    this.#clock = clock
  }

  /** Notes an event of `partition`. */
  observe(partition: number, eventTime: number, now = this.#clock.now()): void {
    const p = this.#partitions.get(partition)
    if (!p) this.#partitions.set(partition, { maxEventTime: eventTime, lastSeenAt: now })
    else {
      if (eventTime > p.maxEventTime) p.maxEventTime = eventTime
      p.lastSeenAt = now
    }
  }

  /**
   * Recomputes and returns the watermark: min over active partitions of (max event time - bound).
   * When every partition is idle it stays where it is: no event means no evidence time moved on.
   */
  current(): number {
    const now = this.#clock.now()
    let min = Number.POSITIVE_INFINITY
    for (const p of this.#partitions.values()) {
      if (now - p.lastSeenAt >= this.#o.idleTimeoutMs) continue
      const w = p.maxEventTime - this.#o.boundMs
      if (w < min) min = w
    }
    if (min !== Number.POSITIVE_INFINITY && min > this.#watermark) this.#watermark = min
    return this.#watermark
  }

  /** The watermark as last computed. */
  get value(): number {
    return this.#watermark
  }

  snapshot(): WatermarkState {
    return {
      watermark: Number.isFinite(this.#watermark) ? this.#watermark : null,
      partitions: [...this.#partitions].map(([p, m]) => [p, m.maxEventTime] as const),
    }
  }

  /** Restores a snapshot; partitions count as just seen, so none is idle the moment we restart. */
  restore(state: WatermarkState): void {
    this.#partitions.clear()
    const now = this.#clock.now()
    for (const [p, t] of state.partitions) this.#partitions.set(p, { maxEventTime: t, lastSeenAt: now })
    this.#watermark = state.watermark ?? Number.NEGATIVE_INFINITY
  }
}

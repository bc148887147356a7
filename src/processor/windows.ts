// Keyed event-time windows, tumbling or sliding, with incremental aggregates. A window fires once
// the watermark passes its end, keeps accepting events for the allowed lateness after that (each
// late update fires it again), and is purged when the watermark passes end + lateness; an event
// whose every window is purged is refused as late, for the caller to count and keep aside.
import { type Aggregate, type AggregateSpec, createAggregate } from './aggregates.ts'

/** Window shape: tumbling when `slideMs` equals `sizeMs` (or is left out). */
export interface WindowOptions<T> {
  readonly sizeMs: number
  readonly slideMs?: number
  readonly allowedLatenessMs: number
  readonly aggregates: readonly AggregateSpec<T>[]
}

/** One window's current result. */
export interface WindowResult {
  readonly key: string
  readonly start: number
  readonly end: number
  /** 'final' when the watermark passed the end, 'update' when a late event changed a fired window. */
  readonly kind: 'final' | 'update' | 'open'
  readonly values: Readonly<Record<string, ReturnType<Aggregate['result']>>>
  /** The aggregates themselves, in spec order (a caller may store a sketch). */
  readonly aggregates: readonly Aggregate[]
}

interface WindowState {
  readonly key: string
  readonly start: number
  readonly aggregates: Aggregate[]
  fired: boolean
  /** Changed since it fired. */
  changed: boolean
  /** In the dirty set (checked per input, cheaper than adding to the set again). */
  dirty: boolean
}

/** Saved form of one window. */
type SavedWindow = [key: string, start: number, fired: boolean, changed: boolean, aggregates: unknown[]]

/** A keyed window operator. */
export class WindowOperator<T> {
  readonly #o: WindowOptions<T>
  readonly #size: number
  readonly #slide: number
  readonly #byKey = new Map<string, Map<number, WindowState>>()
  readonly #dirty = new Set<WindowState>()
  /**
   * The window the last input went to: consecutive inputs mostly share key and window (one site,
   * the current minute), which saves two map lookups per input. Forgotten whenever windows are purged.
   */
  #last: WindowState | null = null

  constructor(options: WindowOptions<T>) {
    const slide = options.slideMs ?? options.sizeMs
    if (!(options.sizeMs > 0) || !(slide > 0) || slide > options.sizeMs)
      throw new Error(`a window needs 0 < slide <= size, got size ${options.sizeMs} ms, slide ${slide} ms`)
    this.#o = options
    this.#size = options.sizeMs
    this.#slide = slide
  }

  /** Adds an input at event time `time`; false when every window it belongs to is already purged (late). */
  add(key: string, time: number, input: T, watermark: number): boolean {
    const last = Math.floor(time / this.#slide) * this.#slide
    let accepted = false
    for (let start = last; start > time - this.#size; start -= this.#slide) {
      if (start + this.#size + this.#o.allowedLatenessMs <= watermark) continue
      let w = this.#last
      if (w === null || w.start !== start || w.key !== key) {
        w = this.#window(key, start)
        this.#last = w
      }
      const specs = this.#o.aggregates
      for (let i = 0; i < specs.length; i++) {
        const spec = specs[i]!
        if (!spec.value) {
          w.aggregates[i]!.add(1)
          continue
        }
        const v = spec.value(input)
        if (v !== null && v !== undefined) w.aggregates[i]!.add(v)
      }
      if (w.fired) w.changed = true
      if (!w.dirty) {
        w.dirty = true
        this.#dirty.add(w)
      }
      accepted = true
    }
    return accepted
  }

  /** The window of `key` starting at `start`, created when missing. */
  #window(key: string, start: number): WindowState {
    let windows = this.#byKey.get(key)
    if (!windows) {
      windows = new Map()
      this.#byKey.set(key, windows)
    }
    let w = windows.get(start)
    if (!w) {
      w = {
        key,
        start,
        aggregates: this.#o.aggregates.map((a) => createAggregate(a.kind)),
        fired: false,
        changed: false,
        dirty: false,
      }
      windows.set(start, w)
    }
    return w
  }

  /**
   * Moves event time to `watermark`: fires windows that end at or before it, fires again those a late
   * event changed, purges those past end + lateness. Results are ordered by start, then key.
   */
  advance(watermark: number): WindowResult[] {
    this.#last = null
    const out: WindowResult[] = []
    for (const [key, windows] of this.#byKey) {
      for (const [start, w] of windows) {
        const end = start + this.#size
        if (!w.fired && end <= watermark) {
          w.fired = true
          out.push(this.#result(w, 'final'))
        } else if (w.fired && w.changed) {
          w.changed = false
          out.push(this.#result(w, 'update'))
        }
        if (end + this.#o.allowedLatenessMs <= watermark) windows.delete(start)
      }
      if (windows.size === 0) this.#byKey.delete(key)
    }
    return out.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  }

  /** Windows changed since the last call (open, fired or just purged), for upserting; clears the marks. */
  drainDirty(): WindowResult[] {
    const out = [...this.#dirty].map((w) => {
      w.dirty = false
      return this.#result(w, w.fired ? (w.changed ? 'update' : 'final') : 'open')
    })
    this.#dirty.clear()
    return out
  }

  /** Windows changed since the last drain. */
  get dirtySize(): number {
    return this.#dirty.size
  }

  /** Windows held (not yet purged). */
  get size(): number {
    let n = 0
    for (const windows of this.#byKey.values()) n += windows.size
    return n
  }

  snapshot(): SavedWindow[] {
    const out: SavedWindow[] = []
    for (const [key, windows] of this.#byKey)
      for (const [start, w] of windows)
        out.push([key, start, w.fired, w.changed, w.aggregates.map((a) => a.save())])
    return out
  }

  restore(saved: readonly SavedWindow[]): void {
    this.#byKey.clear()
    this.#dirty.clear()
    this.#last = null
    for (const [key, start, fired, changed, aggs] of saved) {
      let windows = this.#byKey.get(key)
      if (!windows) {
        windows = new Map()
        this.#byKey.set(key, windows)
      }
      windows.set(start, {
        key,
        start,
        fired,
        changed,
        dirty: false,
        aggregates: this.#o.aggregates.map((a, i) => createAggregate(a.kind, aggs[i])),
      })
    }
  }

  #result(w: WindowState, kind: WindowResult['kind']): WindowResult {
    const values: Record<string, ReturnType<Aggregate['result']>> = {}
    const specs = this.#o.aggregates
    for (let i = 0; i < specs.length; i++) values[specs[i]!.name] = w.aggregates[i]!.result()
    return { key: w.key, start: w.start, end: w.start + this.#size, kind, values, aggregates: w.aggregates }
  }
}

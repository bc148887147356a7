// Incremental aggregates of a window: each holds a small state that grows by one input at a time and
// serializes for checkpoints. count, sum, min, max, distinct (HyperLogLog estimate or exact set) and
// count_by (a count per value, e.g. events by name).
import { HyperLogLog } from './hll.ts'

/** The aggregate kinds a window can compute. */
export type AggregateKind = 'count' | 'sum' | 'min' | 'max' | 'distinct_hll' | 'distinct_exact' | 'count_by'

/** One aggregate of a window: its output name, kind, and what it reads from an input. */
export interface AggregateSpec<T> {
  readonly name: string
  readonly kind: AggregateKind
  /** The input's value; null/undefined inputs are skipped (count counts inputs where it is not null). */
  readonly value?: (input: T) => number | string | null | undefined
}

/** The running state of one aggregate. */
export interface Aggregate {
  add(v: number | string): void
  /** The current result. */
  result(): number | null | Readonly<Record<string, number>>
  /** JSON-safe state for a checkpoint. */
  save(): unknown
}

class Count implements Aggregate {
  n = 0
  add(): void {
    this.n++
  }
  result(): number {
    return this.n
  }
  save(): unknown {
    return this.n
  }
}

class Sum implements Aggregate {
  s = 0
  add(v: number | string): void {
    this.s += Number(v)
  }
  result(): number {
    return this.s
  }
  save(): unknown {
    return this.s
  }
}

class Extreme implements Aggregate {
  v: number | null = null
  constructor(readonly max: boolean) {}
  add(x: number | string): void {
    const n = Number(x)
    if (this.v === null || (this.max ? n > this.v : n < this.v)) this.v = n
  }
  result(): number | null {
    return this.v
  }
  save(): unknown {
    return this.v
  }
}

/** Distinct count by HyperLogLog; the sketch itself is exposed for storage and merging. */
export class DistinctHll implements Aggregate {
  readonly sketch: HyperLogLog
  #estimate = 0
  #stale = false
  constructor(registers?: Uint8Array) {
    this.sketch = new HyperLogLog(registers)
    this.#stale = registers !== undefined
  }
  add(v: number | string): void {
    if (this.sketch.add(String(v))) this.#stale = true
  }
  result(): number {
    // Estimating sums 4,096 registers: only redo it when a register changed.
    if (this.#stale) {
      this.#estimate = this.sketch.estimate()
      this.#stale = false
    }
    return this.#estimate
  }
  save(): unknown {
    return Buffer.from(this.sketch.registers).toString('base64')
  }
}

class DistinctExact implements Aggregate {
  readonly values: Set<number | string>
  constructor(values: readonly (number | string)[] = []) {
    this.values = new Set(values)
  }
  add(v: number | string): void {
    this.values.add(v)
  }
  result(): number {
    return this.values.size
  }
  save(): unknown {
    return [...this.values]
  }
}

/** Counts per value; keys sorted in results so equal states print equally. */
export class CountBy implements Aggregate {
  readonly counts: Map<string, number>
  constructor(entries: readonly (readonly [string, number])[] = []) {
    this.counts = new Map(entries)
  }
  add(v: number | string): void {
    const k = String(v)
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1)
  }
  result(): Readonly<Record<string, number>> {
    const out: Record<string, number> = {}
    for (const k of [...this.counts.keys()].sort()) out[k] = this.counts.get(k)!
    return out
  }
  save(): unknown {
    return [...this.counts]
  }
}

/** A fresh aggregate of `kind`, or one restored from `saved`. */
export function createAggregate(kind: AggregateKind, saved?: unknown): Aggregate {
  const has = saved !== undefined
  switch (kind) {
    case 'count': {
      const a = new Count()
      if (has) a.n = Number(saved)
      return a
    }
    case 'sum': {
      const a = new Sum()
      if (has) a.s = Number(saved)
      return a
    }
    case 'min':
    case 'max': {
      const a = new Extreme(kind === 'max')
      if (has) a.v = saved === null ? null : Number(saved)
      return a
    }
    case 'distinct_hll':
      return new DistinctHll(has ? new Uint8Array(Buffer.from(String(saved), 'base64')) : undefined)
    case 'distinct_exact':
      return new DistinctExact(has ? (saved as (number | string)[]) : [])
    case 'count_by':
      return new CountBy(has ? (saved as [string, number][]) : [])
  }
}

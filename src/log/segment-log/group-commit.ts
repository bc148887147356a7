// Group commit across every partition of the log: appends queue up while cycles run; a cycle takes
// them (up to max_batch_bytes), writes one merged batch per dirty partition, fdatasyncs those files
// in parallel, and only then resolves every append it carried. Two cycles overlap: the next one
// encodes and writes while the previous one waits for its fdatasync, which keeps the disk and the
// CPU busy at once; acknowledgements still follow cycle order. If any write or sync fails, that cycle
// and every cycle prepared on top of it are refused and their partitions go back to their durable
// end, so an append spread over several partitions is all-or-nothing and nothing unacknowledged
// stays readable.

import type { Histogram } from 'prom-client'
import { TransportError } from '../../core/errors.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { Partition, PreparedWrite } from './partition.ts'
import type { PreparedRecord } from './record-batch.ts'

/** Where an acknowledged append is counted: its topic's metrics. */
export interface AppendMeter {
  /** One append's time from request to acknowledgement. */
  observeLatency(seconds: number): void
  /** Records and payload bytes acknowledged, summed over a cycle's appends. */
  countAppended(records: number, bytes: number): void
}

/**
 * One append waiting for a cycle: its records, all in `partition` (the common case: one record), or
 * split by partition in `parts`; and its promise's settlers.
 */
export interface PendingAppend {
  readonly partition: Partition | null
  readonly records: readonly PreparedRecord[]
  readonly parts: ReadonlyMap<Partition, readonly PreparedRecord[]> | null
  readonly count: number
  readonly bytes: number
  readonly meter: AppendMeter | null
  /** performance.now() when the append was requested. */
  readonly started: number
  resolve: () => void
  reject: (err: Error) => void
}

/** Group-commit settings and hooks. */
export interface GroupCommitOptions {
  /** Extra wait for more appends before a cycle (0: start as soon as the previous one ends). */
  readonly flushIntervalMs: number
  /** Most record bytes one cycle takes (it always takes at least one append). */
  readonly maxBatchBytes: number
  readonly logger: Logger
  /** Observes each cycle's write + fdatasync time. */
  readonly fsyncSeconds?: Histogram<string>
  /** Called after a successful cycle with the partitions that received data and the bytes written. */
  readonly onCommitted: (partitions: readonly Partition[], bytes: number) => void
}

/** A cycle in flight. */
interface Cycle {
  /** Set once its writes are issued and it waits for fdatasync: the next cycle may start then. */
  syncing: boolean
  /** Settles (never rejects) once the cycle committed or was refused; true if it committed. */
  readonly done: Promise<boolean>
}

/** Cycles in flight at most: one syncing while the next writes. */
const MAX_IN_FLIGHT = 2

/** The write loop. */
export class GroupCommit {
  readonly #o: GroupCommitOptions
  #queue: PendingAppend[] = []
  #queuedBytes = 0
  #inFlight: Cycle[] = []
  /** Bumped by each failure; a cycle prepared under an older value sat on bytes that were cut. */
  #epoch = 0
  /** After a failure no cycle starts until every cycle in flight is settled. */
  #recovering = false
  #starting = false
  #idle: Promise<void> = Promise.resolve()
  #settleIdle: () => void = () => undefined

  constructor(options: GroupCommitOptions) {
    this.#o = options
  }

  /**
   * Queues an append (records already split by partition; `resolve` and `reject` are filled in
   * here); resolves once its records are durable.
   */
  submit(append: PendingAppend): Promise<void> {
    return new Promise((resolve, reject) => {
      append.resolve = resolve
      append.reject = reject
      this.#queue.push(append)
      this.#queuedBytes += append.bytes
      this.#kick()
    })
  }

  /** Resolves when every queued append has been written or refused. */
  async drain(): Promise<void> {
    while (this.#inFlight.length > 0 || this.#queue.length > 0 || this.#starting) await this.#idle
  }

  #kick(): void {
    if (this.#starting || this.#queue.length === 0) return
    if (this.#recovering && this.#inFlight.length > 0) return
    if (this.#inFlight.length >= MAX_IN_FLIGHT) return
    if (this.#inFlight.some((c) => !c.syncing)) return
    this.#starting = true
    if (this.#inFlight.length === 0) this.#idle = new Promise((r) => (this.#settleIdle = r))
    void (async () => {
      if (this.#o.flushIntervalMs > 0 && this.#queuedBytes < this.#o.maxBatchBytes)
        await new Promise((r) => setTimeout(r, this.#o.flushIntervalMs))
      // Let the appenders woken by the previous cycle queue their next appends first (they arrive
      // over several microtask hops); starting at once would take one append and leave the rest.
      else await new Promise((r) => setImmediate(r))
      this.#starting = false
      this.#start()
    })()
  }

  #start(): void {
    // A failure arrived while this start waited: the cycles in flight settle first.
    if (this.#queue.length === 0 || (this.#recovering && this.#inFlight.length > 0)) {
      this.#settled()
      return
    }
    const previous = this.#inFlight[this.#inFlight.length - 1]
    let settle: (ok: boolean) => void = () => undefined
    const cycle: Cycle = { syncing: false, done: new Promise((r) => (settle = r)) }
    this.#inFlight.push(cycle)
    void this.#cycle(cycle, previous?.done ?? Promise.resolve(true)).then((ok) => {
      settle(ok)
      this.#inFlight.splice(this.#inFlight.indexOf(cycle), 1)
      if (this.#inFlight.length === 0) this.#recovering = false
      this.#settled()
      this.#kick()
    })
  }

  #settled(): void {
    if (this.#inFlight.length === 0 && !this.#starting) this.#settleIdle()
  }

  async #cycle(cycle: Cycle, previous: Promise<boolean>): Promise<boolean> {
    const epoch = this.#epoch
    // Whole appends, oldest first, up to max_batch_bytes (at least one).
    const queue = this.#queue
    let n = 0
    let bytes = 0
    while (n < queue.length && (n === 0 || bytes + queue[n]!.bytes <= this.#o.maxBatchBytes))
      bytes += queue[n++]!.bytes
    const taken = n === queue.length ? queue : queue.slice(0, n)
    this.#queue = n === queue.length ? [] : queue.slice(n)
    this.#queuedBytes -= bytes
    const merged = new Map<Partition, PreparedRecord[]>()
    const add = (p: Partition, records: readonly PreparedRecord[]) => {
      let list = merged.get(p)
      if (!list) {
        list = []
        merged.set(p, list)
      }
      for (const r of records) list.push(r)
    }
    for (const a of taken) {
      if (a.partition !== null) add(a.partition, a.records)
      else if (a.parts !== null) for (const [p, records] of a.parts) add(p, records)
    }
    const partitions = [...merged.keys()]
    const writes: PreparedWrite[] = []
    let failure: unknown = null
    try {
      await settleAll([...merged].map(([p, records]) => p.prepare(records).then((w) => void writes.push(w))))
      const stop = this.#o.fsyncSeconds?.startTimer()
      // Each partition syncs as soon as its own write is done; the cycle waits for all of them.
      // Once every write has landed, the next cycle may start writing behind them.
      let landed = 0
      await settleAll(
        writes.map((w) =>
          w.partition.write(w).then(() => {
            if (++landed === writes.length) {
              cycle.syncing = true
              this.#kick()
            }
            return w.partition.sync(w)
          }),
        ),
      )
      stop?.()
    } catch (err) {
      failure = err
    }
    cycle.syncing = true
    this.#kick()
    // Acknowledgements follow cycle order, and a cycle built on a refused one is refused too.
    const previousOk = await previous
    if (failure === null && (!previousOk || epoch !== this.#epoch))
      failure = new Error('an earlier write of the log failed and was cut back')
    if (failure !== null) {
      this.#epoch++
      this.#recovering = true
      await Promise.all([
        ...writes.map((w) => w.partition.abort(w)),
        ...partitions.filter((p) => !writes.some((w) => w.partition === p)).map((p) => p.abort()),
      ])
      const errno = (failure as NodeJS.ErrnoException).code
      const code = errno === 'ENOSPC' || errno === 'EDQUOT' ? 'log_disk_full' : 'log_write_failed'
      this.#o.logger.error(
        {
          err: failure,
          code,
          appends: taken.length,
          partitions: partitions.map((p) => `${p.topic}/${p.id}`),
        },
        'log write failed: the appends of this cycle are refused and the files are back at their durable end',
      )
      const refused = new TransportError(code, `appending to the log failed: ${(failure as Error).message}`, {
        cause: failure,
      })
      for (const a of taken) a.reject(refused)
      return false
    }
    let written = 0
    for (const w of writes) {
      w.partition.commit(w)
      written += w.batch.length
    }
    this.#o.onCommitted(partitions, written)
    // Metrics here, once per cycle where they can be summed, rather than in every appender.
    const now = performance.now()
    let meter: AppendMeter | null = null
    let records = 0
    let payload = 0
    for (const a of taken) {
      if (a.meter !== meter) {
        meter?.countAppended(records, payload)
        meter = a.meter
        records = 0
        payload = 0
      }
      records += a.count
      payload += a.bytes
      a.meter?.observeLatency((now - a.started) / 1000)
      a.resolve()
    }
    meter?.countAppended(records, payload)
    return true
  }
}

/**
 * Like Promise.all, but waits for every promise before rejecting with the first error: a failed
 * cycle must not cut files back while another write of the same cycle is still landing.
 */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  return results.map((r) => (r as PromiseFulfilledResult<T>).value)
}

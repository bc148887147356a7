// Group commit across every partition of the log: appends queue up in batches while cycles run
// (the appends of a batch share one promise); a cycle takes the oldest batch (up to max_batch_bytes),
// writes one merged record batch per dirty partition, makes those files durable in parallel (each
// write is durable by itself on a segment opened with O_DSYNC; otherwise an fdatasync follows it),
// and only then resolves the appends it carried. Two cycles overlap: the next one encodes and writes
// while the previous one's writes are still becoming durable, which keeps the disk and the CPU busy
// at once; acknowledgements still follow cycle order. If any write or sync fails, that cycle and
// every cycle prepared on top of it are refused and their partitions go back to their durable end,
// so an append spread over several partitions is all-or-nothing and nothing unacknowledged stays
// readable.

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
 * The appends that one cycle will carry: their records already sorted by partition, and one promise
 * that every one of them returns. They are durable, or refused, together, so a promise (and its
 * settlers) per append and a merge of per-append record lists per cycle would be pure overhead:
 * an append costs a few pushes here. Get one from {@link GroupCommit.batchFor}.
 */
export class AppendBatch {
  /** Record bytes of the appends in the batch (what max_batch_bytes counts). */
  bytes = 0
  /** Appends in the batch. */
  appends = 0
  /** Each partition's records, in append order. */
  readonly records = new Map<Partition, PreparedRecord[]>()
  /** performance.now() when each append was requested, in append order (never decreasing). */
  readonly started: number[] = []
  /** Runs of consecutive appends counted by the same meter, with their records and bytes. */
  readonly meters: MeterRun[] = []
  /** performance.now() when the batch was acknowledged. */
  acked = 0
  readonly done: Promise<void>
  resolve: () => void = noop
  reject: (err: Error) => void = noop
  readonly #writer: GroupCommit

  constructor(writer: GroupCommit) {
    this.#writer = writer
    this.done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  /** Adds one record of the append being built to its partition's list. */
  add(partition: Partition, record: PreparedRecord): void {
    const list = this.records.get(partition)
    if (list) list.push(record)
    else this.records.set(partition, [record])
  }

  /**
   * Completes the append whose records were just added (synchronously, right after `batchFor`):
   * counts it and returns the promise it shares with the rest of the batch.
   */
  seal(meter: AppendMeter | null, records: number, bytes: number, started: number): Promise<void> {
    // A batch joins the queue with its first append: one never holds a batch without appends.
    if (this.appends === 0) this.#writer.enqueue(this)
    this.appends++
    this.bytes += bytes
    this.started.push(started)
    const run = this.meters[this.meters.length - 1]
    if (run !== undefined && run.meter === meter) {
      run.records += records
      run.bytes += bytes
    } else this.meters.push({ meter, from: this.appends - 1, records, bytes })
    this.#writer.queued(bytes)
    return this.done
  }
}

/** Consecutive appends of a batch that count in the same meter. */
interface MeterRun {
  readonly meter: AppendMeter | null
  /** Index of the run's first append in `started`. */
  readonly from: number
  records: number
  bytes: number
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
  /** Set once its writes are issued and it waits for them to be durable: the next cycle may start then. */
  syncing: boolean
  /** Settles (never rejects) once the cycle committed or was refused; true if it committed. */
  readonly done: Promise<boolean>
}

/** Cycles in flight at most: one syncing while the next writes. */
const MAX_IN_FLIGHT = 2

/** The write loop. */
export class GroupCommit {
  readonly #o: GroupCommitOptions
  /** Batches waiting for a cycle, oldest first; appends join the last one while it has room. */
  #queue: AppendBatch[] = []
  #queuedBytes = 0
  #inFlight: Cycle[] = []
  /** Bumped by each failure; a cycle prepared under an older value sat on bytes that were cut. */
  #epoch = 0
  /** After a failure no cycle starts until every cycle in flight is settled. */
  #recovering = false
  #starting = false
  #idle: Promise<void> = Promise.resolve()
  #settleIdle: () => void = () => undefined
  /** Acknowledged batches not yet counted in the metrics (see #count). */
  #uncounted: AppendBatch[] = []

  constructor(options: GroupCommitOptions) {
    this.#o = options
  }

  /**
   * The batch an append of `bytes` record bytes joins: the newest queued one, or a new one (queued
   * when the append is sealed) if that one would grow past max_batch_bytes; a batch always takes at
   * least one append. The caller adds the append's records and then seals it, synchronously: a
   * cycle takes whole batches only, and none starts in between.
   */
  batchFor(bytes: number): AppendBatch {
    const last = this.#queue[this.#queue.length - 1]
    if (last !== undefined && last.bytes + bytes <= this.#o.maxBatchBytes) return last
    return new AppendBatch(this)
  }

  /** Called by a batch when its first append is sealed. */
  enqueue(batch: AppendBatch): void {
    this.#queue.push(batch)
  }

  /** Called by a batch when an append was sealed into it. */
  queued(bytes: number): void {
    this.#queuedBytes += bytes
    this.#kick()
  }

  /** Resolves when every queued append has been written or refused. */
  async drain(): Promise<void> {
    while (this.#inFlight.length > 0 || this.#queue.length > 0 || this.#starting) await this.#idle
  }

  #kick(): void {
    if (this.#starting || this.#queue.length === 0) return
    if (this.#recovering && this.#inFlight.length > 0) return
    if (this.#inFlight.length >= MAX_IN_FLIGHT) return
    for (const c of this.#inFlight) if (!c.syncing) return
    this.#starting = true
    if (this.#inFlight.length === 0) this.#idle = new Promise((r) => (this.#settleIdle = r))
    if (this.#o.flushIntervalMs > 0 && this.#queuedBytes < this.#o.maxBatchBytes)
      setTimeout(this.#begin, this.#o.flushIntervalMs)
    // Let the appenders woken by the previous cycle queue their next appends first (they arrive
    // over several microtask hops); starting at once would take one append and leave the rest.
    else setImmediate(this.#begin)
  }

  readonly #begin = (): void => {
    this.#starting = false
    this.#start()
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
    if (this.#inFlight.length > 0 || this.#starting) return
    this.#count()
    this.#settleIdle()
  }

  /**
   * Counts acknowledged appends in their meters, once per batch where they can be summed, rather than
   * in every appender. Called while the disk works: once the next cycle's writes are issued, or when
   * no cycle follows. Between the acknowledgement and the next cycle's writes, where the appenders
   * wait on the CPU, it would delay every one of them.
   */
  #count(): void {
    // Called between a cycle's writes and its wait for them: it must not throw.
    try {
      for (const batch of this.#uncounted.splice(0)) {
        const { started, meters, acked } = batch
        for (let m = 0; m < meters.length; m++) {
          const run = meters[m]!
          const meter = run.meter
          if (meter === null) continue
          meter.countAppended(run.records, run.bytes)
          const end = m + 1 < meters.length ? meters[m + 1]!.from : started.length
          for (let i = run.from; i < end; i++) meter.observeLatency((acked - started[i]!) / 1000)
        }
      }
    } catch (err) {
      this.#o.logger.warn({ err }, 'could not count acknowledged appends in the metrics')
    }
  }

  async #cycle(cycle: Cycle, previous: Promise<boolean>): Promise<boolean> {
    const epoch = this.#epoch
    // The oldest batch: whole appends, up to max_batch_bytes (at least one).
    const batch = this.#queue.shift()!
    this.#queuedBytes -= batch.bytes
    const partitions = [...batch.records.keys()]
    const writes: PreparedWrite[] = []
    let failure: unknown = null
    try {
      await settleAll(
        [...batch.records].map(([p, records]) => p.prepare(records).then((w) => void writes.push(w))),
      )
      const stop = this.#o.fsyncSeconds?.startTimer()
      // Each partition syncs as soon as its own write is done (nothing more to do when its writes
      // are durable by themselves); the cycle waits for all of them. Once every write is issued,
      // the next cycle may encode and write behind them.
      const durable = writes.map((w) => w.partition.write(w).then(() => w.partition.sync(w)))
      cycle.syncing = true
      this.#kick()
      this.#count()
      await settleAll(durable)
      stop?.()
    } catch (err) {
      failure = err
      this.#count()
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
          appends: batch.appends,
          partitions: partitions.map((p) => `${p.topic}/${p.id}`),
        },
        'log write failed: the appends of this cycle are refused and the files are back at their durable end',
      )
      batch.reject(
        new TransportError(code, `appending to the log failed: ${(failure as Error).message}`, {
          cause: failure,
        }),
      )
      return false
    }
    let written = 0
    for (const w of writes) {
      w.partition.commit(w)
      written += w.batch.length
    }
    this.#o.onCommitted(partitions, written)
    batch.acked = performance.now()
    batch.resolve()
    this.#uncounted.push(batch)
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

function noop(): void {}

// Group commit across every partition of the log: appends queue up while a cycle runs; the next cycle
// takes them (up to max_batch_bytes), writes one merged batch per dirty partition, fdatasyncs those
// files in parallel, and only then resolves every append it carried. If any write or sync fails,
// every partition of the cycle goes back to its durable end and all its appends are refused, so an
// append spread over several partitions is all-or-nothing and nothing unacknowledged stays readable.

import type { Histogram } from 'prom-client'
import { TransportError } from '../../core/errors.ts'
import type { Logger } from '../../telemetry/logger.ts'
import type { Partition, PreparedWrite } from './partition.ts'
import type { PreparedRecord } from './record-batch.ts'

/** One append waiting for a cycle: its records by partition and its promise's settlers. */
interface PendingAppend {
  readonly parts: ReadonlyMap<Partition, readonly PreparedRecord[]>
  readonly bytes: number
  readonly resolve: () => void
  readonly reject: (err: Error) => void
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

/** The write loop. */
export class GroupCommit {
  readonly #o: GroupCommitOptions
  #queue: PendingAppend[] = []
  #queuedBytes = 0
  #running: Promise<void> | null = null

  constructor(options: GroupCommitOptions) {
    this.#o = options
  }

  /** Queues records (already split by partition); resolves once they are durable. */
  submit(parts: ReadonlyMap<Partition, readonly PreparedRecord[]>, bytes: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ parts, bytes, resolve, reject })
      this.#queuedBytes += bytes
      this.#kick()
    })
  }

  /** Resolves when every queued append has been written or refused. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running
  }

  #kick(): void {
    if (this.#running || this.#queue.length === 0) return
    this.#running = (async () => {
      if (this.#o.flushIntervalMs > 0 && this.#queuedBytes < this.#o.maxBatchBytes)
        await new Promise((r) => setTimeout(r, this.#o.flushIntervalMs))
      // Let the appenders woken by the previous cycle queue their next appends first (they arrive
      // over several microtask hops); starting at once would take one append and leave the rest.
      else await new Promise((r) => setImmediate(r))
      await this.#cycle()
    })().finally(() => {
      this.#running = null
      this.#kick()
    })
  }

  async #cycle(): Promise<void> {
    const taken: PendingAppend[] = []
    let bytes = 0
    while (
      this.#queue.length > 0 &&
      (taken.length === 0 || bytes + this.#queue[0]!.bytes <= this.#o.maxBatchBytes)
    ) {
      const a = this.#queue.shift()!
      taken.push(a)
      bytes += a.bytes
    }
    this.#queuedBytes -= bytes
    const merged = new Map<Partition, PreparedRecord[]>()
    for (const a of taken) {
      for (const [p, records] of a.parts) {
        let list = merged.get(p)
        if (!list) {
          list = []
          merged.set(p, list)
        }
        for (const r of records) list.push(r)
      }
    }
    const partitions = [...merged.keys()]
    let writes: PreparedWrite[]
    try {
      writes = await settleAll([...merged].map(([p, records]) => p.prepare(records)))
      // Each partition syncs as soon as its own write is done; the cycle waits for all of them.
      const stop = this.#o.fsyncSeconds?.startTimer()
      await settleAll(writes.map((w) => w.partition.write(w).then(() => w.partition.sync(w))))
      stop?.()
    } catch (err) {
      await Promise.all(partitions.map((p) => p.abort()))
      const errno = (err as NodeJS.ErrnoException).code
      const code = errno === 'ENOSPC' || errno === 'EDQUOT' ? 'log_disk_full' : 'log_write_failed'
      this.#o.logger.error(
        { err, code, appends: taken.length, partitions: partitions.map((p) => `${p.topic}/${p.id}`) },
        'log write failed: the appends of this cycle are refused and the files are back at their durable end',
      )
      const failure = new TransportError(code, `appending to the log failed: ${(err as Error).message}`, {
        cause: err,
      })
      for (const a of taken) a.reject(failure)
      return
    }
    let written = 0
    for (const w of writes) {
      w.partition.commit(w)
      written += w.batch.length
    }
    this.#o.onCommitted(partitions, written)
    for (const a of taken) a.resolve()
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

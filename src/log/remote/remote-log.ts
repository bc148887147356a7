// An EventLog that forwards every call to the thread owning the log (see log-server.ts). Reads come
// back as record batch bytes, moved rather than copied, and are decoded here; the owner keeps the
// files, the fsyncs and retention, so one process has exactly one writer.
import { TransportError } from '../../core/errors.ts'
import type { AppendRecord, EventLog, LogRecord, PartitionOffsets } from '../log.ts'
import { decodeBatchBytes } from '../segment-log/record-batch.ts'
import type { LogPort } from './log-port.ts'
import { type BatchesAnswer, fromWire, type LogMethod, type LogResponse } from './log-rpc.ts'

interface Pending {
  resolve(value: unknown): void
  reject(err: Error): void
}

/** The consumer-side EventLog over a MessagePort or an IPC channel (see log-port.ts). */
export class RemoteLog implements EventLog {
  readonly #port: LogPort
  readonly #pending = new Map<number, Pending>()
  #next = 1
  #closed = false

  constructor(port: LogPort) {
    this.#port = port
    port.on('message', (res: LogResponse) => {
      const p = this.#pending.get(res.id)
      if (!p) return
      this.#pending.delete(res.id)
      if (res.ok) p.resolve(res.value)
      else p.reject(fromWire(res.error))
    })
  }

  #call<T>(method: LogMethod, ...args: unknown[]): Promise<T> {
    if (this.#closed) return Promise.reject(new TransportError('log_closed', 'the log connection is closed'))
    const id = this.#next++
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.#port.postMessage({ id, method, args })
    })
  }

  topics(): Promise<string[]> {
    return this.#call('topics')
  }
  partitions(topic: string): Promise<number> {
    return this.#call('partitions', topic)
  }
  append(topic: string, records: readonly AppendRecord[]): Promise<void> {
    return this.#call('append', topic, records)
  }
  async read(topic: string, partition: number, offset: number, max: number): Promise<LogRecord[]> {
    if (max <= 0) return []
    // The owner sends the batches' bytes and the records are decoded here (cloning 10,000 record
    // objects across threads cost more than decoding them).
    const answer = await this.#call<BatchesAnswer>('readBatches', topic, partition, offset, max)
    if (answer.kind === 'batches') return decodeBatchBytes(answer.chunks, partition, offset, max)
    // Structured clone turns Buffers into plain Uint8Arrays; consumers expect Buffers.
    return answer.records.map((r) => ({
      ...r,
      value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    }))
  }
  startOffsets(topic: string): Promise<PartitionOffsets> {
    return this.#call('startOffsets', topic)
  }
  endOffsets(topic: string): Promise<PartitionOffsets> {
    return this.#call('endOffsets', topic)
  }
  offsetForTimestamp(topic: string, partition: number, timestamp: number): Promise<number> {
    return this.#call('offsetForTimestamp', topic, partition, timestamp)
  }
  committed(topic: string, group: string): Promise<PartitionOffsets> {
    return this.#call('committed', topic, group)
  }
  commit(topic: string, group: string, offsets: PartitionOffsets): Promise<void> {
    return this.#call('commit', topic, group, offsets)
  }
  waitForData(
    topic: string,
    offsets: PartitionOffsets,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void> {
    if (signal?.aborted) return Promise.resolve()
    const call = this.#call<void>('waitForData', topic, offsets, timeoutMs)
    if (!signal) return call
    // An abort answers locally at once; the owner's wait ends by itself at its timeout.
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => resolve()
      signal.addEventListener('abort', onAbort, { once: true })
      call.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  /** Stops using the connection; calls still waiting are refused. The log itself stays open. */
  async close(): Promise<void> {
    this.#closed = true
    for (const p of this.#pending.values())
      p.reject(new TransportError('log_closed', 'the log connection is closed'))
    this.#pending.clear()
    this.#port.close()
  }
}

// Serves an EventLog to another thread over a MessagePort (the owner's side of log-rpc.ts).
import type { MessagePort } from 'node:worker_threads'
import type { AppendRecord, EventLog } from '../log.ts'
import { LOG_METHODS, type LogRequest, type LogResponse, toWire } from './log-rpc.ts'

const METHODS = new Set<string>(LOG_METHODS)

/** Answers log calls arriving on `port` until the port closes. */
export function serveLog(log: EventLog, port: MessagePort): void {
  port.on('message', (req: LogRequest) => {
    if (!METHODS.has(req.method)) {
      port.postMessage({
        id: req.id,
        ok: false,
        error: toWire(new Error(`unknown log method ${req.method}`)),
      })
      return
    }
    const method = log[req.method] as (...args: unknown[]) => Promise<unknown>
    const args = req.method === 'append' ? appendArgs(req.args) : [...req.args]
    method.apply(log, args).then(
      (value) => port.postMessage({ id: req.id, ok: true, value } satisfies LogResponse),
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: toWire(err) } satisfies LogResponse),
    )
  })
}

/**
 * Structured clone turns a record's Buffer value into a plain Uint8Array; the log encodes with
 * Buffer methods, so an append from another thread gets its Buffers back (a view, not a copy).
 */
function appendArgs(args: readonly unknown[]): unknown[] {
  const [topic, records] = args as [string, AppendRecord[]]
  return [
    topic,
    records.map((r) => ({
      ...r,
      value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    })),
  ]
}

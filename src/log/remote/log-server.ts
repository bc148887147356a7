// Serves an EventLog to another thread over a MessagePort (the owner's side of log-rpc.ts).
import type { AppendRecord, EventLog } from '../log.ts'
import type { LogPort } from './log-port.ts'
import {
  type BatchesAnswer,
  type BatchReadable,
  LOG_METHODS,
  type LogRequest,
  type LogResponse,
  toWire,
} from './log-rpc.ts'

const METHODS = new Set<string>(LOG_METHODS)

/** Answers log calls arriving on `port` (a MessagePort or an IPC channel) until it closes. */
export function serveLog(log: EventLog, port: LogPort): void {
  port.on('message', (req: LogRequest) => {
    if (req.method === 'readBatches') {
      readBatches(log, req.args).then(
        ([value, transfer]) =>
          port.postMessage({ id: req.id, ok: true, value } satisfies LogResponse, transfer),
        (err: unknown) =>
          port.postMessage({ id: req.id, ok: false, error: toWire(err) } satisfies LogResponse),
      )
      return
    }
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

/** A read as batch bytes, with the memory to transfer; records if the log cannot give bytes. */
async function readBatches(log: EventLog, args: readonly unknown[]): Promise<[BatchesAnswer, ArrayBuffer[]]> {
  const [topic, partition, offset, max] = args as [string, number, number, number]
  if (!('readBatches' in log))
    return [{ kind: 'records', records: await log.read(topic, partition, offset, max) }, []]
  const chunks = await (log as EventLog & BatchReadable).readBatches(topic, partition, offset, max)
  // Read buffers are the answer's alone, so their memory moves to the consumer instead of being
  // copied. A small one may lie in Node's shared Buffer pool (moving that would break every other
  // Buffer in it), so it is copied into memory of its own first.
  const out: Uint8Array[] = []
  const transfer = new Set<ArrayBuffer>()
  for (const c of chunks) {
    const own =
      c.buffer instanceof ArrayBuffer && c.buffer.byteLength > Buffer.poolSize ? c : new Uint8Array(c)
    out.push(own)
    transfer.add(own.buffer as ArrayBuffer)
  }
  return [{ kind: 'batches', chunks: out }, [...transfer]]
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

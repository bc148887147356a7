// A LogPort over a child process's IPC pipe (child_process.fork with `serialization: 'advanced'`, so
// Buffers and typed arrays arrive as such). One pipe carries several named channels (the log RPC,
// the control messages), each message wrapped as `{ ch, m }`. Memory cannot move between processes:
// a transfer list is ignored and the bytes are copied through the pipe.
//
// Bulk lane: a message's transferred bytes (the log's read answers, megabytes each while the
// processing child works off a backlog) can go through a second pipe of their own instead. Sent
// through the IPC pipe they were copied twice on the way out (V8's serializer, then a length prefix
// concatenated in front), and those copies, memory outside V8's heap that dies without a scavenge
// to free it, piled up to ~30 MB in the collector's process before a full collection; written to
// the lane they go out from the read buffers themselves. The message goes through the IPC pipe
// with each transferred Uint8Array replaced by a placeholder; the receiver puts the lane's bytes
// back in. Both pipes keep their order, so the n-th message with bulk pairs with the n-th frame.
import type { LogPort } from './log-port.ts'

/** The IPC end a channel runs over: `process` in the child, the ChildProcess in the parent. */
export interface IpcEnd {
  send?(message: unknown, callback: (err: Error | null) => void): boolean
  readonly connected?: boolean
  on(event: 'message', listener: (message: unknown) => void): unknown
  off(event: 'message', listener: (message: unknown) => void): unknown
}

/** The bulk lane's ends: the sender writes frames to `out`, the receiver reads them from `in`. */
export interface BulkLane {
  readonly out?: {
    write(chunk: Uint8Array): boolean
    cork(): void
    uncork(): void
  }
  readonly in?: {
    on(event: 'data', listener: (chunk: Buffer) => void): unknown
  }
}

interface Wrapped {
  readonly ch: string
  readonly m: unknown
  /** Uint8Arrays of `m` sent on the bulk lane (placeholders in `m`), when any. */
  readonly bulk?: number
}

function isWrapped(x: unknown): x is Wrapped {
  return typeof x === 'object' && x !== null && typeof (x as Wrapped).ch === 'string' && 'm' in x
}

/** Stands for the n-th bulk Uint8Array of a message. */
const PLACEHOLDER = '__bulk'

/**
 * A copy of `value` (plain objects and arrays) with each Uint8Array whose memory is in `transfer`
 * replaced by a placeholder and collected into `out`.
 */
function extract(value: unknown, transfer: ReadonlySet<ArrayBufferLike>, out: Uint8Array[]): unknown {
  if (value instanceof Uint8Array) {
    if (!transfer.has(value.buffer)) return value
    out.push(value)
    return { [PLACEHOLDER]: out.length - 1 }
  }
  if (Array.isArray(value)) return value.map((v) => extract(v, transfer, out))
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Record<string, unknown> = {}
    for (const k in value) copy[k] = extract((value as Record<string, unknown>)[k], transfer, out)
    return copy
  }
  return value
}

/** `value` with the placeholders replaced by `chunks` (in place: the message is the receiver's). */
function restore(value: unknown, chunks: readonly Uint8Array[]): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i], chunks)
    return value
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const o = value as Record<string, unknown>
    if (typeof o[PLACEHOLDER] === 'number' && Object.keys(o).length === 1) return chunks[o[PLACEHOLDER]]
    for (const k in o) o[k] = restore(o[k], chunks)
  }
  return value
}

/** Writes one frame: the chunk count, each chunk's length (u32 LE), then the chunks' bytes. */
function writeFrame(out: NonNullable<BulkLane['out']>, chunks: readonly Uint8Array[]): void {
  const header = Buffer.allocUnsafe(4 * (chunks.length + 1))
  header.writeUInt32LE(chunks.length, 0)
  for (let i = 0; i < chunks.length; i++) header.writeUInt32LE(chunks[i]!.byteLength, 4 * (i + 1))
  out.cork()
  out.write(header)
  for (const c of chunks) if (c.byteLength > 0) out.write(c)
  out.uncork()
}

/** Reads frames from the lane's byte stream; `onFrame` gets each frame's chunks (copies of their own). */
export function frameReader(onFrame: (chunks: Buffer[]) => void): (data: Buffer) => void {
  // What is being read: the count (4 bytes), the lengths, or the bytes of chunk `index`.
  let count = -1
  let lengths: number[] = []
  let chunks: Buffer[] = []
  let index = 0
  let filled = 0
  /** Bytes of a header field read so far (a field may be split across reads). */
  let pending = Buffer.alloc(0)

  const startChunk = () => {
    while (index < count && lengths[index] === 0) {
      chunks.push(Buffer.alloc(0))
      index++
    }
    if (index === count) {
      const frame = chunks
      count = -1
      lengths = []
      chunks = []
      index = 0
      onFrame(frame)
      return
    }
    chunks.push(Buffer.allocUnsafe(lengths[index]!))
    filled = 0
  }

  return (data: Buffer) => {
    let at = 0
    while (at < data.length) {
      const inHeader = count < 0 || lengths.length < count
      if (inHeader) {
        // A u32 field, possibly split over two reads.
        let v: number
        if (pending.length === 0 && data.length - at >= 4) {
          v = data.readUInt32LE(at)
          at += 4
        } else {
          const take = Math.min(4 - pending.length, data.length - at)
          pending = Buffer.concat([pending, data.subarray(at, at + take)])
          at += take
          if (pending.length < 4) break
          v = pending.readUInt32LE(0)
          pending = Buffer.alloc(0)
        }
        if (count < 0) count = v
        else lengths.push(v)
        if (count >= 0 && lengths.length === count) startChunk()
        continue
      }
      const chunk = chunks[index]!
      const take = Math.min(chunk.length - filled, data.length - at)
      data.copy(chunk, filled, at, at + take)
      filled += take
      at += take
      if (filled === chunk.length) {
        index++
        startChunk()
      }
    }
  }
}

/**
 * Channel `ch` of the IPC pipe of `end`. A message sent after the pipe closed is dropped: the other
 * side is gone, and whoever waits for its answer learns it from the pipe's 'disconnect'. With a
 * `lane`, the transferred bytes of messages this side sends go out on `lane.out`, and messages
 * received with bulk wait for their bytes from `lane.in`.
 */
export function ipcPort(end: IpcEnd, ch: string, lane: BulkLane = {}): LogPort {
  const listeners: ((m: unknown) => void)[] = []
  const deliver = (m: unknown) => {
    for (const l of listeners) l(m)
  }
  // Messages with bulk and frames that arrived without their other half yet, in order.
  const waitingMessages: Wrapped[] = []
  const waitingFrames: Buffer[][] = []
  const pair = () => {
    while (waitingMessages.length > 0 && waitingFrames.length > 0)
      deliver(restore(waitingMessages.shift()!.m, waitingFrames.shift()!))
  }
  const onMessage = (raw: unknown) => {
    if (!isWrapped(raw) || raw.ch !== ch) return
    if (raw.bulk === undefined) deliver(raw.m)
    else {
      waitingMessages.push(raw)
      pair()
    }
  }
  end.on('message', onMessage)
  const onData = frameReader((frame) => {
    waitingFrames.push(frame)
    pair()
  })
  lane.in?.on('data', onData)
  return {
    postMessage(message, transfer) {
      if (!end.connected || !end.send) return
      let wrapped: Wrapped = { ch, m: message }
      if (lane.out && transfer && transfer.length > 0) {
        const chunks: Uint8Array[] = []
        const m = extract(message, new Set(transfer), chunks)
        if (chunks.length > 0) {
          writeFrame(lane.out, chunks)
          wrapped = { ch, m, bulk: chunks.length }
        }
      }
      // The callback keeps a send racing the pipe's close from becoming an 'error' event.
      end.send(wrapped, () => {})
    },
    on(_event, listener) {
      listeners.push(listener)
    },
    close() {
      listeners.length = 0
      waitingMessages.length = 0
      waitingFrames.length = 0
      end.off('message', onMessage)
    },
  }
}

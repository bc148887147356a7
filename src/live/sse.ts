// Server-Sent Events to many subscribers: each gets the current message at once, then every
// broadcast; a comment line keeps idle proxies from closing the stream. Streams end when the client
// goes, when one falls too far behind, and when the admin listener stops (its stop waits for every
// request in flight, an open stream included).
import type { IncomingMessage, ServerResponse } from 'node:http'

/** A client whose unsent output exceeds this is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024

/** Hooks for metrics. */
export interface SseHubOptions {
  readonly keepAliveMs: number
  onSubscribers?(count: number): void
  onDropped?(reason: 'slow'): void
}

/** Formats one SSE message; `data` must not contain newlines (JSON.stringify output never does). */
export function sseMessage(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`
}

/** The subscribers of one stream. */
export class SseHub {
  readonly #o: SseHubOptions
  readonly #subscribers = new Set<ServerResponse>()
  readonly #keepAlive: NodeJS.Timeout
  #closed = false

  constructor(options: SseHubOptions) {
    this.#o = options
    this.#keepAlive = setInterval(() => this.#send(': keep-alive\n\n'), options.keepAliveMs)
    this.#keepAlive.unref()
  }

  get size(): number {
    return this.#subscribers.size
  }

  /** Opens the stream on `res` and sends `first` (a formatted message) at once. */
  subscribe(req: IncomingMessage, res: ServerResponse, first: string): void {
    if (this.#closed) {
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' })
      res.end(JSON.stringify({ code: 'shutting_down', message: 'clickflow is stopping; reconnect later' }))
      return
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told otherwise.
      'x-accel-buffering': 'no',
    })
    req.socket.setNoDelay(true)
    // retry: how long an EventSource waits before reconnecting after the stream ends.
    res.write(`retry: 2000\n\n${first}`)
    this.#subscribers.add(res)
    this.#o.onSubscribers?.(this.#subscribers.size)
    const drop = () => {
      if (this.#subscribers.delete(res)) this.#o.onSubscribers?.(this.#subscribers.size)
    }
    res.once('close', drop)
    req.once('close', drop)
  }

  /** Sends a formatted message to every subscriber. */
  broadcast(message: string): void {
    this.#send(message)
  }

  #send(text: string): void {
    for (const res of this.#subscribers) {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        this.#o.onDropped?.('slow')
        this.#subscribers.delete(res)
        this.#o.onSubscribers?.(this.#subscribers.size)
        res.destroy()
        continue
      }
      res.write(text)
    }
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#keepAlive)
    for (const res of this.#subscribers) res.end()
    this.#subscribers.clear()
    this.#o.onSubscribers?.(0)
  }
}

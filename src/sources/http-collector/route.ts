// What a protocol endpoint of the collector is: it reads one request into events (and refusals),
// and says how to answer once they are durable. The source owns everything around it: draining,
// overload, CORS, rate limits, the durable write, counting.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ClickEvent } from '../../core/event.ts'

/** What the collector knows about a request before a protocol parses it. */
export interface RequestInfo {
  readonly receivedAt: number
  readonly sourceId: string
  /** The request URL, parsed (query parameters of pixel protocols live here). */
  readonly url: URL
  readonly userAgent: string | null
  /** The client address (socket, or X-Forwarded-For when trust_proxy says so). */
  readonly ip: string | null
}

/** One input of a request that could not become an event. */
export interface Rejection {
  /** Position in the request (0 for single-event protocols). */
  readonly index: number
  readonly code: string
  readonly message: string
  /** The input as received, as JSON text (kept in the dead-letter store). */
  readonly payload: string
}

/** What a protocol made of one request. */
export interface Intake {
  readonly events: ClickEvent[]
  readonly rejected: readonly Rejection[]
  /** Sends the protocol's own success answer; called only once events and rejections are durable. */
  reply(res: ServerResponse, cors: Readonly<Record<string, string>>): void
}

/** A protocol endpoint. */
export interface CollectorRoute {
  /** Label in metrics (`collect`, `segment`, `divolte`, ...). */
  readonly name: string
  /** Exact request paths this route answers. */
  readonly paths: readonly string[]
  /** Methods it takes (OPTIONS preflight is handled by the source). */
  readonly methods: readonly string[]
  /** Reads and parses the request; throws RequestError to refuse it as a whole. */
  accept(req: IncomingMessage, info: RequestInfo): Promise<Intake>
}

// The collector's HTTP server: parses requests, appends accepted events (and refused ones, as dead
// letters) to the durable log, and answers 2xx only once both are durable. It does no enrichment.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { BuildContext, EventWriter, Source } from '../../core/component.ts'
import { RequestError } from '../../core/errors.ts'
import { closeServer, InFlight, listen, listenerUrl } from '../../http/listen.ts'
import { mediaType, parseJson, readBody } from '../../http/read-body.ts'
import { sendError, sendJson } from '../../http/respond.ts'
import { parseCollectBody } from './collect-request.ts'
import type { HttpCollectorConfig } from './config.ts'

/** Content types the collect endpoint takes; text/plain because sendBeacon avoids a CORS preflight with it. */
const JSON_TYPES = new Set(['application/json', 'text/plain', ''])

/** The running http_collector. */
export class HttpCollector implements Source {
  readonly #cfg: HttpCollectorConfig
  readonly #ctx: BuildContext
  readonly #server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 30_000 })
  readonly #inFlight = new InFlight()
  #out: EventWriter | null = null
  #url: string | null = null
  #draining = false
  #stopped: Promise<void> | null = null
  /** Bytes of request bodies waiting for the log; past the limit new requests get 503. */
  #pendingBytes = 0

  constructor(cfg: HttpCollectorConfig, ctx: BuildContext) {
    this.#cfg = cfg
    this.#ctx = ctx
    this.#server.on('request', (req, res) => this.#handle(req, res))
  }

  async start(out: EventWriter): Promise<void> {
    this.#out = out
    const port = await listen(this.#server, this.#cfg.host, this.#cfg.port)
    this.#url = listenerUrl(this.#cfg.host, port)
  }

  urls(): readonly string[] {
    return this.#url ? [`${this.#url}${this.#cfg.collect_path}`] : []
  }

  stop(): Promise<void> {
    this.#draining = true
    this.#stopped ??= closeServer(this.#server, this.#inFlight)
    return this.#stopped
  }

  #cors(req: IncomingMessage): Record<string, string> {
    const origin = req.headers.origin
    if (!origin) return {}
    const allowed = this.#cfg.cors_origins
    if (allowed.includes('*')) return { 'access-control-allow-origin': '*' }
    return allowed.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const done = this.#inFlight.begin()
    const path = (req.url ?? '/').split('?')[0]!
    const route = path === this.#cfg.collect_path ? 'collect' : path === '/healthz' ? 'healthz' : 'other'
    res.on('close', () => {
      done()
      this.#ctx.registry.httpRequests.inc({ listener: 'collector', route, status: String(res.statusCode) })
    })
    const cors = this.#cors(req)
    if (this.#draining) {
      sendJson(
        res,
        503,
        { code: 'shutting_down', message: 'the collector is shutting down; retry later' },
        {
          'retry-after': '1',
          connection: 'close',
        },
      )
      return
    }
    if (route === 'healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok' })
      return
    }
    if (route !== 'collect') {
      this.#refuse(res, new RequestError(404, 'not_found', `no endpoint at ${path}`), cors)
      return
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type, content-encoding',
        'access-control-max-age': '86400',
      })
      res.end()
      return
    }
    if (req.method !== 'POST') {
      this.#refuse(
        res,
        new RequestError(405, 'method_not_allowed', `use POST for ${path}`, { allow: 'POST, OPTIONS' }),
        cors,
      )
      return
    }
    this.#collect(req, res, cors).catch((err) => this.#refuse(res, err, cors))
  }

  #refuse(res: ServerResponse, err: unknown, cors: Record<string, string>): void {
    const { code, status } = sendError(res, err, cors)
    if (status >= 500) this.#ctx.metrics.error(code)
    else this.#ctx.metrics.discarded(code)
    if (status >= 500) this.#ctx.log.warn({ err, code }, 'collect request failed')
  }

  async #collect(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const type = mediaType(req)
    if (!JSON_TYPES.has(type)) {
      req.resume()
      throw new RequestError(
        415,
        'unsupported_media_type',
        `send JSON (application/json or text/plain), not ${type}`,
      )
    }
    if (this.#pendingBytes > this.#cfg.max_in_flight_bytes) {
      req.resume()
      throw new RequestError(503, 'overloaded', 'the collector is at capacity; retry later', {
        'retry-after': '1',
      })
    }
    const body = await readBody(req, this.#cfg.max_body_bytes)
    const receivedAt = this.#ctx.clock.now()
    const { events, rejected } = parseCollectBody(parseJson(body), {
      receivedAt,
      sourceId: this.#ctx.id,
      userAgent: req.headers['user-agent'] ?? null,
      ip: this.#clientIp(req),
      site: this.#cfg.site,
      maxEventBytes: this.#cfg.max_event_bytes,
      maxEvents: this.#cfg.max_events_per_request,
    })
    this.#ctx.metrics.received(events.length + rejected.length)
    this.#pendingBytes += body.length
    try {
      // Both appends must be durable before we answer: accepted events and the dead letters.
      await Promise.all([
        this.#out!.write(events),
        rejected.length === 0
          ? undefined
          : this.#out!.deadLetter(
              rejected.map((r) => ({
                component_id: this.#ctx.id,
                reason: r.code,
                message: r.message,
                received_at: receivedAt,
                payload: r.payload,
              })),
            ),
      ])
    } finally {
      this.#pendingBytes -= body.length
    }
    this.#ctx.metrics.sent(events.length)
    for (const r of rejected) this.#ctx.metrics.discarded(r.code)
    sendJson(
      res,
      200,
      {
        accepted: events.length,
        rejected: rejected.map(({ index, code, message }) => ({ index, code, message })),
      },
      cors,
    )
  }

  #clientIp(req: IncomingMessage): string | null {
    if (this.#cfg.trust_proxy) {
      const fwd = req.headers['x-forwarded-for']
      const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim()
      if (first) return first
    }
    return req.socket.remoteAddress ?? null
  }
}

// The collector's HTTP server: routes each request to its protocol, appends what the protocol
// parsed (events, and refusals as dead letters) to the durable log, and lets the protocol answer
// only once both are durable. Enrichment happens after the log, in the pipeline.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import type { BuildContext, EventWriter, Source } from '../../core/component.ts'
import { ConfigError, RequestError } from '../../core/errors.ts'
import type { ClickEvent, DeadLetter } from '../../core/event.ts'
import { closeServer, InFlight, listen, listenerUrl } from '../../http/listen.ts'
import { sendError, sendJson } from '../../http/respond.ts'
import { clientIpResolver } from './client-ip.ts'
import type { HttpCollectorConfig } from './config.ts'
import { RateLimiter } from './rate-limit.ts'
import type { CollectorRoute, Intake, Rejection, RequestInfo } from './route.ts'
import { CookielessIds } from './visitor-id.ts'

/** CORS headers of one answer. */
type Cors = Readonly<Record<string, string>>
/** The answer to a request without an Origin (servers, same-origin pages): no CORS headers. */
const NO_CORS: Cors = Object.freeze({})

/** The running http_collector. */
export class HttpCollector implements Source {
  readonly #cfg: HttpCollectorConfig
  readonly #ctx: BuildContext
  readonly #server = createServer({
    keepAliveTimeout: 65_000,
    requestTimeout: 30_000,
    maxHeaderSize: 16 * 1024,
  })
  readonly #inFlight = new InFlight()
  readonly #routes = new Map<string, CollectorRoute>()
  readonly #clientIp: (req: IncomingMessage) => string | null
  readonly #limiter: RateLimiter | null
  readonly #ids: CookielessIds | null
  #out: EventWriter | null = null
  #url: string | null = null
  #draining = false
  #stopped: Promise<void> | null = null
  readonly #countRequest: (route: string, status: number) => void
  /** Events parsed and waiting for the log; past the limit new requests get 503. */
  #pendingEvents = 0

  constructor(cfg: HttpCollectorConfig, ctx: BuildContext, routes: readonly CollectorRoute[]) {
    this.#cfg = cfg
    this.#ctx = ctx
    this.#countRequest = ctx.registry.httpRequestCounter('collector')
    for (const r of routes) {
      for (const p of r.paths) {
        const other = this.#routes.get(p)
        if (other) {
          throw new ConfigError([
            {
              path: `sources.${ctx.id}`,
              message: `${p} is claimed by both the ${other.name} and the ${r.name} endpoints; give one another path`,
            },
          ])
        }
        this.#routes.set(p, r)
      }
    }
    this.#clientIp = clientIpResolver(cfg.trust_proxy)
    this.#limiter = cfg.rate_limit
      ? new RateLimiter({
          requestsPerSecond: cfg.rate_limit.requests_per_second,
          burst: cfg.rate_limit.burst,
          maxAddresses: 100_000,
        })
      : null
    this.#ids = cfg.derive_visitor_id
      ? new CookielessIds(join(ctx.dataDir, 'sources', ctx.id, 'salts.json'))
      : null
    this.#server.on('request', (req, res) => this.#handle(req, res))
    // Malformed HTTP (bad request line, oversized headers) never reaches a handler: answer and count it.
    this.#server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // A client that hangs up mid-request (a load tool stopping, a closed tab) is not malformed HTTP.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'HPE_INVALID_EOF_STATE') {
        this.#ctx.metrics.discarded('client_aborted')
        socket.destroy()
        return
      }
      const code = err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_http'
      this.#ctx.metrics.discarded(code)
      if (socket.writable) {
        const status =
          code === 'headers_too_large' ? '431 Request Header Fields Too Large' : '400 Bad Request'
        const body = JSON.stringify({
          code,
          message: code === 'headers_too_large' ? 'request headers are too large' : 'malformed HTTP request',
        })
        socket.end(
          `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        )
      } else socket.destroy()
    })
  }

  async start(out: EventWriter): Promise<void> {
    this.#out = out
    const id = this.#ctx.id
    const port = await listen(
      this.#server,
      this.#cfg.host,
      this.#cfg.port,
      `the collector "${id}" (sources.${id}.port)`,
    )
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

  #cors(req: IncomingMessage): Cors {
    const origin = req.headers.origin
    if (!origin) return NO_CORS
    const allowed = this.#cfg.cors_origins
    // Credentials (the tag's cookies) need the origin echoed, never `*`.
    if (!allowed.includes('*') && !allowed.includes(origin)) return NO_CORS
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    }
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const done = this.#inFlight.begin()
    const receivedAt = this.#ctx.clock.now()
    const raw = req.url ?? '/'
    const q = raw.indexOf('?')
    const pathname = q < 0 ? raw : raw.slice(0, q)
    // The full URL is parsed only for the routes that read the query (pixels): not on /collect's path.
    let parsed: URL | null = null
    const urlOf = (): URL => {
      if (!parsed) {
        try {
          parsed = new URL(raw, 'http://collector')
        } catch {
          parsed = new URL('http://collector/')
        }
      }
      return parsed
    }
    const route = this.#routes.get(pathname)
    const label = route ? route.name : pathname === '/healthz' ? 'healthz' : 'other'
    res.on('close', () => {
      done()
      this.#countRequest(label, res.statusCode)
    })
    const cors = this.#cors(req)
    try {
      if (this.#draining) {
        throw new RequestError(503, 'shutting_down', 'the collector is shutting down; retry later', {
          'retry-after': '1',
          connection: 'close',
        })
      }
      if (pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
        sendJson(res, 200, { status: 'ok' })
        return
      }
      if (!route) throw new RequestError(404, 'not_found', `no endpoint at ${pathname}`)
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          ...cors,
          'access-control-allow-methods': [...route.methods, 'OPTIONS'].join(', '),
          'access-control-allow-headers': 'content-type, content-encoding, authorization',
          'access-control-max-age': '86400',
        })
        res.end()
        return
      }
      if (!route.methods.includes(req.method ?? '')) {
        throw new RequestError(
          405,
          'method_not_allowed',
          `use ${route.methods.join(' or ')} for ${pathname}`,
          {
            allow: [...route.methods, 'OPTIONS'].join(', '),
          },
        )
      }
      const ip = this.#clientIp(req)
      if (this.#limiter && ip) {
        const wait = this.#limiter.take(ip, receivedAt)
        if (wait > 0)
          throw new RequestError(429, 'rate_limited', 'too many requests from this address', {
            'retry-after': String(wait),
          })
      }
      if (this.#pendingEvents >= this.#cfg.max_pending_events) {
        throw new RequestError(503, 'overloaded', 'the collector is at capacity; retry later', {
          'retry-after': '1',
        })
      }
      const info: RequestInfo = {
        receivedAt,
        sourceId: this.#ctx.id,
        get url() {
          return urlOf()
        },
        userAgent: req.headers['user-agent'] ?? null,
        ip,
      }
      route
        .accept(req, info)
        .then((intake) => this.#store(intake, info, res, cors))
        .catch((err: unknown) => this.#refuse(req, res, err, cors))
    } catch (err) {
      this.#refuse(req, res, err, cors)
    }
  }

  #refuse(req: IncomingMessage, res: ServerResponse, err: unknown, cors: Cors): void {
    // Leave nothing unread on the connection; a refused body is drained, not parsed.
    if (!req.complete) req.resume()
    const { code, status } = sendError(res, err, cors)
    if (status >= 500 && status !== 503) this.#ctx.metrics.error(code)
    else this.#ctx.metrics.discarded(code)
    if (status >= 500) this.#ctx.log.warn({ err, code }, 'collect request failed')
  }

  /**
   * Appends the intake's events and dead letters and answers once both are durable. Not an async
   * function: its suspended frame would keep every parsed event reachable while the log syncs (and
   * each garbage collection in that time would copy them); the continuation keeps only counts.
   */
  #store(intake: Intake, info: RequestInfo, res: ServerResponse, cors: Cors): Promise<void> {
    const { events, rejected, reply } = intake
    const accepted = events.length
    this.#ctx.metrics.received(accepted + rejected.length)
    if (this.#ids) for (const e of events) this.#deriveVisitor(e, info)
    // Both appends must be durable before we answer: accepted events and the dead letters.
    const writes: Promise<void>[] = []
    try {
      if (accepted > 0) writes.push(this.#out!.write(events))
      if (rejected.length > 0) writes.push(this.#out!.deadLetter(this.#deadLetters(rejected, info)))
    } catch (err) {
      // The request is refused for the append that threw; one already issued must not fail unobserved.
      for (const w of writes) w.catch(() => undefined)
      throw err
    }
    this.#pendingEvents += accepted
    return (writes.length === 1 ? writes[0]! : Promise.all(writes)).then(
      () => {
        this.#pendingEvents -= accepted
        this.#ctx.metrics.sent(accepted)
        for (const r of rejected) this.#ctx.metrics.discarded(r.code)
        reply(res, cors)
      },
      (err: unknown) => {
        this.#pendingEvents -= accepted
        throw err
      },
    )
  }

  #deadLetters(rejected: readonly Rejection[], info: RequestInfo): DeadLetter[] {
    return rejected.map((r) => ({
      component_id: this.#ctx.id,
      reason: r.code,
      message: r.message,
      received_at: info.receivedAt,
      payload: r.payload,
    }))
  }

  #deriveVisitor(e: ClickEvent, info: RequestInfo): void {
    if (e.visitor_id !== null || e.user_id !== null || !info.ip) return
    e.visitor_id = this.#ids!.derive(info.ip, info.userAgent ?? '', e.site ?? '', info.receivedAt)
  }
}

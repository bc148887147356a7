// The admin listener: query API, read-only SQL, /metrics, /healthz, /readyz. Loopback by default;
// a token (Bearer) is required whenever one is configured, for everything but the health probes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Server as NetServer, Socket } from 'node:net'
import { RequestError } from '../core/errors.ts'
import { closeServer, InFlight, listen, listenerUrl } from '../http/listen.ts'
import { mediaType, parseJson, readBody } from '../http/read-body.ts'
import { sendError, sendJson } from '../http/respond.ts'
import type { Store } from '../store/store.ts'
import type { Logger } from '../telemetry/logger.ts'
import type { ComponentMetrics, Metrics } from '../telemetry/metrics.ts'
import type { AdminRoute } from './admin-routes.ts'
import { requireToken } from './auth.ts'
import { INDEX_HTML } from './index-page.ts'

/** Readiness of the process, as /readyz reports it. */
export interface Readiness {
  readonly ready: boolean
  readonly checks: Readonly<Record<string, string>>
}

/**
 * A listening socket another process owns (runtime.processing: process, see
 * topology/worker/admin-socket.ts), served instead of binding host:port, so that the port stays open
 * while this process is restarted.
 */
export interface SharedListener {
  /** Asks the owner for the socket; resolves with it, listening in this process. */
  listener(): Promise<NetServer>
  /** Registers who serves the connections the owner accepted on the socket itself and handed over. */
  onConnection(serve: (socket: Socket) => void): void
}

/** What the admin listener needs. */
export interface AdminServerOptions {
  readonly host: string
  readonly port: number
  /** Serve this socket instead of binding host:port (host still names it in the URL). */
  readonly shared?: SharedListener
  readonly token: string | undefined
  readonly store: Store
  readonly metrics: Metrics
  /**
   * The /metrics exposition; by default this registry's. The processing thread serves the metrics of
   * the whole process: its own merged with the ingest thread's.
   */
  readonly metricsText?: () => Promise<{ contentType: string; body: string }>
  readonly log: Logger
  readonly readiness: () => Readiness
  /** Serves POST /api/import (`clickflow import` beside a running clickflow) when given. */
  readonly importHandler?: (req: IncomingMessage, res: ServerResponse) => Promise<void>
  /** Routes other parts registered (see AdminRoutes). */
  readonly routes?: readonly AdminRoute[]
}

const MAX_SQL_BODY = 256 * 1024

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/** The running admin listener. */
export class AdminServer {
  readonly #o: AdminServerOptions
  readonly #server = createServer({ keepAliveTimeout: 65_000 })
  readonly #inFlight = new InFlight()
  readonly #counters: ComponentMetrics
  readonly #routes: Map<string, Map<string, Handler>>
  /** Paths served without the token besides the health probes. */
  readonly #public = new Set<string>(['/healthz', '/readyz'])
  /** `/*` routes: prefix -> methods, longest prefix first. */
  readonly #prefixes: [string, Map<string, Handler>][] = []
  #url: string | null = null
  readonly #countRequest: (route: string, status: number) => void
  #stopped: Promise<void> | null = null

  constructor(options: AdminServerOptions) {
    this.#o = options
    this.#countRequest = options.metrics.httpRequestCounter('admin')
    this.#counters = options.metrics.component('api', 'admin_api', 'api')
    this.#routes = new Map([
      ['/', new Map([['GET', this.#index]])],
      ['/healthz', new Map([['GET', this.#healthz]])],
      ['/readyz', new Map([['GET', this.#readyz]])],
      ['/metrics', new Map([['GET', this.#metrics]])],
      ['/api/sql', new Map([['POST', this.#sql]])],
    ])
    if (options.importHandler) this.#routes.set('/api/import', new Map([['POST', options.importHandler]]))
    for (const r of options.routes ?? []) {
      if (r.path.endsWith('/*')) {
        const prefix = r.path.slice(0, -1)
        let methods = this.#prefixes.find(([p]) => p === prefix)?.[1]
        if (!methods) {
          methods = new Map()
          this.#prefixes.push([prefix, methods])
        }
        methods.set(r.method, r.handler)
      } else {
        // A registered `/` replaces the built-in index page (the dashboard).
        const methods = r.path === '/' ? new Map() : (this.#routes.get(r.path) ?? new Map())
        methods.set(r.method, r.handler)
        this.#routes.set(r.path, methods)
      }
      if (r.public) this.#public.add(r.path)
    }
    this.#prefixes.sort((a, b) => b[0].length - a[0].length)
    this.#server.on('request', (req, res) => this.#handle(req, res))
  }

  /** Binds the listener, or takes over the shared one. */
  async start(): Promise<void> {
    const shared = this.#o.shared
    if (!shared) {
      const port = await listen(
        this.#server,
        this.#o.host,
        this.#o.port,
        'the admin API (api.host, api.port)',
      )
      this.#url = listenerUrl(this.#o.host, port)
      return
    }
    const handle = await shared.listener()
    // From here this server accepts on the shared socket itself (server.listen(handle)), with the
    // same timeouts and close as a bound one; closing it closes this process's descriptor only.
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(handle, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    shared.onConnection((socket) => {
      if (this.#stopped) socket.destroy()
      else this.#server.emit('connection', socket)
    })
    this.#url = listenerUrl(this.#o.host, (this.#server.address() as AddressInfo).port)
  }

  /** The base URL, once listening. */
  url(): string | null {
    return this.#url
  }

  /** Stops accepting and waits for requests in flight. */
  stop(): Promise<void> {
    this.#stopped ??= closeServer(this.#server, this.#inFlight)
    return this.#stopped
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const done = this.#inFlight.begin()
    const path = (req.url ?? '/').split('?')[0]!
    const prefix = this.#routes.has(path) ? undefined : this.#prefixes.find(([p]) => path.startsWith(p))
    const methods = prefix ? prefix[1] : this.#routes.get(path)
    const route = prefix ? `${prefix[0]}*` : methods ? path : 'other'
    res.on('close', () => {
      done()
      this.#countRequest(route, res.statusCode)
    })
    const run = async () => {
      if (!this.#public.has(route)) requireToken(req, this.#o.token)
      if (!methods) throw new RequestError(404, 'not_found', `no endpoint at ${path}`)
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')
      const handler = methods.get(method)
      if (!handler) {
        throw new RequestError(
          405,
          'method_not_allowed',
          `use ${[...methods.keys()].join(' or ')} for ${path}`,
          {
            allow: [...methods.keys()].join(', '),
          },
        )
      }
      await handler.call(this, req, res)
    }
    run().catch((err) => {
      const { status, code } = sendError(res, err)
      if (status >= 500) {
        this.#counters.error(code)
        this.#o.log.error({ err, path }, 'admin request failed')
      } else this.#counters.discarded(code)
    })
  }

  async #index(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(INDEX_HTML),
    })
    res.end(INDEX_HTML)
  }

  async #healthz(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    sendJson(res, 200, { status: 'ok' })
  }

  async #readyz(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = this.#o.readiness()
    sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not_ready', checks: r.checks })
  }

  async #metrics(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { contentType, body } = await (this.#o.metricsText?.() ?? this.#o.metrics.text())
    res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }

  async #sql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (mediaType(req) !== 'application/json') {
      req.resume()
      throw new RequestError(415, 'unsupported_media_type', 'send {"sql": "..."} as application/json')
    }
    const body = parseJson(await readBody(req, MAX_SQL_BODY))
    const { sql, format: bodyFormat } = (body ?? {}) as { sql?: unknown; format?: unknown }
    if (typeof sql !== 'string')
      throw new RequestError(400, 'invalid_body', 'the body must be {"sql": "<one SELECT statement>"}')
    const format = bodyFormat ?? new URL(req.url ?? '/', 'http://admin').searchParams.get('format') ?? 'json'
    if (format !== 'json' && format !== 'csv' && format !== 'parquet')
      throw new RequestError(
        400,
        'invalid_format',
        `format must be json, csv or parquet, not ${JSON.stringify(format)}`,
      )
    this.#counters.received()
    if (format === 'json') {
      const result = await this.#o.store.sql(sql)
      this.#counters.sent()
      sendJson(res, 200, result)
      return
    }
    const file = await this.#o.store.sqlExport(sql, format)
    this.#counters.sent()
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
      'content-disposition': `attachment; filename="query.${format}"`,
      'content-length': file.data.length,
      'x-clickflow-rows': String(file.rows),
      'x-clickflow-truncated': String(file.truncated),
    })
    res.end(file.data)
  }
}

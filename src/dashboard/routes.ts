// The dashboard's routes on the admin listener: the page at `/` and its assets (public: they hold no
// data, and the page must load to ask for the token), and GET /api/dashboard/setup (behind the token)
// with what the empty states need to show the real tag snippet.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AdminRoute } from '../api/admin-routes.ts'
import type { ClickflowConfig } from '../config/load.ts'
import { RequestError } from '../core/errors.ts'
import { sendJson } from '../http/respond.ts'
import type { LiveSinkConfig } from '../live/config.ts'
import type { HttpCollectorConfig } from '../sources/http-collector/config.ts'
import { etagMatches, pickEncoding } from '../sources/http-collector/routes/tag.ts'
import { type Asset, buildDashboard } from './build.ts'
import { CONTENT_SECURITY_POLICY } from './html.ts'

/** The answer of GET /api/dashboard/setup (read by dashboard/src/setup.ts). */
export interface DashboardSetup {
  /** Where the first collector serves the tag: its port (null when picked at start) and path. */
  readonly tag: { readonly port: number | null; readonly path: string } | null
  /** The live sink's conversion event: the Overview's goal until one is chosen (null: none). */
  readonly conversion_event: string | null
}

/**
 * What the setup endpoint reports for a config: the first http_collector that serves a tag, and the
 * first live sink's conversion event.
 */
export function setupFor(config: Pick<ClickflowConfig, 'sources' | 'sinks'>): DashboardSetup {
  let tag: DashboardSetup['tag'] = null
  for (const s of config.sources) {
    if (s.type !== 'http_collector') continue
    const c = s.config as HttpCollectorConfig
    const path = c.tag_paths[0]
    if (path) {
      tag = { port: c.port === 0 ? null : c.port, path }
      break
    }
  }
  const live = config.sinks.find((s) => s.type === 'live')
  const conversion = (live?.config as Pick<LiveSinkConfig, 'conversion_event'> | undefined)?.conversion_event
  return { tag, conversion_event: conversion ?? null }
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

/** Writes a built file (or 304), compressed as the browser allows. */
function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset, cacheControl: string): void {
  const common = { etag: a.etag, 'cache-control': cacheControl, vary: 'Accept-Encoding', ...SECURITY_HEADERS }
  if (etagMatches(req.headers['if-none-match'], a.etag)) {
    res.writeHead(304, common)
    res.end()
    return
  }
  const encoding = pickEncoding(req.headers['accept-encoding'])
  const body = encoding === 'br' ? a.brotli : encoding === 'gzip' ? a.gzip : a.body
  res.writeHead(200, {
    ...common,
    'content-type': a.contentType,
    'content-length': body.length,
    ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}

/** The routes; the bundle starts building now so the first visit does not wait for it. */
export function dashboardRoutes(config: Pick<ClickflowConfig, 'sources' | 'sinks'>): AdminRoute[] {
  // A failed build is not cached (buildDashboard); the next request tries again and answers 500.
  void buildDashboard().catch(() => {})
  const setup = setupFor(config)
  return [
    {
      method: 'GET',
      path: '/',
      public: true,
      handler: async (req, res) => {
        const { page } = await buildDashboard()
        res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY)
        res.setHeader('x-frame-options', 'DENY')
        // The page names the current hashed assets: always revalidate it.
        sendAsset(req, res, page, 'no-cache')
      },
    },
    {
      method: 'GET',
      path: '/assets/*',
      public: true,
      handler: async (req, res) => {
        const path = (req.url ?? '').split('?')[0]!
        const a = (await buildDashboard()).assets.get(path)
        if (!a) throw new RequestError(404, 'not_found', `no dashboard asset at ${path}; reload the page`)
        // Named by content hash: a new build has new names, so these never change.
        sendAsset(req, res, a, 'public, max-age=31536000, immutable')
      },
    },
    {
      method: 'GET',
      path: '/api/dashboard/setup',
      handler: async (_req, res) => sendJson(res, 200, setup),
    },
  ]
}

// The analytics API's endpoints on the admin listener (shapes in src/analytics/contract.ts): stats
// over query strings, funnels and retention over JSON bodies, saved funnels, and the OpenAPI document.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AnalyticsService } from '../analytics/analytics-service.ts'
import { parseSavedFunnel } from '../analytics/funnel-steps.ts'
import { type Input, inputFromUrl } from '../analytics/query.ts'
import { RequestError } from '../core/errors.ts'
import { mediaType, parseJson, readBody } from '../http/read-body.ts'
import { sendJson } from '../http/respond.ts'
import type { AdminRoute } from './admin-routes.ts'
import { openApiDocument } from './openapi.ts'

const MAX_BODY = 64 * 1024
const SAVED_PREFIX = '/api/funnels/saved/'

function url(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://admin')
}

/** A JSON object body; query-string parameters fill fields the body leaves out. */
async function jsonBody(req: IncomingMessage): Promise<Input> {
  if (mediaType(req) !== 'application/json') {
    req.resume()
    throw new RequestError(415, 'unsupported_media_type', 'send the request as application/json')
  }
  const body = parseJson(await readBody(req, MAX_BODY))
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new RequestError(400, 'invalid_body', 'the body must be a JSON object')
  return { ...inputFromUrl(url(req)), ...(body as Input) }
}

type OpenApiOps = Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>

/**
 * The query parameters the OpenAPI document lists for a GET endpoint. Anything else is refused: a
 * misspelt `timezone=` (for `tz=`) silently answered in UTC before.
 */
function documentedQuery(path: string): ReadonlySet<string> {
  let names = queryNames.get(path)
  if (!names) {
    const op = (openApiDocument() as { paths: OpenApiOps }).paths[path]?.get
    names = new Set((op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name))
    queryNames.set(path, names)
  }
  return names
}
const queryNames = new Map<string, ReadonlySet<string>>()

function refuseUnknown(input: Input, allowed: ReadonlySet<string>, path: string): void {
  const unknown = Object.keys(input).filter((k) => !allowed.has(k))
  if (unknown.length > 0) {
    throw new RequestError(
      400,
      'unknown_parameter',
      `${path} does not take ${unknown.map((k) => JSON.stringify(k)).join(', ')}; it takes ${[...allowed].join(', ') || 'no parameters'}`,
    )
  }
}

/** The analytics routes over one service. */
export function analyticsRoutes(service: AnalyticsService): AdminRoute[] {
  const get =
    (answer: (input: Input) => Promise<unknown>) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const u = url(req)
      const input = inputFromUrl(u)
      refuseUnknown(input, documentedQuery(u.pathname), u.pathname)
      sendJson(res, 200, await answer(input))
    }
  const post =
    (answer: (input: Input) => Promise<unknown>) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      sendJson(res, 200, await answer(await jsonBody(req)))
    }
  return [
    { method: 'GET', path: '/api/stats/overview', handler: get((i) => service.overview(i)) },
    { method: 'GET', path: '/api/stats/timeseries', handler: get((i) => service.timeseries(i)) },
    { method: 'GET', path: '/api/stats/breakdown', handler: get((i) => service.breakdown(i)) },
    { method: 'GET', path: '/api/stats/paths', handler: get((i) => service.paths(i)) },
    { method: 'GET', path: '/api/stats/active-users', handler: get((i) => service.activeUsers(i)) },
    { method: 'GET', path: '/api/sites', handler: get(() => service.sites()) },
    { method: 'POST', path: '/api/funnels', handler: post((b) => service.funnel(b)) },
    { method: 'POST', path: '/api/retention', handler: post((b) => service.retention(b)) },
    {
      method: 'GET',
      path: '/api/funnels/saved',
      handler: get(async () => ({ funnels: await service.listSavedFunnels() })),
    },
    {
      method: 'POST',
      path: '/api/funnels/saved',
      handler: async (req, res) => {
        const funnel = parseSavedFunnel(await jsonBody(req))
        await service.saveFunnel(funnel)
        sendJson(res, 200, funnel)
      },
    },
    {
      method: 'DELETE',
      path: `${SAVED_PREFIX}*`,
      handler: async (req, res) => {
        let name: string
        try {
          name = decodeURIComponent(url(req).pathname.slice(SAVED_PREFIX.length))
        } catch {
          throw new RequestError(
            400,
            'invalid_parameter',
            'the funnel name in the path is not valid percent-encoding',
          )
        }
        if (name === '')
          throw new RequestError(
            400,
            'invalid_parameter',
            'name the funnel: DELETE /api/funnels/saved/<name>',
          )
        await service.deleteSavedFunnel(name)
        sendJson(res, 200, { deleted: name })
      },
    },
    {
      method: 'GET',
      path: '/api/openapi.json',
      handler: async (_req, res) => sendJson(res, 200, openApiDocument()),
    },
  ]
}

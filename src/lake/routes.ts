// Admin endpoints of the lake and of erasure: POST /api/lake/export|compact|vacuum, GET
// /api/lake/history and /api/lake/snapshot, POST /api/erase. The CLI uses them when a clickflow
// runs on the data directory (one process owns the store and the lake's writes).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AdminRoute } from '../api/admin-routes.ts'
import type { ErasureHooks } from '../core/erasure-hooks.ts'
import { RequestError } from '../core/errors.ts'
import { mediaType, parseJson, readBody } from '../http/read-body.ts'
import { sendJson } from '../http/respond.ts'
import type { Database } from '../store/duckdb/database.ts'
import type { Logger } from '../telemetry/logger.ts'
import { DeltaError } from './delta-errors.ts'
import { erase, parseErasureRequest } from './erasure.ts'
import { checkDay } from './events-table.ts'
import type { Lake } from './lake.ts'
import type { LakeMetrics } from './lake-metrics.ts'
import { snapshotSummary } from './summary.ts'

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, 64 * 1024)
  if (raw.length === 0) return {}
  if (mediaType(req) !== 'application/json')
    throw new RequestError(
      415,
      'unsupported_media_type',
      'send a JSON object with content-type application/json',
    )
  const v = parseJson(raw)
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new RequestError(400, 'invalid_body', 'the body must be a JSON object')
  return v as Record<string, unknown>
}

function nonNegativeInt(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new RequestError(400, 'invalid_body', `"${name}" must be a non-negative integer`)
  return v
}

/** DeltaErrors a client caused (a version that does not exist) become 4xx. */
function asRequestError(err: unknown): unknown {
  if (
    err instanceof DeltaError &&
    ['delta_version_missing', 'delta_timestamp_too_early', 'delta_table_missing'].includes(err.code)
  )
    return new RequestError(404, err.code, err.message)
  if (err instanceof RangeError) return new RequestError(400, 'invalid_body', err.message)
  return err
}

function handler(fn: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await fn(req, res)
    } catch (err) {
      throw asRequestError(err)
    }
  }
}

/** The lake's and erasure's admin routes. */
export function lakeRoutes(
  lake: Lake,
  db: Database,
  metrics: LakeMetrics,
  log?: Logger,
  now: () => number = Date.now,
  hooks?: ErasureHooks,
): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/api/lake/export',
      handler: handler(async (req, res) => {
        const b = await jsonBody(req)
        if (b.day !== undefined && typeof b.day !== 'string')
          throw new RequestError(400, 'invalid_body', '"day" must be a string YYYY-MM-DD')
        sendJson(
          res,
          200,
          await lake.export({ day: b.day === undefined ? undefined : checkDay(b.day as string) }),
        )
      }),
    },
    {
      method: 'POST',
      path: '/api/lake/compact',
      handler: handler(async (req, res) => {
        const b = await jsonBody(req)
        const minFiles = nonNegativeInt(b.min_files, 'min_files')
        sendJson(
          res,
          200,
          await lake.compact({ minFiles: minFiles === undefined ? undefined : Math.max(2, minFiles) }),
        )
      }),
    },
    {
      method: 'POST',
      path: '/api/lake/vacuum',
      handler: handler(async (req, res) => {
        const b = await jsonBody(req)
        sendJson(res, 200, await lake.vacuum({ retentionMs: nonNegativeInt(b.retention_ms, 'retention_ms') }))
      }),
    },
    {
      method: 'GET',
      path: '/api/lake/history',
      handler: handler(async (_req, res) => {
        sendJson(res, 200, { history: await lake.history() })
      }),
    },
    {
      method: 'GET',
      path: '/api/lake/snapshot',
      handler: handler(async (req, res) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams
        const version = q.get('version')
        const timestamp = q.get('timestamp')
        if (version !== null && !/^\d+$/.test(version))
          throw new RequestError(400, 'invalid_query', 'version must be a non-negative integer')
        const ts = timestamp === null ? null : Date.parse(timestamp)
        if (ts !== null && Number.isNaN(ts))
          throw new RequestError(
            400,
            'invalid_query',
            'timestamp must be an ISO 8601 time, e.g. 2026-11-21T10:00:00Z',
          )
        const s = await lake.snapshot(
          version !== null ? { version: Number(version) } : ts !== null ? { timestamp: ts } : undefined,
        )
        sendJson(res, 200, snapshotSummary(lake, s))
      }),
    },
    {
      method: 'POST',
      path: '/api/erase',
      handler: handler(async (req, res) => {
        const { subject, requestedBy } = parseErasureRequest(await jsonBody(req))
        sendJson(res, 200, await erase(lake, db, subject, requestedBy, now(), metrics, log, hooks))
      }),
    },
  ]
}

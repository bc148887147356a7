// Writing responses: JSON bodies and the one error shape ({code, message}).
import type { ServerResponse } from 'node:http'
import { toHttpError } from '../core/errors.ts'

/** Sends a JSON body with a status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    ...headers,
  })
  res.end(data)
}

/** Sends any error as `{code, message}` with the status `toHttpError` gives; returns that status and code. */
export function sendError(
  res: ServerResponse,
  err: unknown,
  headers: Record<string, string> = {},
): { status: number; code: string } {
  const e = toHttpError(err)
  if (!res.headersSent) sendJson(res, e.status, e.body, { ...e.headers, ...headers })
  else res.destroy()
  return { status: e.status, code: e.body.code }
}

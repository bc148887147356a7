// Writing responses: JSON bodies and the one error shape ({code, message}).
import type { ServerResponse } from 'node:http'
import { toHttpError } from '../core/errors.ts'

/** Sends a JSON body with a status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendJsonText(res, status, JSON.stringify(body), headers)
}

/** Sends JSON that is already text (an answer built ahead of time) with a status. */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  // Headers as a flat array: no merged object per response, and set in one call.
  const flat = [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(text)),
  ]
  for (const k in headers) {
    // A caller's own content type or length replaces ours, as it did in a merged header object.
    if (k === 'content-type') flat[1] = headers[k]!
    else if (k === 'content-length') flat[3] = headers[k]!
    else flat.push(k, headers[k]!)
  }
  res.writeHead(status, flat)
  res.end(text)
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

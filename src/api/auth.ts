// Bearer-token check for the admin listener, in constant time.
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { RequestError } from '../core/errors.ts'

/** Throws 401 unless the request carries `Authorization: Bearer <token>`. No token configured: open. */
export function requireToken(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined) return
  const header = req.headers.authorization ?? ''
  const m = /^Bearer\s+(.+)$/i.exec(header)
  const given = Buffer.from(m?.[1]?.trim() ?? '')
  const expected = Buffer.from(token)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RequestError(401, 'unauthorized', 'send the admin token as "Authorization: Bearer <token>"', {
      'www-authenticate': 'Bearer realm="clickflow"',
    })
  }
}

/** Whether a bind address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

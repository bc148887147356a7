// The demo shop's HTTP server: static pages from site-pages.ts on 127.0.0.1 (it is a local demo,
// never exposed), closed with the demo.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ClickflowError } from '../core/errors.ts'
import { type PageContext, renderPage } from './site-pages.ts'

/** A listening demo site. */
export interface DemoSite {
  readonly url: string
  close(): Promise<void>
}

/** Serves the demo shop on 127.0.0.1:`port` (0: any free port). */
export async function startDemoSite(port: number, ctx: PageContext): Promise<DemoSite> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://demo').pathname
    const html = req.method === 'GET' || req.method === 'HEAD' ? renderPage(path, ctx) : null
    if (html === null) {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, {
        'content-type': 'text/plain',
      })
      res.end(
        req.method === 'GET' ? 'This demo shop has no such page.\n' : 'The demo shop only serves GET.\n',
      )
      return
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(req.method === 'HEAD' ? undefined : html)
  })
  // Browsers keep connections open; the demo must not hold up a shutdown for them.
  server.keepAliveTimeout = 2_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new ClickflowError(
              'invalid_option',
              `port ${port} of the demo shop is in use; choose another with --demo-port`,
            )
          : err,
      ),
    )
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

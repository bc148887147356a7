// A local webhook receiver for alert tests: node:http on 127.0.0.1 and a free port, recording every
// JSON body it gets and answering with the statuses a test scripts (then 200).
import { createServer, type Server } from 'node:http'

/** A running receiver. */
export interface WebhookReceiver {
  readonly url: string
  /** Bodies received, in order, including those answered with an error status. */
  readonly received: Record<string, unknown>[]
  /** Statuses for the next requests, in order; once used up, requests get 200. */
  readonly statuses: number[]
  close(): Promise<void>
}

/** Starts a receiver; `statuses` scripts the first answers. */
export async function startWebhookReceiver(statuses: number[] = []): Promise<WebhookReceiver> {
  const received: Record<string, unknown>[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
      res.writeHead(statuses.shift() ?? 200, { 'content-type': 'text/plain' })
      res.end('ok')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    statuses,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

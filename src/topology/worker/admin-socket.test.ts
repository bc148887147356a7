// The collector process's admin socket while no processing child is ready: a connection is held,
// then answered 503 (Retry-After, the error shape) instead of being refused or left hanging; a
// stop answers the held ones at once. The hand-over to a child is covered end to end
// (test/e2e/admin-across-restart.test.ts).
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { createLogger } from '../../telemetry/logger.ts'
import { Metrics } from '../../telemetry/metrics.ts'
import { AdminSocket } from './admin-socket.ts'

const logger = createLogger({ level: 'silent' })

/** GET `path`; resolves with the status, Retry-After and the JSON body. */
function get(url: string, path: string) {
  return new Promise<{ status: number; retryAfter: string | undefined; body: Record<string, string> }>(
    (resolve, reject) => {
      request(`${url}${path}`, { agent: false }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (s: string) => {
          text += s
        })
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'] as string | undefined,
            body: JSON.parse(text) as Record<string, string>,
          }),
        )
      })
        .on('error', reject)
        .end()
    },
  )
}

async function answered503(metrics: Metrics): Promise<number> {
  const m = await metrics.registry.getSingleMetric('clickflow_admin_held_connections_total')?.get()
  return m?.values.find((v) => v.labels.outcome === 'answered_503')?.value ?? 0
}

test('with no child ready, a connection is held and then answered 503 with Retry-After', async () => {
  const metrics = new Metrics({ defaultMetrics: false })
  const admin = await AdminSocket.bind('127.0.0.1', 0, { logger, metrics, holdMs: 20 })
  try {
    const res = await get(admin.url, '/api/stats/overview')
    assert.equal(res.status, 503)
    assert.equal(res.retryAfter, '1')
    assert.equal(res.body.code, 'processing_unavailable')
    assert.match(res.body.message!, /restarting/)
    assert.equal(await answered503(metrics), 1)
  } finally {
    admin.close()
  }
})

test('a stop answers the held connections at once, saying clickflow is stopping', async () => {
  const metrics = new Metrics({ defaultMetrics: false })
  // Held far longer than the test runs: only the stop can answer it.
  const admin = await AdminSocket.bind('127.0.0.1', 0, { logger, metrics, holdMs: 3_600_000 })
  const pending = get(admin.url, '/readyz')
  // Wait until the connection was accepted (the request is sent once connected; the hold starts then).
  while (admin.heldCount === 0) await new Promise((r) => setTimeout(r, 5))
  admin.close()
  const res = await pending
  assert.equal(res.status, 503)
  assert.equal(res.body.code, 'processing_unavailable')
  assert.match(res.body.message!, /stopping/)
})

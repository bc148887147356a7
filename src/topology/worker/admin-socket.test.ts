// The collector process's admin socket while no processing child is ready: a connection is held,
// then answered 503 (Retry-After, the error shape) instead of being refused or left hanging; a
// stop answers the held ones at once; a connection handed to a child that dies before confirming it
// goes to the next child. The whole restart is covered end to end (test/e2e/admin-across-restart.test.ts).
import assert from 'node:assert/strict'
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { createLogger } from '../../telemetry/logger.ts'
import { Metrics } from '../../telemetry/metrics.ts'
import { AdminSocket } from './admin-socket.ts'

const logger = createLogger({ level: 'silent' })
const dir = mkdtempSync(join(tmpdir(), 'admin-socket-'))
after(() => rmSync(dir, { recursive: true, force: true }))

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

/**
 * A child that stops reading its IPC pipe once it said 'up' (as one that is being killed): what is
 * sent to it stays in the pipe, and the kernel drops it with the pipe.
 */
const STUCK_CHILD = `
process.send('up', () => {
  for (;;) {}
})
`
/** A child that confirms each connection and answers 200 'child' on it; says 'up' once listening. */
const SERVING_CHILD = `
const server = require('node:http').createServer((req, res) => res.end('child'))
process.on('message', (raw, handle) => {
  if (!raw || raw.ch !== 'admin' || raw.m.type !== 'connection') return
  process.send({ ch: 'admin', m: { type: 'accepted', id: raw.m.id } })
  if (handle) server.emit('connection', handle)
})
process.on('disconnect', () => process.exit(0))
process.send('up')
`

function child(name: string, code: string) {
  const path = join(dir, name)
  writeFileSync(path, code)
  return fork(path, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

// A lost connection would leave the request unanswered: the timeout turns that into a failure.
test('a connection handed to a child that dies before confirming it is served by the next child', {
  timeout: 30_000,
}, async () => {
  const metrics = new Metrics({ defaultMetrics: false })
  const admin = await AdminSocket.bind('127.0.0.1', 0, { logger, metrics, holdMs: 3_600_000 })
  const answer = new Promise<string>((resolve, reject) => {
    request(`${admin.url}/readyz`, { agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (s: string) => {
        text += s
      })
      res.on('end', () => resolve(`${res.statusCode} ${text}`))
    })
      .on('error', reject)
      .end()
  })
  while (admin.heldCount === 0) await new Promise((r) => setTimeout(r, 5))
  const dying = child('stuck.cjs', STUCK_CHILD)
  await new Promise((r) => dying.once('message', r))
  admin.share(dying)
  admin.serveWith(dying)
  // Handed over: the message and the connection's descriptor are in the pipe, never to be read.
  assert.equal(admin.heldCount, 0)
  const exited = new Promise((r) => dying.once('exit', r))
  dying.kill('SIGKILL')
  await exited
  admin.release(dying)
  // This process kept its descriptor: the connection is held again, unread, for the next child.
  assert.equal(admin.heldCount, 1)
  const next = child('serving.cjs', SERVING_CHILD)
  try {
    // Ready as the supervisor's children are when they take connections: listening to messages.
    await new Promise((r) => next.once('message', r))
    admin.share(next)
    admin.serveWith(next)
    assert.equal(await answer, '200 child')
  } finally {
    admin.close()
    next.kill('SIGKILL')
  }
})

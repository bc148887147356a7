// End to end with runtime.processing: process: the admin port belongs to the collector's process, so
// while the processing child restarts after a SIGKILL, requests to it wait for the next child (or
// get a 503 that says why) instead of being refused; and a taken admin port is still named in one
// sentence when the listener is the collector process's.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { get as httpGet } from 'node:http'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import {
  assertStartCannotListen,
  killAll,
  metricValue,
  pollUntil,
  scrapeMetrics,
  start,
  takenPort,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { alive, childPid, killSeenChildren, processConfig } from '../helpers/processing-child.ts'

const TOKEN = 'e2e-admin-restart-token-0123456789'
const BEARER = { authorization: `Bearer ${TOKEN}` }
const RANGE = 'from=2022-07-31&to=2022-08-29'
/** Generous bounds for things that happen on their own; the test never asserts how fast. */
const WITHIN_MS = 60_000

/** An answer, or the error code of a request that got none (ECONNREFUSED, ECONNRESET, ...). */
type Outcome = { path: string; status: number; body: string } | { path: string; error: string }

/** GET on a connection of its own (no keep-alive pool: each request connects anew). */
function request(adminUrl: string, path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    httpGet(`${adminUrl}${path}`, { headers: BEARER, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (s: string) => {
        body += s
      })
      res.on('end', () => resolve({ path, status: res.statusCode ?? 0, body }))
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ path, error: err.code ?? err.message }))
    }).on('error', (err: NodeJS.ErrnoException) => resolve({ path, error: err.code ?? err.message }))
  })
}

/** An answer a restart may give: 200, or 503 from /readyz (not ready yet) or the collector's process. */
function assertAnswered(o: Outcome): void {
  assert.ok('status' in o, `${o.path} got no answer while the child restarted: ${JSON.stringify(o)}`)
  if (o.status === 200) return
  assert.equal(o.status, 503, `${o.path}: ${o.status} ${o.body}`)
  const body = JSON.parse(o.body) as { code?: string; status?: string }
  assert.ok(
    body.code === 'processing_unavailable' || (o.path === '/readyz' && body.status === 'not_ready'),
    `${o.path}: ${o.body}`,
  )
}

describe('runtime.processing: process, the admin port', () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = []
  after(async () => {
    await killAll()
    killSeenChildren()
    for (const d of dirs) await d.remove()
  })

  test('requests while a SIGKILLed child restarts are answered by the next child, never refused', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const cf = await start(dir.path, processConfig(dir.path), { CLICKFLOW_ADMIN_TOKEN: TOKEN })
    const first = childPid(dir.path)
    assert.ok(first !== null, 'the lock names the processing child')
    const before = await request(cf.adminUrl, `/api/stats/overview?${RANGE}`)
    assert.ok('status' in before && before.status === 200, JSON.stringify(before))

    process.kill(first, 'SIGKILL')
    assert.ok(await pollUntil(async () => !alive(first), WITHIN_MS), `the child ${first} outlived SIGKILL`)
    // The child is gone and its successor starts after a backoff (1 s at least), then boots: these
    // requests arrive while no child serves the port.
    const paths = ['/readyz', '/healthz', `/api/stats/overview?${RANGE}`, '/metrics']
    const during = await Promise.all(paths.map((p) => request(cf.adminUrl, p)))
    for (const o of during) assertAnswered(o)
    // Until the new child says it is ready, every request (each on a new connection) is answered too.
    let ready = false
    const polled = await pollUntil(async () => {
      const o = await request(cf.adminUrl, '/readyz')
      assertAnswered(o)
      ready = 'status' in o && o.status === 200
      return ready
    }, WITHIN_MS)
    assert.ok(polled && ready, `no ready child after the kill; stderr:\n${cf.stderr()}`)
    const second = childPid(dir.path)
    assert.ok(second !== null && second !== first, 'a new child serves the port')
    const overview = await request(cf.adminUrl, `/api/stats/overview?${RANGE}`)
    assert.ok('status' in overview && overview.status === 200, JSON.stringify(overview))

    const metrics = await scrapeMetrics(cf.adminUrl, TOKEN)
    assert.equal(metricValue(metrics, 'clickflow_processing_child_crashes_total', { cause: 'SIGKILL' }), 1)
    // The requests sent while no child ran were held by the collector's process: handed to the new
    // child, or answered 503 by the collector's process if none came in time.
    const held =
      metricValue(metrics, 'clickflow_admin_held_connections_total', { outcome: 'handed_over' }) +
      metricValue(metrics, 'clickflow_admin_held_connections_total', { outcome: 'answered_503' })
    assert.ok(held >= paths.length, `${held} connections held while no child ran:\n${metrics}`)

    assert.deepEqual(await cf.stop('SIGTERM'), { code: 0, signal: null }, cf.stderr())
    assert.ok(!alive(second), 'a clean stop ends the child too')
  })

  test('a taken admin port is named in one sentence (exit 1), as in thread mode', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const { port, release } = await takenPort()
    try {
      const config = join(dir.path, 'clickflow.yaml')
      await writeFile(
        config,
        `data_dir: ${join(dir.path, 'data')}\nruntime:\n  processing: process\napi:\n  host: 127.0.0.1\n  port: ${port}\nsources:\n  collector:\n    type: http_collector\n    host: 127.0.0.1\n    port: 0\nsinks:\n  store:\n    type: duckdb\n    inputs: [collector]\n`,
      )
      await assertStartCannotListen(config, 'the admin API (api.host, api.port)', port)
    } finally {
      release()
    }
  })
})

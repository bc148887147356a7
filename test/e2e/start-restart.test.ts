// End to end: 1,000 events posted to the real CLI are queryable within 2 s, survive a SIGTERM stop
// (exit 0) and a restart on the same data dir, exactly once and with the event_ids that were sent.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  assertStartCannotListen,
  type Clickflow,
  killAll,
  pollUntil,
  post,
  sql,
  sqlNumber,
  start,
  takenPort,
  tempDir,
} from '../helpers/clickflow-process.ts'

const BATCHES = 20
const BATCH_SIZE = 50
const TOTAL = BATCHES * BATCH_SIZE

function batch(b: number): Record<string, unknown>[] {
  return Array.from({ length: BATCH_SIZE }, (_, i) => {
    const n = b * BATCH_SIZE + i
    const track = n % 3 === 0
    return {
      event_id: `restart-${String(n).padStart(4, '0')}`,
      type: track ? 'track' : 'pageview',
      ...(track ? { name: `click_${n % 7}` } : {}),
      url: `https://shop.example.com/p/${n % 25}?utm_source=e2e`,
      visitor_id: `v-${n % 40}`,
    }
  })
}

describe('start, SIGTERM, restart', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let cf: Clickflow | undefined
  const sent = new Set<string>()

  before(async () => {
    dir = await tempDir()
  })
  after(async () => {
    await killAll()
    await dir?.remove()
  })

  test('1,000 posted events are in `events` within 2 s of the last 200', async () => {
    const running = await start(dir.path)
    cf = running
    for (let b = 0; b < BATCHES; b++) {
      const events = batch(b)
      const res = await post<{ accepted: number; rejected: unknown[] }>(running.collectUrl, { events })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body, { accepted: BATCH_SIZE, rejected: [] })
      for (const e of events) sent.add(e.event_id as string)
    }
    const lastAck = Date.now()
    const url = running.adminUrl
    let count = -1
    const reached = await pollUntil(async () => {
      count = await sqlNumber(url, 'SELECT count(*) FROM events')
      return count >= TOTAL && Date.now() - lastAck <= 2000
    }, 2000)
    assert.ok(reached, `count was ${count} 2 s after the last 200, expected ${TOTAL}`)
    assert.equal(count, TOTAL)
  })

  test('the stored rows carry what was sent', async () => {
    assert.ok(cf)
    const rows = await sql(
      cf.adminUrl,
      `SELECT event_type, event_name, page_path, site, visitor_id, typeof(event_time), typeof(received_at)
       FROM events WHERE event_id = 'restart-0003'`,
    )
    assert.deepEqual(rows, [
      ['track', 'click_3', '/p/3', 'shop.example.com', 'v-3', 'TIMESTAMP', 'TIMESTAMP'],
    ])
  })

  test('SIGTERM stops it with exit code 0', async () => {
    assert.ok(cf)
    const exit = await cf.stop('SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null }, cf.stderr())
    cf = undefined
  })

  test('after a restart on the same data dir: exactly the 1,000 event_ids sent', async () => {
    assert.equal(sent.size, TOTAL)
    cf = await start(dir.path)
    const [[count, distinct]] = (await sql(
      cf.adminUrl,
      'SELECT count(*), count(DISTINCT event_id) FROM events',
    )) as [[unknown, unknown]]
    assert.equal(Number(count), TOTAL)
    assert.equal(Number(distinct), TOTAL)
    const ids = await sql(cf.adminUrl, 'SELECT event_id FROM events ORDER BY event_id')
    assert.deepEqual(
      ids.map((r) => r[0]),
      [...sent].sort(),
    )
    const exit = await cf.stop('SIGTERM')
    assert.equal(exit.code, 0, cf.stderr())
  })

  test('a second restart finds no replayed rows (the drain of the first one stored nothing new)', async () => {
    cf = await start(dir.path)
    const [[count, distinct]] = (await sql(
      cf.adminUrl,
      'SELECT count(*), count(DISTINCT event_id) FROM events',
    )) as [[unknown, unknown]]
    assert.deepEqual([Number(count), Number(distinct)], [TOTAL, TOTAL])
    assert.equal((await cf.stop('SIGTERM')).code, 0, cf.stderr())
  })

  test('one Ctrl+C under npm start arrives twice and still stops cleanly', async () => {
    // The terminal signals the process group and npm forwards its own copy: two SIGINTs at once.
    // Taken as "exit now", they ended the process with code 1 (or a native abort) every time.
    cf = await start(dir.path)
    process.kill(cf.pid, 'SIGINT')
    // 10 ms apart, so the kernel does not merge them into one pending signal (the first is taken at
    // once by an idle process), and so the second comes while the stop is still running (a stop
    // takes longer than that). Timed by a busy wait, not a timer: under load in CI this test's 100 ms
    // timer once fired more than a second late, past clickflow's 1 s window for a duplicate, and
    // on a quiet machine a 100 ms gap let the stop finish before the second signal came.
    const sentAt = performance.now()
    let gap = 0
    while (gap < 10) gap = performance.now() - sentAt
    const stopping = cf.stop('SIGINT')
    gap = performance.now() - sentAt
    const exit = await stopping
    assert.deepEqual(
      [exit.code, exit.signal],
      [0, null],
      `${Math.round(gap)} ms between the signals\n${cf.stderr()}`,
    )
  })

  test('a real second Ctrl+C during a long drain ends the process by SIGINT, without an abort, losing nothing', async (t) => {
    const fresh = await tempDir()
    try {
      let running = await start(fresh.path)
      // A backlog the pipeline needs several seconds for, so the stop is still draining when the
      // second signal comes.
      const BIG = 500
      const REQUESTS = 200
      const POSTERS = 8
      let acked = 0
      let next = 0
      const poster = async () => {
        for (let r = next++; r < REQUESTS; r = next++) {
          const events = Array.from({ length: BIG }, (_, i) => ({
            event_id: `drain-${r}-${i}`,
            type: 'pageview',
            url: `https://shop.example.com/p/${i % 50}`,
            visitor_id: `dv-${(r * BIG + i) % 997}`,
          }))
          const res = await post<{ accepted: number }>(running.collectUrl, { events })
          assert.equal(res.status, 200, JSON.stringify(res.body))
          acked += res.body.accepted
        }
      }
      await Promise.all(Array.from({ length: POSTERS }, poster))
      process.kill(running.pid, 'SIGINT')
      await new Promise((r) => setTimeout(r, 1_300))
      const exit = await running.stop('SIGINT')
      const stderr = running.stderr()
      assert.doesNotMatch(stderr, /terminate called|Napi::Error|Aborted/, stderr)
      t.diagnostic(`ended with ${JSON.stringify(exit)} (100,000 events acknowledged before the first signal)`)
      // Either the drain had already finished (exit 0) or the second signal ended it as SIGINT does.
      assert.ok(
        (exit.code === 0 && exit.signal === null) || (exit.code === null && exit.signal === 'SIGINT'),
        `ended with ${JSON.stringify(exit)}; stderr:\n${stderr}`,
      )
      running = await start(fresh.path)
      const all = await pollUntil(
        async () =>
          (await sqlNumber(running.adminUrl, "SELECT count(*) FROM events WHERE event_id LIKE 'drain-%'")) ===
          acked,
        60_000,
      )
      assert.ok(all, `stored ${await sqlNumber(running.adminUrl, 'SELECT count(*) FROM events')} of ${acked}`)
      assert.equal(
        await sqlNumber(running.adminUrl, 'SELECT count(DISTINCT event_id) FROM events'),
        acked,
        'no event stored twice',
      )
      assert.equal((await running.stop('SIGTERM')).code, 0, running.stderr())
    } finally {
      await fresh.remove()
    }
  })
})

describe('start when a port is taken', () => {
  after(async () => {
    await killAll()
  })

  test('exits 1 with a sentence naming the listener (admin API, collector) and the address, instead of hanging', async () => {
    const dir = await tempDir()
    // Someone else holds a loopback port; clickflow is told to put its admin API there.
    const { port, release } = await takenPort()
    try {
      const config = join(dir.path, 'clickflow.yaml')
      await writeFile(
        config,
        `data_dir: ${join(dir.path, 'data')}\napi:\n  host: 127.0.0.1\n  port: ${port}\nsources:\n  collector:\n    type: http_collector\n    host: 127.0.0.1\n    port: 0\nsinks:\n  store:\n    type: duckdb\n    inputs: [collector]\n`,
      )
      await assertStartCannotListen(config, 'the admin API (api.host, api.port)', port)
      // The same for the collector's port (the admin API's is free this time).
      await writeFile(
        config,
        `data_dir: ${join(dir.path, 'data')}\napi:\n  host: 127.0.0.1\n  port: 0\nsources:\n  web:\n    type: http_collector\n    host: 127.0.0.1\n    port: ${port}\nsinks:\n  store:\n    type: duckdb\n    inputs: [web]\n`,
      )
      await assertStartCannotListen(config, 'the collector "web" (sources.web.port)', port)
    } finally {
      release()
      await dir.remove()
    }
  })
})

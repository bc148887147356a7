// End to end with runtime.processing: process (the processing role in a child process): events are
// stored; a SIGKILL of the child leaves the collector acknowledging, the child is started again and
// everything acknowledged (before and after the crash) is stored exactly once; a SIGKILL of the
// parent makes the child exit by itself, and a start right away on the same data dir works.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import {
  type Clickflow,
  killAll,
  metricValue,
  pollUntil,
  post,
  scrapeMetrics,
  sql,
  start,
  tempDir,
} from '../helpers/clickflow-process.ts'
import { alive, childPid, killSeenChildren, processConfig } from '../helpers/processing-child.ts'

/** Generous bounds for things that happen on their own; the tests never assert how fast. */
const STORED_WITHIN_MS = 60_000
const CHILD_GONE_WITHIN_MS = 15_000

/** The parent pid of `pid`, from /proc (field 4 of its stat). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
}

/** The native addons (`.node` files) mapped into process `pid`, from /proc. */
function nativeLibraries(pid: number): string[] {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8')
  return [
    ...new Set(
      maps
        .split('\n')
        .filter((l) => l.endsWith('.node'))
        .map((l) => l.slice(l.indexOf('/'))),
    ),
  ]
}

/** Posts `n` events with ids `${prefix}-i`, in batches of 50; every batch must be acknowledged. */
async function postEvents(cf: Clickflow, prefix: string, n: number): Promise<string[]> {
  const ids: string[] = []
  for (let b = 0; b < n; b += 50) {
    const events = Array.from({ length: Math.min(50, n - b) }, (_, i) => ({
      event_id: `${prefix}-${String(b + i).padStart(4, '0')}`,
      type: 'pageview',
      url: `https://child.example.com/p/${(b + i) % 20}`,
      visitor_id: `${prefix}-v${(b + i) % 30}`,
    }))
    const res = await post<{ accepted: number }>(cf.collectUrl, { events })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.accepted, events.length)
    ids.push(...events.map((e) => e.event_id))
  }
  return ids
}

/** Waits until the store holds exactly `ids` (each once); returns what it last saw. */
async function storedExactly(adminUrl: string, ids: readonly string[]): Promise<string[]> {
  let stored: string[] = []
  await pollUntil(async () => {
    try {
      const [[count]] = (await sql(adminUrl, 'SELECT count(*) FROM events')) as [[unknown]]
      if (Number(count) < ids.length) return false
      stored = (await sql(adminUrl, 'SELECT event_id FROM events ORDER BY event_id')).map(
        (r) => r[0] as string,
      )
      return true
    } catch {
      // While a new child starts, the admin API holds the request or answers 503 (admin-socket.ts).
      return false
    }
  }, STORED_WITHIN_MS)
  return stored
}

describe('runtime.processing: process', () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = []
  after(async () => {
    await killAll()
    killSeenChildren()
    for (const d of dirs) await d.remove()
  })

  test("the collector's process loads no processing code: DuckDB's library is mapped in the child alone", async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const cf = await start(dir.path, processConfig(dir.path))
    const child = childPid(dir.path)
    assert.ok(child !== null)
    const sent = await postEvents(cf, 'lean', 100)
    assert.deepEqual(await storedExactly(cf.adminUrl, sent), sent)
    // The components are registered by their config schemas and load their code when built: the
    // collector's process builds only the sources (see builtin-registry.ts).
    assert.deepEqual(
      nativeLibraries(cf.pid).filter((l) => l.includes('duckdb')),
      [],
    )
    assert.ok(
      nativeLibraries(child).some((l) => l.includes('duckdb')),
      'the processing child stores through DuckDB, so it maps the library',
    )
    assert.deepEqual(await cf.stop('SIGTERM'), { code: 0, signal: null }, cf.stderr())
  })

  test('a SIGKILLed child is restarted; events acknowledged before and after are stored exactly once', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const cf = await start(dir.path, processConfig(dir.path))
    const first = childPid(dir.path)
    assert.ok(first !== null, 'the lock names the processing child')
    assert.equal(parentOf(first), cf.pid, 'the processing role runs in a child process of clickflow')

    const before = await postEvents(cf, 'before', 300)
    assert.deepEqual(await storedExactly(cf.adminUrl, before), before)

    process.kill(first, 'SIGKILL')
    // The collector goes on acknowledging while no child runs: the log is durable.
    const during = await postEvents(cf, 'during', 300)
    let second: number | null = null
    const restarted = await pollUntil(async () => {
      second = childPid(dir.path)
      return second !== null && second !== first
    }, STORED_WITHIN_MS)
    assert.ok(restarted, `no new processing child after the kill; stderr:\n${cf.stderr()}`)
    assert.equal(alive(first), false)
    const after = await postEvents(cf, 'after', 300)

    const all = [...before, ...during, ...after].sort()
    assert.deepEqual(await storedExactly(cf.adminUrl, all), all)
    const metrics = await scrapeMetrics(cf.adminUrl)
    assert.equal(metricValue(metrics, 'clickflow_processing_child_crashes_total', { cause: 'SIGKILL' }), 1)
    // Both sides are in /metrics: the collector's counters and the restarted child's own.
    assert.ok(
      metricValue(metrics, 'clickflow_component_sent_events_total', { component_id: 'collector' }) >=
        all.length,
    )
    assert.ok(metricValue(metrics, 'clickflow_processing_process_resident_memory_bytes', {}) > 0)

    const exit = await cf.stop('SIGTERM')
    assert.deepEqual(exit, { code: 0, signal: null }, cf.stderr())
    assert.ok(second !== null && !alive(second), 'a clean stop ends the child too')
  })

  test('a SIGKILLed parent takes its child along, and a start right away on the same data dir works', async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const args = processConfig(dir.path)
    const cf = await start(dir.path, args)
    const child = childPid(dir.path)
    assert.ok(child !== null)
    const sent = await postEvents(cf, 'orphan', 300)
    assert.deepEqual(await storedExactly(cf.adminUrl, sent), sent)

    assert.deepEqual(await cf.stop('SIGKILL'), { code: null, signal: 'SIGKILL' })
    // At once, while the old child may still be closing its store: the start waits for it.
    const again = await start(dir.path, args)
    assert.equal(alive(child), false, 'the old child is gone once the new clickflow runs')
    assert.deepEqual(await storedExactly(again.adminUrl, sent), sent)
    const more = await postEvents(again, 'again', 100)
    const all = [...sent, ...more].sort()
    assert.deepEqual(await storedExactly(again.adminUrl, all), all)

    // And without a restart: the orphan exits by itself.
    const second = childPid(dir.path)
    assert.ok(second !== null && second !== child)
    await again.stop('SIGKILL')
    const gone = await pollUntil(async () => !alive(second), CHILD_GONE_WITHIN_MS)
    assert.ok(gone, `the processing child ${second} outlived its killed parent`)
  })

  test('a second Ctrl+C during the drain ends the parent, the child follows, nothing acknowledged is lost', async (t) => {
    const dir = await tempDir()
    dirs.push(dir)
    // The pipeline held to 1,000 events a second: the stop's drain (10 s at most) is still going
    // when the second signal comes.
    const args = processConfig(
      dir.path,
      'pipeline:\n  batch_max_events: 1000\n  min_batch_interval_ms: 1000\n',
    )
    let cf = await start(dir.path, args)
    const child = childPid(dir.path)
    assert.ok(child !== null)
    const acked: string[] = []
    let next = 0
    const poster = async () => {
      for (let r = next++; r < 40; r = next++) acked.push(...(await postEvents(cf, `drain-${r}`, 500)))
    }
    await Promise.all(Array.from({ length: 4 }, poster))
    process.kill(cf.pid, 'SIGINT')
    await new Promise((r) => setTimeout(r, 1_300))
    const exit = await cf.stop('SIGINT')
    t.diagnostic(
      `ended with ${JSON.stringify(exit)} (${acked.length} events acknowledged before the first signal)`,
    )
    assert.ok(
      (exit.code === 0 && exit.signal === null) || (exit.code === null && exit.signal === 'SIGINT'),
      `ended with ${JSON.stringify(exit)}; stderr:\n${cf.stderr()}`,
    )
    const first = cf
    cf = await start(dir.path, args)
    assert.equal(alive(child), false, 'the old child is gone once the new clickflow runs')
    // The child shares the parent's stderr: its store closed without a native abort.
    assert.doesNotMatch(first.stderr(), /terminate called|Napi::Error|Aborted/, first.stderr())
    const running = cf
    await pollUntil(
      async () =>
        Number((await sql(running.adminUrl, 'SELECT count(*) FROM events'))[0]?.[0]) >= acked.length,
      STORED_WITHIN_MS,
    )
    const [[count, distinct]] = (await sql(
      cf.adminUrl,
      'SELECT count(*), count(DISTINCT event_id) FROM events',
    )) as [[unknown, unknown]]
    assert.deepEqual([Number(count), Number(distinct)], [acked.length, acked.length])
    assert.deepEqual(await cf.stop('SIGTERM'), { code: 0, signal: null }, cf.stderr())
  })
})

// Warm-up from the store: events stored by the real duckdb sink, loaded into a fresh live state after
// a "restart", give the same snapshot as the live state that saw them arrive (an independent count).
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { buildTestDuckdbSink } from '../../test/helpers/build-context.ts'
import { LiveOracle, prng, randomEvents } from '../../test/helpers/live-oracle.ts'
import { ManualClock } from '../core/clock.ts'
import { openDatabase } from '../store/duckdb/database.ts'
import { LiveState } from './live-state.ts'
import { warmFromStore } from './warm.ts'

describe('live warm-up from the store', () => {
  const dirs: string[] = []
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  test('a restart shows what the live view showed before it (recent events aside)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clickflow-live-warm-'))
    dirs.push(dir)
    const path = join(dir, 'db.duckdb')
    const clock = new ManualClock(Date.UTC(2026, 10, 21, 12, 0, 41, 700))
    const now = clock.now()
    const events = randomEvents(prng(5), 4000, now - 70 * 60_000, now + 90_000)
    const sink = await buildTestDuckdbSink(path, { clock })
    await sink.write(
      { events, deadLetters: [] },
      { signal: new AbortController().signal, position: { topic: 'events', offsets: { 0: events.length } } },
    )
    await sink.close()

    const oracle = new LiveOracle()
    oracle.add(events, now)
    const db = await openDatabase(path, { memoryLimit: '256MB', allowedDirectories: [] })
    const conn = await db.connect()
    try {
      const state = new LiveState({ conversionEvent: 'purchase', includeBots: false })
      const r = await warmFromStore(conn, state, now, { includeBots: false, maxRawEvents: 100_000 })
      assert.equal(r.truncated, false)
      assert.equal(r.events, oracle.counted.length)
      const { recent_events, ...got } = state.snapshot(now)
      const { recent_ids, ...want } = oracle.snapshot(now)
      assert.deepEqual(got, want)
      assert.ok(
        want.visitors_now > 50 && want.page_views_per_minute.filter((m) => m.page_views > 0).length >= 59,
      )
      assert.deepEqual(recent_events, [])

      // After a crash the pipeline may deliver the newest stored events again: they are not counted twice.
      const again = events.filter((e) => !e.is_duplicate && !e.is_bot && e.event_time > now - 240_000)
      assert.ok(again.length > 50)
      const out = state.add(again, now)
      assert.equal(out.counted, 0)
      state.skipWarmedIds(null)
      assert.equal(state.add(again.slice(0, 1), now).counted, 1)

      const capped = new LiveState({ conversionEvent: 'purchase', includeBots: false })
      const small = await warmFromStore(conn, capped, now, { includeBots: false, maxRawEvents: 10 })
      assert.equal(small.truncated, true)
      assert.equal(small.rawEvents, 10)
    } finally {
      conn.closeSync()
      await db.release()
    }
  })
})

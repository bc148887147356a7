// The late-event reconciliation against a real DuckDB store: a late event that bridges two sessions
// merges them, one before a session moves its start (and id), one far from anything makes its own
// session; a visitor whose session is still open, or whose late event the store does not hold yet,
// waits; a second round changes nothing; the expected rows are counted here by hand.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { DuckDBConnection } from '@duckdb/node-api'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { type Database, openDatabase } from '../store/duckdb/database.ts'
import { createLogger } from '../telemetry/logger.ts'
import { Metrics } from '../telemetry/metrics.ts'
import { LateReconciler } from './late-reconciler.ts'
import { sessionsOfVisitor } from './late-sessions.ts'

const MIN = 60_000
const T0 = Date.UTC(2026, 0, 10, 12)
const GAP = 30 * MIN
const LATENESS = 5 * MIN
/** The watermark the late events met: a day after T0, so sessions around T0 are closed. */
const W = T0 + 24 * 60 * MIN
const OPTIONS = {
  gapMs: GAP,
  maxMs: 24 * 60 * MIN,
  bounceEngagedMs: 10_000,
  allowedLatenessMs: LATENESS,
  intervalMs: 1_000,
  maxVisitors: 100,
}

type Ev = [id: string, visitor: string, t: number, type?: 'pageview' | 'track']

function ts(ms: number): string {
  return `make_timestamp(${BigInt(ms) * 1000n})`
}

async function insertEvents(c: DuckDBConnection, events: readonly Ev[]): Promise<void> {
  for (const [id, v, t, type = 'pageview'] of events)
    await c.run(
      `INSERT INTO events (event_id, event_type, event_time, received_at, source_id, visitor_id, page_path,
         is_bot, is_duplicate, is_corrupt)
       VALUES ('${id}', '${type}', ${ts(t)}, ${ts(t)}, 'collector', '${v}', '/p/${id}', false, false, false)`,
    )
}

/** The processor's rows for the events it took in order (the late ones left out). */
async function insertSessions(c: DuckDBConnection, visitor: string, events: readonly Ev[]): Promise<void> {
  const rows = sessionsOfVisitor(
    visitor,
    events.map(([id, v, t, type = 'pageview']) => ({ ...evt(id, v, t), event_type: type })),
    OPTIONS,
  )
  for (const r of rows)
    await c.run(
      `INSERT INTO sessions (session_id, visitor_id, start_time, end_time, duration_ms, page_views, events,
         is_bounce, engaged_ms, entry_page, exit_page, is_bot)
       VALUES ('${r.session_id}', '${r.visitor_id}', ${ts(r.start_time)}, ${ts(r.end_time)}, ${r.duration_ms},
         ${r.page_views}, ${r.events}, ${r.is_bounce}, ${r.engaged_ms}, '${r.entry_page}', '${r.exit_page}', false)`,
    )
}

/** An event as the session rules read it from the store. */
function evt(id: string, visitor: string, t: number): ClickEvent {
  const e = emptyEvent({
    event_id: id,
    event_type: 'pageview',
    event_time: t,
    received_at: t,
    source_id: 'collector',
  })
  e.visitor_id = visitor
  e.page_path = `/p/${id}`
  return e
}

async function insertLate(c: DuckDBConnection, late: readonly Ev[]): Promise<void> {
  for (const [id, v, t, type = 'pageview'] of late)
    await c.run(
      `INSERT INTO late_events (event_id, event_time, watermark, visitor_id, event_type, event_name, payload)
       VALUES ('${id}', ${ts(t)}, ${ts(W)}, '${v}', '${type}', NULL, '{}')`,
    )
}

async function sessionsOf(c: DuckDBConnection, visitor: string): Promise<[number, number, number, string][]> {
  const r = await c.runAndReadAll(
    `SELECT epoch_ms(start_time), epoch_ms(end_time), events, entry_page FROM sessions
     WHERE visitor_id = '${visitor}' ORDER BY start_time`,
  )
  return r.getRows().map((x) => [Number(x[0]), Number(x[1]), Number(x[2]), String(x[3])])
}

describe('late-event reconciliation', () => {
  let dir: string
  let db: Database
  let c: DuckDBConnection
  let reconciler: LateReconciler
  // Visitor a: two sessions 40 minutes apart; a late event in between bridges them.
  const a: Ev[] = [
    ['a1', 'a', T0],
    ['a2', 'a', T0 + 10 * MIN],
    ['a4', 'a', T0 + 50 * MIN],
    ['a5', 'a', T0 + 55 * MIN],
  ]
  const aLate: Ev = ['a3', 'a', T0 + 30 * MIN]
  // Visitor b: a late event 10 minutes before its session starts it earlier (a new session id).
  const b: Ev[] = [
    ['b2', 'b', T0 + 60 * MIN],
    ['b3', 'b', T0 + 65 * MIN],
  ]
  const bLate: Ev = ['b1', 'b', T0 + 50 * MIN]
  // Visitor c: only a late event, hours from anything.
  const cLate: Ev = ['c1', 'c', T0 + 3 * 60 * MIN, 'track']
  // Visitor d: its session is still open at the watermark; a late event inside it must wait.
  const d: Ev[] = [
    ['d1', 'd', W - 20 * MIN],
    ['d3', 'd', W - 2 * MIN],
  ]
  const dLate: Ev = ['d2', 'd', W - 10 * MIN]
  // Visitor e: a late event the store does not hold yet (the store sink is behind the processor).
  const eLate: Ev = ['e1', 'e', T0]
  // Visitor g: an old late event next to a session that has gone on ever since (an event every 20
  // minutes up to the watermark): the session is open, so the old event must wait too.
  const g: Ev[] = []
  for (let t = T0 + 120 * MIN, i = 0; t < W - MIN; t += 20 * MIN, i++)
    g.push([`g${String(i).padStart(3, '0')}`, 'g', t])
  const gLate: Ev = ['g-late', 'g', T0 + 110 * MIN]

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clickflow-late-'))
    db = await openDatabase(join(dir, 'store.duckdb'), { memoryLimit: '512MB', allowedDirectories: [] })
    c = await db.connect()
    await insertEvents(c, [...a, aLate, ...b, bLate, cLate, ...d, dLate, ...g, gLate])
    await insertSessions(c, 'a', a)
    await insertSessions(c, 'b', b)
    await insertSessions(c, 'd', d)
    await insertSessions(c, 'g', g)
    await insertLate(c, [aLate, bLate, cLate, dLate, eLate, gLate])
    reconciler = new LateReconciler(db, OPTIONS, createLogger({ level: 'silent' }), new Metrics())
  })
  after(async () => {
    await reconciler.stop()
    c.closeSync()
    await db.release()
    await rm(dir, { recursive: true, force: true })
  })

  test('before: a has two sessions, b one, c none', async () => {
    assert.equal((await sessionsOf(c, 'a')).length, 2)
    assert.equal((await sessionsOf(c, 'b')).length, 1)
    assert.equal((await sessionsOf(c, 'c')).length, 0)
  })

  test('one round folds in what it can and puts off the rest', async () => {
    const r = await reconciler.runOnce()
    assert.equal(r.visitors, 3)
    assert.equal(r.lateEvents, 3)
    assert.equal(r.sessionsDeleted, 3, "a's two rows and b's one")
    assert.equal(r.sessionsWritten, 3)
    assert.deepEqual(r.deferred, { session_open: 1, late_event_not_stored: 1, events_incomplete: 0 })
    assert.equal(r.pending, 3, "d's and g's (their sessions are open) and e's")
    // a: one session from a1 to a5, five events.
    assert.deepEqual(await sessionsOf(c, 'a'), [[T0, T0 + 55 * MIN, 5, '/p/a1']])
    // b: starts at the late event now.
    assert.deepEqual(await sessionsOf(c, 'b'), [[T0 + 50 * MIN, T0 + 65 * MIN, 3, '/p/b1']])
    // c: a session of its own (a track event: no page views, entry page from the event's page).
    assert.deepEqual(await sessionsOf(c, 'c'), [[T0 + 3 * 60 * MIN, T0 + 3 * 60 * MIN, 1, '/p/c1']])
    // d: untouched, its late event still pending.
    assert.deepEqual(await sessionsOf(c, 'd'), [[W - 20 * MIN, W - 2 * MIN, 2, '/p/d1']])
    assert.deepEqual(await sessionsOf(c, 'g'), [[g[0]![2], g.at(-1)![2], g.length, '/p/g000']])
    const ids = await c.runAndReadAll('SELECT count(*), count(DISTINCT session_id) FROM sessions')
    assert.deepEqual(ids.getRows()[0]!.map(Number), [5, 5])
  })

  test('a second round changes nothing; once the store holds the late event, it is folded in', async () => {
    const before = await c.runAndReadAll('SELECT * FROM sessions ORDER BY session_id')
    const r = await reconciler.runOnce()
    assert.equal(r.visitors, 0)
    const after = await c.runAndReadAll('SELECT * FROM sessions ORDER BY session_id')
    assert.deepEqual(after.getRows(), before.getRows())
    await insertEvents(c, [eLate])
    const r2 = await reconciler.runOnce()
    assert.equal(r2.visitors, 1)
    assert.deepEqual(await sessionsOf(c, 'e'), [[T0, T0, 1, '/p/e1']])
    assert.equal(r2.pending, 2)
  })

  test('a visitor whose store events and sessions disagree waits (events_incomplete)', async () => {
    // An event of f that the processor has not sessionized and that is not a pending late event.
    await insertEvents(c, [['f1', 'f', T0 + 5 * MIN]])
    await insertLate(c, [['f2', 'f', T0 + 6 * MIN]])
    await insertEvents(c, [['f2', 'f', T0 + 6 * MIN]])
    const r = await reconciler.runOnce()
    assert.equal(r.deferred.events_incomplete, 1)
    assert.deepEqual(await sessionsOf(c, 'f'), [])
  })

  test('visitors put off round after round do not hold back the ones after them', async () => {
    // One visitor per round: e2, first in order, is put off every time (its late event is never
    // stored), yet h behind it is folded in at the next round.
    const one = new LateReconciler(
      db,
      { ...OPTIONS, maxVisitors: 1 },
      createLogger({ level: 'silent' }),
      new Metrics(),
    )
    try {
      await insertLate(c, [['e2', 'e2', T0 - 60 * MIN]])
      await insertEvents(c, [['h1', 'h', T0 - 50 * MIN]])
      await insertLate(c, [['h1', 'h', T0 - 50 * MIN]])
      // What each round did, in order: e2 waits, h is folded in, f (left incomplete by the test
      // before) and g (its session is open) wait, and the walk is back at e2.
      const did: string[] = []
      for (let round = 0; round < 5; round++) {
        const r = await one.runOnce()
        const waited = Object.entries(r.deferred).find(([, n]) => n > 0)?.[0]
        did.push(r.visitors > 0 ? `folded ${r.visitors}` : (waited ?? 'nothing'))
      }
      assert.deepEqual(did, [
        'late_event_not_stored',
        'folded 1',
        'events_incomplete',
        'session_open',
        'late_event_not_stored',
      ])
      assert.deepEqual(await sessionsOf(c, 'h'), [[T0 - 50 * MIN, T0 - 50 * MIN, 1, '/p/h1']])
    } finally {
      await one.stop()
    }
  })
})

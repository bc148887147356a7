// The saved state of open sessions: a session survives encoding field for field, deltas on top of a
// snapshot give back exactly the open sessions, and a sessionizer restored from the documents goes
// on to write the same rows as one that never stopped.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ClickEvent } from '../core/event.ts'
import type { Session } from './session.ts'
import { decodeStateDoc, encodeStateDoc, foldStateDocs, type StateDoc } from './session-state.ts'
import { type SessionChanges, Sessionizer, type SessionOptions } from './sessions.ts'
import { MINUTE, SECOND, T0, testEvent } from './testing.ts'

const OPTIONS: SessionOptions = {
  gapMs: 30 * MINUTE,
  maxMs: 24 * 60 * MINUTE,
  allowedLatenessMs: MINUTE,
  bounceEngagedMs: 10 * SECOND,
}

/** A session's saved fields (the id caches are recomputed, not saved). */
function comparable(s: Session): Omit<Session, 'id' | 'id_first'> {
  const { id: _id, id_first: _first, ...rest } = s
  return rest
}

const byKey = (xs: readonly Session[]) =>
  [...xs].sort((a, b) => (a.sid < b.sid ? -1 : 1)).map((s) => JSON.stringify(comparable(s)))

function rich(): ClickEvent[] {
  const a = testEvent('v1', T0 + 5 * MINUTE, { id: 'a-late-first', type: 'track', name: 'click', page: '/x' })
  a.user_id = 'user-7'
  const b = testEvent('v1', T0 + 10 * MINUTE, { id: 'b', page: '/y' })
  const c = testEvent('v1', T0 + 12 * MINUTE, { id: 'c', type: 'engagement', engagedMs: 4_321.5 })
  c.is_bot = true
  const d = testEvent('v1', T0 + MINUTE, { id: 'd-earliest', page: '/entry' })
  d.referrer = 'https://search.example/?q=é😀'
  d.utm_source = "news'letter"
  d.country = 'DE'
  const e = testEvent('v2', T0, { id: 'e', page: '/only' })
  return [b, c, a, d, e]
}

describe('session state documents', () => {
  test('a session survives encoding field for field (marks, user, entry, bot, engaged time, its row id)', () => {
    const s = new Sessionizer(OPTIONS)
    for (const e of rich()) s.add(e, e.visitor_id!)
    const changes = s.drain()
    const saved = decodeStateDoc(changes.state!)
    assert.equal(saved.full, true)
    assert.deepEqual(byKey(saved.open), byKey(s.openSessions()))
    const v1 = saved.open.find((x) => x.visitor_id === 'v1')!
    assert.equal(v1.persisted_id, changes.rows.find((r) => r.visitor_id === 'v1')!.session_id)
    assert.equal(v1.entry.referrer, 'https://search.example/?q=é😀')
  })

  test('deltas on top of a snapshot give back exactly the open sessions, closed and merged ones gone', () => {
    const s = new Sessionizer(OPTIONS)
    const docs: StateDoc[] = []
    const keep = (c: SessionChanges) => {
      if (c.state !== null) docs.push(decodeStateDoc(c.state))
    }
    // 40 visitors; then a few change at a time, so checkpoints write deltas.
    for (let v = 0; v < 40; v++) s.add(testEvent(`v${v}`, T0 + v * SECOND), `v${v}`)
    keep(s.drain())
    s.add(testEvent('v3', T0 + 2 * MINUTE), 'v3')
    s.add(testEvent('v4', T0 + 3 * MINUTE), 'v4')
    keep(s.drain())
    // v5 gets a second session 40 minutes later, then a late event bridges the two: one merged away.
    s.add(testEvent('v5', T0 + 45 * MINUTE, { id: 'v5-later' }), 'v5')
    keep(s.drain())
    s.add(testEvent('v5', T0 + 25 * MINUTE, { id: 'v5-bridge' }), 'v5')
    keep(s.drain())
    // Everything but v3, v4 and v5 closes.
    s.evict(T0 + 40 * SECOND + 31 * MINUTE)
    keep(s.drain())
    assert.ok(
      docs.slice(1).some((d) => !d.full),
      'some checkpoints wrote deltas',
    )
    assert.ok(docs[0]!.full)
    const folded = foldStateDocs([], docs)
    assert.deepEqual(byKey(folded), byKey(s.openSessions()))
    assert.deepEqual(folded.map((x) => x.visitor_id).sort(), ['v3', 'v4', 'v5'])
    // A snapshot alone says the same.
    const again = new Sessionizer(OPTIONS)
    again.restore(folded)
    again.add(testEvent('v3', T0 + 3 * MINUTE), 'v3')
    const snap = again.drain()
    assert.equal(snap.stateIsSnapshot, true, 'the first state after a restore is a snapshot')
    assert.deepEqual(
      decodeStateDoc(snap.state!)
        .open.map((x) => x.visitor_id)
        .sort(),
      ['v3', 'v4', 'v5'],
    )
  })

  test('a sessionizer restored from the documents writes the same rows as one that never stopped', () => {
    const events: ClickEvent[] = []
    for (let i = 0; i < 300; i++) {
      const v = `v${i % 13}`
      // Out of order within the lateness now and then; gaps of 35 minutes start new sessions.
      const t = T0 + i * 20 * SECOND + (i % 50 === 49 ? 35 * MINUTE : 0) - (i % 7 === 0 ? 30 * SECOND : 0)
      events.push(testEvent(v, t, { id: `x${String(i).padStart(4, '0')}`, page: `/p${i % 5}` }))
    }
    const rowsOf = (runs: SessionChanges[]) => {
      const table = new Map<string, unknown>()
      for (const c of runs) {
        for (const id of c.deleteIds) table.delete(id)
        for (const r of c.rows) table.set(r.session_id, r)
      }
      return [...table.entries()].sort(([a], [b]) => (a < b ? -1 : 1))
    }
    const calm = new Sessionizer(OPTIONS)
    const calmRuns: SessionChanges[] = []
    for (const [i, e] of events.entries()) {
      calm.add(e, e.visitor_id!)
      if (i % 25 === 24) calmRuns.push(calm.drain())
    }
    calmRuns.push(calm.drain())

    let s = new Sessionizer(OPTIONS)
    const runs: SessionChanges[] = []
    const docs: StateDoc[] = []
    for (const [i, e] of events.entries()) {
      s.add(e, e.visitor_id!)
      if (i % 25 === 24) {
        const c = s.drain()
        runs.push(c)
        if (c.state !== null) docs.push(decodeStateDoc(c.state))
        // A restart every 75 events, from the documents alone.
        if (i % 75 === 74) {
          s = new Sessionizer(OPTIONS)
          s.restore(foldStateDocs([], docs))
        }
      }
    }
    runs.push(s.drain())
    assert.deepEqual(rowsOf(runs), rowsOf(calmRuns))
  })

  test('a document of another format version is refused with what to do', () => {
    const doc = encodeStateDoc(true, [], []).replace('"v":1', '"v":99')
    assert.throws(() => decodeStateDoc(doc), /format version 99/)
  })
})

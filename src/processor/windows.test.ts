// Event-time windows with the controllable clock: a window fires when the watermark passes its end;
// a late event within the allowed lateness updates it; beyond that it is refused, counted and kept
// aside; an idle partition stops holding the watermark back; sliding windows and every aggregate.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../core/clock.ts'
import { ProcessorEngine } from './engine.ts'
import { MINUTE, SECOND, T0, TEST_ENGINE, testEvent } from './testing.ts'
import { Watermarks } from './watermarks.ts'
import { WindowOperator } from './windows.ts'

type Input = { v: number; who: string }

function countWindows(lateness: number) {
  return new WindowOperator<Input>({
    sizeMs: MINUTE,
    allowedLatenessMs: lateness,
    aggregates: [
      { name: 'n', kind: 'count' },
      { name: 'sum', kind: 'sum', value: (i) => i.v },
      { name: 'min', kind: 'min', value: (i) => i.v },
      { name: 'max', kind: 'max', value: (i) => i.v },
      { name: 'users', kind: 'distinct_exact', value: (i) => i.who },
      { name: 'users_hll', kind: 'distinct_hll', value: (i) => i.who },
    ],
  })
}

describe('window operator', () => {
  test('a window fires when the watermark passes its end, not before', () => {
    const w = countWindows(0)
    assert.ok(w.add('k', T0 + 10 * SECOND, { v: 3, who: 'a' }, T0))
    assert.ok(w.add('k', T0 + 50 * SECOND, { v: 7, who: 'b' }, T0))
    assert.ok(w.add('k', T0 + 50 * SECOND, { v: 1, who: 'a' }, T0))
    assert.deepEqual(w.advance(T0 + MINUTE - 1), [])
    const fired = w.advance(T0 + MINUTE)
    assert.equal(fired.length, 1)
    assert.equal(fired[0]!.kind, 'final')
    assert.deepEqual(fired[0]!.values, { n: 3, sum: 11, min: 1, max: 7, users: 2, users_hll: 2 })
    // Fired once: advancing further fires nothing more, and lateness 0 purged it.
    assert.deepEqual(w.advance(T0 + 2 * MINUTE), [])
    assert.equal(w.size, 0)
  })

  test('a late event within the allowed lateness updates the fired result', () => {
    const w = countWindows(30 * SECOND)
    w.add('k', T0 + 5 * SECOND, { v: 1, who: 'a' }, T0)
    assert.equal(w.advance(T0 + MINUTE + 10 * SECOND)[0]!.values.n, 1)
    assert.ok(w.add('k', T0 + 20 * SECOND, { v: 1, who: 'b' }, T0 + MINUTE + 10 * SECOND))
    const again = w.advance(T0 + MINUTE + 20 * SECOND)
    assert.equal(again.length, 1)
    assert.equal(again[0]!.kind, 'update')
    assert.equal(again[0]!.values.n, 2)
    // Past end + lateness the window is gone and an event for it is refused as late.
    w.advance(T0 + MINUTE + 30 * SECOND)
    assert.equal(w.size, 0)
    assert.equal(w.add('k', T0 + 20 * SECOND, { v: 1, who: 'c' }, T0 + MINUTE + 30 * SECOND), false)
  })

  test('sliding windows: each event lands in size/slide windows', () => {
    const w = new WindowOperator<Input>({
      sizeMs: MINUTE,
      slideMs: 20 * SECOND,
      allowedLatenessMs: 0,
      aggregates: [{ name: 'n', kind: 'count' }],
    })
    w.add('k', T0 + 45 * SECOND, { v: 0, who: 'a' }, T0)
    const fired = w.advance(T0 + 3 * MINUTE)
    assert.deepEqual(
      fired.map((r) => [(r.start - T0) / SECOND, (r.end - T0) / SECOND, r.values.n]),
      [
        [0, 60, 1],
        [20, 80, 1],
        [40, 100, 1],
      ],
    )
  })

  test('windows are keyed, and a snapshot restores them whole', () => {
    const w = countWindows(MINUTE)
    w.add('a', T0 + SECOND, { v: 2, who: 'x' }, T0)
    w.add('b', T0 + SECOND, { v: 5, who: 'y' }, T0)
    const copy = countWindows(MINUTE)
    copy.restore(JSON.parse(JSON.stringify(w.snapshot())))
    copy.add('a', T0 + 2 * SECOND, { v: 9, who: 'z' }, T0)
    const fired = copy.advance(T0 + MINUTE)
    assert.deepEqual(
      fired.map((r) => [r.key, r.values.n, r.values.max, r.values.users, r.values.users_hll]),
      [
        ['a', 2, 9, 2, 2],
        ['b', 1, 5, 1, 1],
      ],
    )
  })

  test('a slide larger than the size is a clear error', () => {
    assert.throws(
      () => new WindowOperator({ sizeMs: 10, slideMs: 20, allowedLatenessMs: 0, aggregates: [] }),
      /0 < slide <= size/,
    )
  })
})

describe('watermarks', () => {
  test('the watermark is the minimum over partitions of max event time - bound', () => {
    const clock = new ManualClock(T0)
    const w = new Watermarks({ boundMs: SECOND, idleTimeoutMs: 10 * SECOND }, clock)
    w.observe(0, T0 + 50 * SECOND)
    w.observe(1, T0 + 20 * SECOND)
    w.observe(0, T0 + 40 * SECOND) // out of order: the max stays
    assert.equal(w.current(), T0 + 19 * SECOND)
  })

  test('an idle partition does not stall the others, and the watermark never goes back', () => {
    const clock = new ManualClock(T0)
    const w = new Watermarks({ boundMs: SECOND, idleTimeoutMs: 10 * SECOND }, clock)
    w.observe(0, T0 + 5 * SECOND)
    w.observe(1, T0 + 5 * SECOND)
    clock.advance(9 * SECOND)
    w.observe(0, T0 + 100 * SECOND)
    assert.equal(w.current(), T0 + 4 * SECOND, 'partition 1 is quiet but not idle yet')
    clock.advance(SECOND)
    assert.equal(w.current(), T0 + 99 * SECOND, 'partition 1 is idle now')
    // It wakes up with old events: it counts again, but the watermark does not move back.
    w.observe(1, T0 + 50 * SECOND)
    assert.equal(w.current(), T0 + 99 * SECOND)
    w.observe(1, T0 + 200 * SECOND)
    w.observe(0, T0 + 150 * SECOND)
    assert.equal(w.current(), T0 + 149 * SECOND)
  })

  test('when every partition is idle the watermark stays', () => {
    const clock = new ManualClock(T0)
    const w = new Watermarks({ boundMs: SECOND, idleTimeoutMs: 10 * SECOND }, clock)
    w.observe(0, T0 + 5 * SECOND)
    assert.equal(w.current(), T0 + 4 * SECOND)
    clock.advance(MINUTE)
    assert.equal(w.current(), T0 + 4 * SECOND)
  })
})

describe('engine: windows, lateness and idleness with the manual clock', () => {
  const onPartition = (p: number) => () => p

  test('rollup minutes close at the watermark; late within lateness updates; beyond is kept aside', () => {
    const clock = new ManualClock(T0)
    const engine = new ProcessorEngine(TEST_ENGINE, clock)
    engine.process(
      [testEvent('a', T0 + 10 * SECOND), testEvent('b', T0 + 30 * SECOND, { type: 'track', name: 'buy' })],
      onPartition(0),
    )
    let changes = engine.drain()
    assert.deepEqual(
      changes.rollups.map((r) => [r.minute - T0, r.page_views, r.events, r.visitors, r.events_by_name]),
      [[0, 1, 2, 2, '{"buy":1,"pageview":1}']],
    )
    // Event time moves to 2:05; the first minute fired; 1 min lateness keeps it until 2:00 passes.
    engine.process([testEvent('c', T0 + 2 * MINUTE + 6 * SECOND)], onPartition(0))
    engine.advance()
    assert.equal(engine.watermarks.value, T0 + 2 * MINUTE + 5 * SECOND)
    // 1:10 >= watermark - lateness (1:05): within lateness, the 1:00 minute is created and counted.
    engine.process([testEvent('d', T0 + MINUTE + 10 * SECOND)], onPartition(0))
    // 0:40 < 1:05: beyond the lateness, refused and kept aside with the watermark it met.
    const out = engine.process([testEvent('e', T0 + 40 * SECOND, { id: 'too-late' })], onPartition(0))
    assert.deepEqual(out, { processed: 0, late: 1, duplicates: 0 })
    changes = engine.drain()
    assert.deepEqual(changes.rollups.map((r) => [(r.minute - T0) / MINUTE, r.events]).sort(), [
      [1, 1],
      [2, 1],
    ])
    assert.deepEqual(
      changes.late.map((l) => [l.event.event_id, l.watermark - T0]),
      [['too-late', 2 * MINUTE + 5 * SECOND]],
    )
    // The refused event is in no session either.
    assert.ok(changes.sessions.rows.every((r) => r.visitor_id !== 'e'))
  })

  test('an idle partition does not hold back windows of the others', () => {
    const clock = new ManualClock(T0)
    const engine = new ProcessorEngine(TEST_ENGINE, clock)
    engine.process([testEvent('a', T0 + 5 * SECOND)], onPartition(0))
    engine.process([testEvent('b', T0 + 5 * SECOND)], onPartition(1))
    for (let i = 1; i <= 12; i++) {
      clock.advance(SECOND)
      engine.process([testEvent('a', T0 + 5 * SECOND + i * 20 * SECOND)], onPartition(0))
    }
    // Partition 1 has been silent for 12 s (> 10 s idleness): the watermark follows partition 0.
    engine.advance()
    assert.equal(engine.watermarks.value, T0 + 5 * SECOND + 240 * SECOND - SECOND)
    const again = new ProcessorEngine(TEST_ENGINE, new ManualClock(T0))
    again.process([testEvent('a', T0 + 5 * SECOND)], onPartition(0))
    again.process([testEvent('b', T0 + 5 * SECOND)], onPartition(1))
    again.process([testEvent('a', T0 + 245 * SECOND)], onPartition(0))
    again.advance()
    // Without the wall time passing, partition 1 still holds the watermark at its own 0:04.
    assert.equal(again.watermarks.value, T0 + 4 * SECOND)
  })

  test('duplicates are skipped; bots get flagged sessions but no rollups', () => {
    const engine = new ProcessorEngine(TEST_ENGINE, new ManualClock(T0))
    const dup = testEvent('a', T0)
    dup.is_duplicate = true
    const bot = testEvent('robot', T0)
    bot.is_bot = true
    const out = engine.process([testEvent('a', T0), dup, bot], () => 0)
    assert.deepEqual(out, { processed: 2, late: 0, duplicates: 1 })
    const changes = engine.drain()
    assert.equal(changes.rollups[0]!.events, 1)
    assert.deepEqual(changes.sessions.rows.map((r) => [r.visitor_id, r.events, r.is_bot]).sort(), [
      ['a', 1, false],
      ['robot', 1, true],
    ])
  })
})

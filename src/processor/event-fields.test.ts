// The processor reads only PROCESSOR_FIELDS (its sink declares them, and a pipeline feeding only it
// decodes no other field): its sessions, rollups and state must be the same as on whole events, and
// a late event is kept whole.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ManualClock } from '../core/clock.ts'
import type { ClickEvent } from '../core/event.ts'
import { decodeEvent, encodeEvent, fieldMask } from '../log/event-codec.ts'
import { ProcessorEngine } from './engine.ts'
import { PROCESSOR_FIELDS } from './event-fields.ts'
import { MINUTE, SECOND, T0, TEST_ENGINE, testEvent } from './testing.ts'

/** Visits of 40 visitors with every field the contract has, some events late and some bots. */
function stream(): ClickEvent[] {
  const out: ClickEvent[] = []
  for (let i = 0; i < 1_200; i++) {
    const v = i % 40
    const late = i % 97 === 96
    const time = late ? T0 : T0 + i * 7 * SECOND + (i % 5) * 61 * MINUTE * (v % 3 === 0 ? 1 : 0)
    const e = testEvent(`v${v}`, time, {
      type: i % 10 === 9 ? 'engagement' : i % 7 === 0 ? 'track' : 'pageview',
      name: i % 7 === 0 ? 'purchase' : undefined,
      page: `/p/${i % 13}`,
      engagedMs: i % 10 === 9 ? 1_000 + i : undefined,
    })
    Object.assign(e, {
      session_id: `s${v}-${Math.floor(i / 200)}`,
      user_id: v % 4 === 0 ? `u${v}` : null,
      page_url: `https://example.test/p/${i % 13}?q=${i}`,
      page_host: 'example.test',
      page_query: `q=${i}`,
      page_title: `Page ${i % 13}`,
      referrer: v % 2 === 0 ? 'https://www.google.com/search?q=x' : null,
      referrer_host: v % 2 === 0 ? 'www.google.com' : null,
      channel: v % 2 === 0 ? 'search' : 'direct',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      ip: '203.0.113.0',
      country: ['DE', 'FR', 'US'][v % 3],
      region: 'R',
      city: 'C',
      browser: 'Firefox',
      browser_version: '128.0',
      os: 'Linux',
      os_version: '6',
      device_type: 'desktop',
      is_bot: v === 39,
      is_duplicate: i % 101 === 100,
      utm_source: v % 5 === 0 ? 'newsletter' : null,
      utm_medium: v % 5 === 0 ? 'email' : null,
      utm_campaign: v % 5 === 0 ? 'bf' : null,
      utm_term: null,
      utm_content: v % 5 === 0 ? 'top' : null,
      click_id_type: null,
      click_id: null,
      sent_at: time - 10,
    })
    out.push(e)
  }
  return out
}

/** Runs the engine over `events` in batches of 50; everything it would write, in order. */
function run(events: readonly ClickEvent[], decode: (e: ClickEvent) => ClickEvent) {
  const engine = new ProcessorEngine(TEST_ENGINE, new ManualClock(T0))
  const drained = []
  for (let i = 0; i < events.length; i += 50) {
    const batch = events.slice(i, i + 50)
    const decoded = batch.map(decode)
    const whole = new Map(decoded.map((d, k) => [d, batch[k]!]))
    engine.process(
      decoded,
      () => 0,
      (d) => whole.get(d)!,
    )
    if (i % 200 === 150) drained.push(engine.drain())
  }
  drained.push(engine.drain())
  return drained
}

describe('processor fields', () => {
  test("sessions, rollups, late events and the state are the same on events decoded with only the processor's fields", () => {
    const events = stream()
    const mask = fieldMask(PROCESSOR_FIELDS)
    const whole = run(events, (e) => decodeEvent(encodeEvent(e)))
    const projected = run(events, (e) => decodeEvent(encodeEvent(e), mask))
    assert.ok(
      whole.some((d) => d.late.length > 0),
      'the stream has late events',
    )
    assert.ok(
      whole.some((d) => d.sessions.rows.length > 0),
      'the stream closes sessions',
    )
    assert.deepEqual(projected, whole)
    // Late events are kept whole (late_events stores every field), not as the processor read them.
    const late = projected.flatMap((d) => d.late.map((l) => l.event))
    assert.ok(late.every((e) => e.user_agent !== null && e.page_title !== null && e.ip !== null))
  })
})

// The live view reads only LIVE_FIELDS (its sink declares them): its snapshots must be the same on
// events decoded with only those fields as on whole events.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { decodeEvent, encodeEvent, fieldMask } from '../log/event-codec.ts'
import { LIVE_FIELDS, LiveState } from './live-state.ts'

const NOW = Date.UTC(2026, 10, 22, 12)

/** Ten minutes of traffic up to NOW: page views, purchases, engagement, bots, duplicates. */
function stream(): ClickEvent[] {
  const out: ClickEvent[] = []
  for (let i = 0; i < 3_000; i++) {
    const type = i % 10 === 9 ? 'engagement' : i % 13 === 0 ? 'track' : 'pageview'
    const e = emptyEvent({
      event_id: `e${i}`,
      event_type: type,
      event_time: NOW - 600_000 + i * 200,
      received_at: NOW - 600_000 + i * 200 + 30,
      source_id: 'collector',
    })
    Object.assign(e, {
      event_name: type === 'track' ? (i % 2 === 0 ? 'purchase' : 'signup') : null,
      site: 'shop.test',
      visitor_id: `v${i % 170}`,
      session_id: `s${i % 170}`,
      page_url: `https://shop.test/p/${i % 11}?x=${i}`,
      page_host: 'shop.test',
      page_path: `/p/${i % 11}`,
      page_title: 'T',
      referrer: i % 3 === 0 ? 'https://news.test/a' : null,
      referrer_host: i % 3 === 0 ? 'news.test' : null,
      channel: i % 3 === 0 ? 'referral' : 'direct',
      user_agent: 'UA',
      ip: '198.51.100.0',
      country: ['DE', 'FR', null][i % 3],
      browser: 'Firefox',
      device_type: 'desktop',
      is_bot: i % 29 === 0,
      is_duplicate: i % 31 === 0,
      props: type === 'engagement' ? { engaged_ms: 500 + i } : i % 2 === 0 ? { sku: `k${i}`, qty: 1 } : null,
    })
    out.push(e)
  }
  return out
}

function snapshots(events: readonly ClickEvent[]) {
  const state = new LiveState({ conversionEvent: 'purchase', includeBots: false, visitorRetentionS: 3_600 })
  const out = []
  for (let i = 0; i < events.length; i += 250) {
    const batch = events.slice(i, i + 250)
    const now = batch[batch.length - 1]!.event_time + 100
    state.add(batch, now)
    out.push(state.snapshot(now))
  }
  return out
}

describe('live view fields', () => {
  test('snapshots are the same on events decoded with only the live view’s fields', () => {
    const events = stream()
    const whole = snapshots(events.map((e) => decodeEvent(encodeEvent(e))))
    const projected = snapshots(events.map((e) => decodeEvent(encodeEvent(e), fieldMask(LIVE_FIELDS))))
    assert.ok(whole.at(-1)!.visitors_now > 0)
    assert.deepEqual(projected, whole)
  })
})

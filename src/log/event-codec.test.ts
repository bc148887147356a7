// The binary event format: every field survives a round trip (so the decoder's fixed field indexes
// match FIELDS), empty fields cost nothing, non-ASCII text keeps its characters, JSON records of older
// versions still decode, and damaged bytes are refused with a reason instead of decoding garbage.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type ClickEvent, emptyEvent } from '../core/event.ts'
import { deadLetterRecord, decodeEnvelope, eventRecord } from './envelope.ts'
import {
  decodeEvent,
  EVENT_FIELD_NAMES,
  encodeEvent,
  FORMAT_V1,
  fieldMask,
  measureEvent,
  writeMeasured,
} from './event-codec.ts'

/** Every field set to a value of its own, so a swapped index shows up. */
function fullEvent(): ClickEvent {
  const e = emptyEvent({
    event_id: 'ev-0193f2a4',
    event_type: 'track',
    event_time: 1_763_719_200_123,
    received_at: 1_763_719_200_456,
    source_id: 'collector',
  })
  let n = 0
  for (const k of Object.keys(e) as (keyof ClickEvent)[]) {
    const v = e[k]
    if (v === null && k !== 'sent_at' && k !== 'props')
      (e as unknown as Record<string, unknown>)[k] = `${k}-${n++}`
  }
  e.sent_at = 1_763_719_200_400.5
  e.is_bot = true
  e.is_duplicate = true
  e.is_corrupt = true
  e.props = { plan: 'pro', n: 3, nested: { ok: true, list: [1, 'a', null] } }
  return e
}

describe('event codec', () => {
  test('measure + write in place gives the bytes of encodeEvent, with or without a props JSON hint', () => {
    const ascii = fullEvent()
    const utf8 = { ...fullEvent(), page_title: 'Größe – 価格', props: { q: 'ü' } }
    for (const e of [ascii, utf8]) {
      const want = encodeEvent(e)
      const out = Buffer.alloc(want.length + 20, 0xee)
      for (const hint of [null, JSON.stringify(e.props)]) {
        out.fill(0xee)
        assert.equal(measureEvent(e, hint), want.length)
        writeMeasured(out, 7)
        assert.deepEqual(out.subarray(7, 7 + want.length), want)
        assert.equal(out[6], 0xee, 'nothing written before')
        assert.equal(out[7 + want.length], 0xee, 'nothing written after')
        assert.deepEqual(decodeEvent(out.subarray(7, 7 + want.length)), e)
      }
    }
  })

  test('a round trip gives every field back, in the contract order', () => {
    const e = fullEvent()
    const back = decodeEvent(encodeEvent(e))
    assert.deepEqual(back, e)
    // The same shape (key order) as events decoded from JSON records, so reads stay monomorphic.
    const fromJson = decodeEnvelope(Buffer.from(JSON.stringify({ event: e })))
    assert.ok('event' in fromJson)
    assert.deepEqual(Object.keys(back), Object.keys(fromJson.event))
  })

  test('a decode with a field mask builds those fields (and the routing ones) and leaves the rest empty', () => {
    const e = fullEvent()
    const record = encodeEvent(e)
    // Every field alone, and a mix with ASCII and non-ASCII blocks.
    for (const name of EVENT_FIELD_NAMES) {
      const back = decodeEvent(record, fieldMask([name]))
      assert.deepEqual(Object.keys(back), Object.keys(decodeEvent(record)), 'the same shape as a whole event')
      for (const other of EVENT_FIELD_NAMES) {
        const got = back[other]
        if (other === name || other === 'source_id' || other === 'event_type')
          assert.deepEqual(got, e[other], other)
        else if (typeof e[other] === 'boolean') assert.equal(got, false, other)
        else if (other === 'event_id') assert.equal(got, '')
        else if (other === 'event_time' || other === 'received_at') assert.equal(got, 0, other)
        else assert.equal(got, null, other)
      }
    }
    const utf8 = { ...e, page_title: 'Grüße 👋', referrer: 'https://ex.test/ñ' }
    const mask = fieldMask(['page_title', 'referrer', 'props', 'visitor_id'])
    const back = decodeEvent(encodeEvent(utf8), mask)
    assert.equal(back.page_title, 'Grüße 👋')
    assert.equal(back.referrer, 'https://ex.test/ñ')
    assert.deepEqual(back.props, e.props)
    assert.equal(back.visitor_id, e.visitor_id)
    assert.equal(back.page_url, null)
    // A whole decode after a masked one is whole again (the mask is not left behind).
    assert.deepEqual(decodeEvent(record), e)
    assert.throws(() => fieldMask(['nope' as keyof ClickEvent]), /not an event field/)
    // engaged_ms: the props of engagement events only; with props itself asked for, of every event.
    const engagement = { ...e, event_type: 'engagement' as const, props: { engaged_ms: 4200 } }
    assert.deepEqual(decodeEvent(encodeEvent(engagement), fieldMask(['engaged_ms'])).props, {
      engaged_ms: 4200,
    })
    assert.equal(decodeEvent(record, fieldMask(['engaged_ms'])).props, null)
    assert.deepEqual(decodeEvent(record, fieldMask(['engaged_ms', 'props'])).props, e.props)
    assert.deepEqual(decodeEvent(record, fieldMask(['props', 'engaged_ms'])).props, e.props)
  })

  test("each field sets its own bit of the presence bitmap, in the format's field order", () => {
    const full = fullEvent()
    const base = emptyEvent({
      event_id: '',
      event_type: 'pageview',
      event_time: 0,
      received_at: 0,
      source_id: '',
    })
    const always = new Set(['event_id', 'event_type', 'event_time', 'received_at', 'source_id'])
    EVENT_FIELD_NAMES.forEach((name, i) => {
      const one = { ...base, [name]: full[name] }
      const bytes = encodeEvent(one)
      for (let j = 0; j < EVENT_FIELD_NAMES.length; j++) {
        const set = (bytes[2 + (j >> 3)]! & (1 << (j & 7))) !== 0
        const expected = j === i || always.has(EVENT_FIELD_NAMES[j]!)
        assert.equal(set, expected, `${name}: bit ${j} (${EVENT_FIELD_NAMES[j]})`)
      }
      assert.deepEqual(decodeEvent(bytes), one)
    })
    assert.deepEqual([...EVENT_FIELD_NAMES].sort(), Object.keys(full).sort(), 'every field has a place')
  })

  test('repeated short values decode to the same strings, also past the cache size and on hash collisions', () => {
    const decoded: ClickEvent[] = []
    const sent: ClickEvent[] = []
    for (let i = 0; i < 12_000; i++) {
      const e = fullEvent()
      // 5,000 sites cycle through a 4,096-entry cache; the country flips between values of equal length.
      e.site = `site-${i % 5_000}.example`
      e.country = i % 2 === 0 ? 'DE' : 'FR'
      e.browser = i % 3 === 0 ? 'Chrome' : 'Safari'
      sent.push(e)
      decoded.push(decodeEvent(encodeEvent(e)))
    }
    assert.deepEqual(decoded, sent)
    assert.equal(decoded[0]!.country, decoded[2]!.country)
  })

  test('long interned values that differ only in the middle are told apart', () => {
    // The hash of a value over 32 bytes reads only its first and last 16: these all collide.
    const head = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 '
    const tail = ' Safari/537.36 clickflow-test-agent'
    const agents = ['Chrome/126.0.0.0', 'Chrome/127.0.0.0', 'Firefox/128.0.0', 'Chrome/126.0.0.1']
    const sent: ClickEvent[] = []
    const decoded: ClickEvent[] = []
    for (let i = 0; i < 40; i++) {
      const e = fullEvent()
      e.user_agent = `${head}${agents[i % agents.length]}${tail}`
      sent.push(e)
      decoded.push(decodeEvent(encodeEvent(e)))
    }
    assert.deepEqual(
      decoded.map((e) => e.user_agent),
      sent.map((e) => e.user_agent),
    )
  })

  test('empty fields are omitted and come back as null and false', () => {
    const e = emptyEvent({
      event_id: 'e1',
      event_type: 'pageview',
      event_time: 1,
      received_at: 2,
      source_id: 's',
    })
    const bytes = encodeEvent(e)
    // Header (8) + two numbers (16) + three 1-byte lengths + "e1pageviews".
    assert.equal(bytes.length, 8 + 16 + 3 + 'e1pageviews'.length)
    assert.deepEqual(decodeEvent(bytes), e)
    const blank = { ...e, event_id: '', props: {} }
    assert.deepEqual(decodeEvent(encodeEvent(blank)), blank)
  })

  test('non-ASCII text, long strings and surrogate pairs survive', () => {
    const e = fullEvent()
    e.page_title = 'Grüße aus Köln — 東京 🚀'
    e.city = 'Zürich'
    e.page_url = `https://example.com/${'x'.repeat(70_000)}`
    e.props = { emoji: '🙂', text: 'naïve' }
    const bytes = encodeEvent(e)
    assert.equal(bytes[1]! & 1, 0, 'not flagged ASCII')
    assert.deepEqual(decodeEvent(bytes), e)
  })

  test('records written as JSON by older versions and dead letters still decode', () => {
    const legacy = Buffer.from(
      JSON.stringify({
        event: { event_id: 'old', event_type: 'pageview', event_time: 5, received_at: 6, source_id: 'c' },
      }),
    )
    const decoded = decodeEnvelope(legacy)
    assert.ok('event' in decoded)
    assert.equal(decoded.event.event_id, 'old')
    assert.equal(decoded.event.page_path, null)
    const dl = { component_id: 'c', reason: 'bad', message: 'm', received_at: 1, payload: '{}' }
    assert.deepEqual(decodeEnvelope(deadLetterRecord(dl).value), { dead_letter: dl })
    const e = fullEvent()
    const record = eventRecord(e)
    assert.equal(record.value[0], FORMAT_V1)
    assert.equal(record.key, e.visitor_id)
    assert.deepEqual(decodeEnvelope(record.value), { event: e })
  })

  test('damaged records are refused with a reason', () => {
    const bytes = encodeEvent(fullEvent())
    assert.throws(() => decodeEvent(bytes.subarray(0, bytes.length - 1)), /header says/)
    assert.throws(() => decodeEvent(bytes.subarray(0, 12)), /truncated header|header says/)
    assert.throws(() => decodeEvent(Buffer.from([FORMAT_V1])), /no binary event header/)
    const newer = Buffer.from(bytes)
    newer[7]! |= 0x80
    assert.throws(() => decodeEvent(newer), /newer clickflow/)
  })
})

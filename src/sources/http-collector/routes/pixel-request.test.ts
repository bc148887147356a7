// The pixel's query-to-event mapping, without a server.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pixelEvent } from './pixel-request.ts'

test('defaults: a page view, the Referer as its URL, no props', () => {
  assert.deepStrictEqual(pixelEvent(new URLSearchParams(''), null), { type: 'pageview' })
  assert.deepStrictEqual(pixelEvent(new URLSearchParams('url='), 'https://a.example/x'), {
    type: 'pageview',
    url: 'https://a.example/x',
  })
})

test('empty values are absent, the first of a repeated parameter counts, others are ignored', () => {
  const e = pixelEvent(
    new URLSearchParams('type=track&name=a&name=b&user_id=&utm_source=x&p_k=1&p_k=2&p_='),
    null,
  )
  assert.deepStrictEqual(e, { type: 'track', name: 'a', props: { k: '1' } })
})

test('timestamp: digits are epoch ms, anything else is passed on for /collect to judge', () => {
  assert.equal(pixelEvent(new URLSearchParams('timestamp=1772323200000'), null).timestamp, 1772323200000)
  assert.equal(pixelEvent(new URLSearchParams('timestamp=2026-03-01'), null).timestamp, '2026-03-01')
})

test('a prop named __proto__ is data', () => {
  const props = pixelEvent(new URLSearchParams('p___proto__=x'), null).props as object
  assert.equal(Object.getPrototypeOf(props), Object.prototype)
  assert.equal(JSON.stringify(props), '{"__proto__":"x"}')
})

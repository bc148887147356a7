// The serialized-length check: the bound never undercounts, and the limit decision equals the one
// JSON.stringify would give.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { jsonBytesOver, jsonLengthBound, jsonLengthOver } from './json-length.ts'

/** JSON texts whose serialization is as long as it gets relative to their content. */
const AWKWARD = [
  '"\\u0000\\u001f\\"\\\\"',
  '"\\ud800 lone \\udfff surrogates"',
  '"é ü 中文 😀"',
  '1e20',
  '-2.2250738585072014e-308',
  '1e-7',
  '-0',
  '123456789012345678901234567890',
  '[true,false,null,[],{},[[]],{"":{}}]',
  '{"\\u0001key":"\\u0002","__proto__":{"a":1},"10":2,"2":[1.5e300,-1e-300]}',
  '{"type":"pageview","url":"https://x.example/p/1?utm_source=bench","visitor_id":"v1","title":"Bench page"}',
]

/** A random JSON value built from the awkward pieces. */
function randomValue(rnd: () => number, depth: number): unknown {
  const pick = rnd()
  if (depth > 4 || pick < 0.4) return JSON.parse(AWKWARD[Math.floor(rnd() * AWKWARD.length)]!)
  if (pick < 0.7) return Array.from({ length: Math.floor(rnd() * 5) }, () => randomValue(rnd, depth + 1))
  const o: Record<string, unknown> = {}
  for (let i = Math.floor(rnd() * 5); i > 0; i--)
    o[`k${Math.floor(rnd() * 1000)}\u0007`] = randomValue(rnd, depth + 1)
  return o
}

function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

describe('jsonLengthBound', () => {
  test('is never below the serialized length', () => {
    for (const text of AWKWARD) {
      const v = JSON.parse(text)
      assert.ok(jsonLengthBound(v, Infinity) >= JSON.stringify(v).length, text)
    }
    const rnd = seeded(7)
    for (let i = 0; i < 2000; i++) {
      const v = randomValue(rnd, 0)
      assert.ok(jsonLengthBound(v, Infinity) >= JSON.stringify(v).length, JSON.stringify(v))
      assert.ok(jsonLengthBound(v, Infinity) >= Buffer.byteLength(JSON.stringify(v)), JSON.stringify(v))
    }
  })

  test('stops counting once past the limit', () => {
    const big = Array.from({ length: 10_000 }, () => 'x'.repeat(100))
    const n = jsonLengthBound(big, 1000)
    assert.ok(n > 1000 && n < 5000, String(n))
  })
})

describe('jsonLengthOver', () => {
  test('decides the limit exactly as JSON.stringify would', () => {
    const rnd = seeded(11)
    for (let i = 0; i < 2000; i++) {
      const v = randomValue(rnd, 0)
      const length = JSON.stringify(v).length
      for (const limit of [length - 1, length, length + 1, 2 * length]) {
        assert.equal(
          jsonLengthOver(v, limit),
          length > limit ? length : null,
          `${limit} ${JSON.stringify(v)}`,
        )
      }
    }
  })

  test('in bytes, decides the limit exactly as Buffer.byteLength of JSON.stringify would', () => {
    const rnd = seeded(13)
    for (let i = 0; i < 2000; i++) {
      const v = randomValue(rnd, 0)
      const bytes = Buffer.byteLength(JSON.stringify(v))
      for (const limit of [bytes - 1, bytes, bytes + 1]) {
        assert.equal(jsonBytesOver(v, limit), bytes > limit ? bytes : null, `${limit} ${JSON.stringify(v)}`)
      }
    }
  })

  test('measures values nested deeper than the bound follows', () => {
    let deep: unknown = 'x'.repeat(50)
    for (let i = 0; i < 100; i++) deep = [deep]
    assert.equal(jsonLengthOver(deep, 100), 252)
    assert.equal(jsonLengthOver(deep, 252), null)
  })
})

// The checksum text and its comparison, built from the rules in protocols.md.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checksumMatches, checksumParam, checksumText } from './checksum.ts'
import { murmur3Signed } from './murmur3.ts'

test('the example in protocols.md', () => {
  assert.equal(checksumText(new URLSearchParams({ a: '1', b: '2' })), 'a=1,;b=2,;')
})

test('names sorted, x left out, repeated values kept in order', () => {
  const params = new URLSearchParams('t=pageView&x=zz&b=2&a=1&b=3&a=')
  assert.equal(checksumText(params), 'a=1,,;b=2,3,;t=pageView,;')
})

test('the text is hashed as UTF-8 and compared as a signed base-36 number', () => {
  const params = new URLSearchParams({ p: '0:k1:é€😀', l: 'https://example.test/?q=ü' })
  const hash = murmur3Signed(checksumText(params))
  params.set('x', hash.toString(36))
  assert.ok(checksumMatches(params))
  assert.equal(checksumParam(params), hash.toString(36))
})

test('a negative checksum is written with a leading minus', () => {
  // 'b=1,;' happens to hash to a negative number; find one rather than hard-code it.
  let params = new URLSearchParams()
  for (let i = 0; ; i++) {
    params = new URLSearchParams({ b: String(i) })
    if (murmur3Signed(checksumText(params)) < 0) break
  }
  const x = checksumParam(params)
  assert.ok(x.startsWith('-'))
  params.set('x', x)
  assert.ok(checksumMatches(params))
})

test('missing, malformed or different x does not match', () => {
  const params = new URLSearchParams({ a: '1' })
  assert.equal(checksumMatches(params), false)
  params.set('x', 'not base 36!')
  assert.equal(checksumMatches(params), false)
  params.set('x', checksumParam(params))
  assert.ok(checksumMatches(params))
  params.set('a', '2')
  assert.equal(checksumMatches(params), false)
})

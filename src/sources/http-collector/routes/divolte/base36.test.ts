// Base-36 numbers as JavaScript's toString(36) writes them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseBase36, parseBase36Int } from './base36.ts'

test('integers round-trip with toString(36), negatives included', () => {
  for (const n of [
    0,
    1,
    35,
    36,
    -1,
    -37,
    42,
    2 ** 31 - 1,
    -(2 ** 31),
    1_700_000_000_123,
    Number.MAX_SAFE_INTEGER,
  ]) {
    assert.equal(parseBase36Int(n.toString(36)), n, String(n))
  }
  assert.equal(parseBase36Int('ZZ'), 36 * 36 - 1, 'upper case digits are accepted')
})

test('not an integer: null', () => {
  for (const s of ['', '-', '1.5', ' 1', '1 ', '+1', '1-', '!', 'zzzzzzzzzzzz']) {
    assert.equal(parseBase36Int(s), null, JSON.stringify(s))
  }
})

test('fractions, as devicePixelRatio may be', () => {
  assert.equal(parseBase36('1.i'), 1.5)
  assert.equal(parseBase36('-1.i'), -1.5)
  assert.equal(parseBase36('2'), 2)
  for (const n of [1.25, 2.625, 0.75, 3]) {
    assert.ok(Math.abs(parseBase36(n.toString(36))! - n) < 1e-12, String(n))
  }
  for (const s of ['', '.5', '1.', '1..2', '1.2.3', 'a b']) assert.equal(parseBase36(s), null, s)
})

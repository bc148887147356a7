// The two-generation cache: bounded, recently used entries survive, stale ones go, and values read
// back as written.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Lru } from './lru.ts'

test('holds at most max entries and keeps the ones in use', () => {
  const lru = new Lru<number, string>(100)
  for (let i = 0; i < 10_000; i++) {
    lru.set(i, `v${i}`)
    // Key 0 is read all the time: it must never be dropped.
    assert.equal(lru.get(0), 'v0')
    assert.ok(lru.size <= 100, `size ${lru.size} at ${i}`)
  }
  assert.equal(lru.get(9_999), 'v9999')
  assert.equal(lru.get(5), undefined, 'an entry unused for thousands of inserts is gone')
  assert.equal(lru.has(0), true)
})

test('set replaces a value wherever it lives', () => {
  const lru = new Lru<string, number>(4)
  lru.set('a', 1)
  lru.set('b', 2)
  lru.set('c', 3) // a and b are now the old generation
  lru.set('a', 10)
  assert.equal(lru.get('a'), 10)
  lru.set('c', 30)
  assert.equal(lru.get('c'), 30)
  assert.equal(lru.get('b'), 2)
})

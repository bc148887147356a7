// UUIDv7 ids: RFC 9562 layout (time prefix, version 7, variant 10), distinct across pool refills.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { uuidv7 } from './ids.ts'

const LAYOUT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('an id carries its time in the first 48 bits, version 7 and the RFC variant', () => {
  const now = Date.UTC(2026, 10, 22, 6, 30, 15, 123)
  const id = uuidv7(now)
  assert.match(id, LAYOUT)
  assert.equal(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now)
  assert.equal(uuidv7(0).slice(0, 13), '00000000-0000')
  assert.equal(uuidv7(2 ** 48 - 1).slice(0, 13), 'ffffffff-ffff')
})

test('ids are distinct over many pool refills and sort by time', () => {
  const ids = new Set<string>()
  const start = Date.now()
  let previous = ''
  for (let i = 0; i < 5_000; i++) {
    const id = uuidv7(start + i)
    assert.match(id, LAYOUT)
    assert.ok(id > previous, `${id} sorts after ${previous}`)
    previous = id
    ids.add(id)
  }
  assert.equal(ids.size, 5_000)
  // Ids of one millisecond differ in their random bits.
  assert.notEqual(uuidv7(start), uuidv7(start))
})

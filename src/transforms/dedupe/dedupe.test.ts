// dedupe: a repeated id is flagged; memory is bounded (an id forgotten after `memory` others passes).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { transformConformance } from '../../../test/conformance/transform-conformance.ts'
import { IdMemory } from './id-memory.ts'
import { createDedupe } from './transform.ts'

transformConformance('dedupe', async () => createDedupe({ memory: 1000 }))

test('dedupe flags repeats within its memory only', () => {
  const t = createDedupe({ memory: 1000 })
  const flagged = (id: string) => {
    const e = sampleEvent(id)
    t.apply(e)
    return e.is_duplicate
  }
  assert.equal(flagged('a'), false)
  assert.equal(flagged('a'), true)
  assert.equal(flagged('b'), false)
  for (let i = 0; i < 1000; i++) assert.equal(flagged(`x${i}`), false)
  // 'a' and 'b' have been pushed out of the 1000-id memory.
  assert.equal(flagged('a'), false)
  assert.equal(flagged('x999'), true)
})

test('id memory: the same answers as a plain set and queue, over wrap-arounds and probe runs', () => {
  for (const capacity of [1, 3, 1000]) {
    const memory = new IdMemory(capacity)
    const set = new Set<number>()
    const queue: number[] = []
    let seed = capacity
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
      return seed
    }
    for (let i = 0; i < 200_000; i++) {
      // Few distinct values (many repeats), and low bits shared between them (long probe runs):
      // the table slot comes from the low 32 bits, the high bits tell the values apart.
      const h = (rand() % (capacity * 3)) * 2 ** 32 + (rand() % 4) + 2 ** 52 * (i % 2)
      const expected = !set.has(h)
      if (expected) {
        if (queue.length === capacity) set.delete(queue.shift()!)
        set.add(h)
        queue.push(h)
      }
      assert.equal(memory.remember(h), expected, `capacity ${capacity}, step ${i}`)
    }
  }
})

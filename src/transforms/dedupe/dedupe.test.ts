// dedupe: a repeated id is flagged; memory is bounded (an id forgotten after `memory` others passes).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { transformConformance } from '../../../test/conformance/transform-conformance.ts'
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

// HyperLogLog: estimates within a few standard errors over several magnitudes, and merge = union.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HyperLogLog } from './hll.ts'

test('estimates distinct counts within 5% from 10 to 200,000 values', () => {
  for (const n of [10, 1_000, 20_000, 200_000]) {
    const h = new HyperLogLog()
    for (let i = 0; i < n; i++) {
      h.add(`visitor-${i}`)
      h.add(`visitor-${i}`) // repeats do not count
    }
    const e = h.estimate()
    assert.ok(Math.abs(e - n) / n < 0.05, `n=${n} estimated ${e}`)
  }
})

test('merging two sketches estimates the union', () => {
  const a = new HyperLogLog()
  const b = new HyperLogLog()
  for (let i = 0; i < 30_000; i++) a.add(`v${i}`)
  for (let i = 20_000; i < 50_000; i++) b.add(`v${i}`)
  const u = new HyperLogLog(a.registers)
  u.merge(b)
  assert.ok(Math.abs(u.estimate() - 50_000) / 50_000 < 0.05, `union estimated ${u.estimate()}`)
  // The copy is independent of the sketch it came from.
  assert.ok(a.estimate() < 33_000)
})

test('a sketch of the wrong size is refused', () => {
  assert.throws(() => new HyperLogLog(new Uint8Array(10)), /4096 registers/)
})

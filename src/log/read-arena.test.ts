// ReadArena: regions taken between resets never overlap; reads of the segment log into an arena give
// the same records as reads into fresh buffers, and the arena's memory is reused after a reset.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { ReadArena } from './read-arena.ts'
import { openTestLog } from './segment-log/testing.ts'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('ReadArena', () => {
  test('regions taken before a reset do not overlap, also when the arena grows', () => {
    const arena = new ReadArena()
    const taken = [arena.take(1000), arena.take(600_000), arena.take(700_000), arena.take(3_000_000)]
    for (const [i, b] of taken.entries()) b.fill(i + 1)
    for (const [i, b] of taken.entries())
      assert.ok(
        b.every((x) => x === i + 1),
        `region ${i} kept its bytes`,
      )
    const capacity = arena.capacity
    arena.reset()
    // After a reset the same memory serves again: no new buffer for what fits.
    const again = arena.take(2_000_000)
    assert.equal(arena.capacity, capacity)
    assert.equal(again.buffer, taken[3]!.buffer)
  })

  test('a segment log read into an arena gives the records a plain read gives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clickflow-arena-'))
    dirs.push(dir)
    const log = await openTestLog(dir, { segmentBytes: 64 << 10 })
    for (let i = 0; i < 40; i++)
      await log.append(
        'events',
        Array.from({ length: 25 }, (_, j) => ({
          key: `k${(i * 25 + j) % 7}`,
          value: Buffer.from(`value ${i * 25 + j} ${'x'.repeat((i * 25 + j) % 300)}`),
          timestamp: 1_000 + i,
        })),
      )
    const arena = new ReadArena()
    for (const p of [0, 1]) {
      for (let at = 0; ; ) {
        const plain = await log.read('events', p, at, 37)
        arena.reset()
        const inArena = await log.read('events', p, at, 37, arena)
        assert.deepEqual(
          inArena.map((r) => ({ ...r, value: r.value.toString() })),
          plain.map((r) => ({ ...r, value: r.value.toString() })),
        )
        if (plain.length === 0) break
        assert.ok(inArena.every((r) => r.value.buffer !== plain[0]!.value.buffer))
        at = plain[plain.length - 1]!.offset + 1
      }
    }
    await log.close()
  })
})

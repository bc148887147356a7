// Flags events whose id was seen recently (Divolte-style duplicate detection: a client retry, a
// browser re-sending a beacon). Memory is bounded: ids are kept as 52-bit hashes in a ring, so the
// cost is fixed and a false positive needs a 52-bit collision among the remembered ids.
import { createHash } from 'node:crypto'
import type { Transform } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { ok } from '../../core/step-result.ts'
import type { DedupeConfig } from './config.ts'

function hash52(id: string): number {
  const d = createHash('sha1').update(id).digest()
  // 52 bits fit a double exactly: 20 from one word, 32 from the next.
  return (d.readUInt32BE(0) & 0xfffff) * 2 ** 32 + d.readUInt32BE(4)
}

/** Builds the transform. */
export function createDedupe(cfg: DedupeConfig): Transform {
  const ring = new Float64Array(cfg.memory)
  const seen = new Set<number>()
  let next = 0
  let filled = false
  return {
    apply(e: ClickEvent) {
      const h = hash52(e.event_id)
      if (seen.has(h)) {
        e.is_duplicate = true
        return ok(e)
      }
      if (filled) seen.delete(ring[next]!)
      ring[next] = h
      seen.add(h)
      next = (next + 1) % ring.length
      if (next === 0) filled = true
      return ok(e)
    },
  }
}

// Flags events whose id was seen recently (Divolte-style duplicate detection: a client retry, a
// browser re-sending a beacon). Memory is bounded: ids are kept as 53-bit hashes (id-memory.ts), so
// the cost is fixed and a false positive needs a 53-bit collision among the remembered ids.
import type { Transform } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { pass } from '../../core/step-result.ts'
import type { DedupeConfig } from './config.ts'
import { IdMemory } from './id-memory.ts'

/**
 * A 53-bit non-cryptographic hash of a string (two multiplicative 32-bit lanes, mixed at the end, as
 * in the well-known cyrb53): ids are not adversarial here, and this is ~10x cheaper than SHA-1.
 */
export function hash53(id: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/** Builds the transform. */
export function createDedupe(cfg: Pick<DedupeConfig, 'memory'> & Partial<DedupeConfig>): Transform {
  const memory = new IdMemory(cfg.memory)
  const remember = (h: number): boolean => memory.remember(h)
  return {
    apply(e: ClickEvent) {
      if (!remember(hash53(e.event_id))) e.is_duplicate = true
      return pass()
    },
    warmup: {
      records: Math.min(cfg.warmup_records ?? 0, cfg.memory),
      remember: (e: ClickEvent) => {
        remember(hash53(e.event_id))
      },
    },
  }
}

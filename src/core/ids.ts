// Identifier generation. Event ids are UUIDv7 (RFC 9562): time-ordered, so ids generated together
// sort together, which keeps the store's sorting work local. Random bytes come from a pooled
// buffer (one crypto call per 512 ids) because ids are made on the collector's hot path.
import { randomFillSync } from 'node:crypto'

const POOL_IDS = 512
const pool = Buffer.allocUnsafe(POOL_IDS * 10)
let used = POOL_IDS
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** A new UUIDv7 for the given time (epoch ms). */
export function uuidv7(now: number = Date.now()): string {
  if (used === POOL_IDS) {
    randomFillSync(pool)
    used = 0
  }
  const r = used++ * 10
  // 48-bit big-endian milliseconds, split so no BigInt is needed.
  const hi = Math.floor(now / 0x1000000)
  const lo = now % 0x1000000
  const t =
    HEX[(hi >>> 16) & 0xff]! +
    HEX[(hi >>> 8) & 0xff]! +
    HEX[hi & 0xff]! +
    HEX[(lo >>> 16) & 0xff]! +
    HEX[(lo >>> 8) & 0xff]! +
    HEX[lo & 0xff]!
  const version = HEX[(pool[r]! & 0x0f) | 0x70]! + HEX[pool[r + 1]!]!
  const variant = HEX[(pool[r + 2]! & 0x3f) | 0x80]! + HEX[pool[r + 3]!]!
  let tail = ''
  for (let i = 4; i < 10; i++) tail += HEX[pool[r + i]!]!
  return `${t.slice(0, 8)}-${t.slice(8)}-${version}-${variant}-${tail}`
}

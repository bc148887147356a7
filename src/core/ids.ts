// Identifier generation. Event ids are UUIDv7 (RFC 9562): time-ordered, so ids generated together
// sort together, which keeps the store's dedup and sorting work local.
import { randomBytes } from 'node:crypto'

/** A new UUIDv7 for the given time (epoch ms). */
export function uuidv7(now: number = Date.now()): string {
  const b = randomBytes(16)
  const ms = BigInt(now)
  for (let i = 0; i < 6; i++) b[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn)
  b[6] = (b[6]! & 0x0f) | 0x70
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

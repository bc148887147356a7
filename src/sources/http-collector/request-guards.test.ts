// The collector's request guards: per-IP token buckets, the rightmost untrusted X-Forwarded-For hop,
// and cookieless visitor ids with a daily salt (yesterday's kept so a visit can cross midnight).
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { clientIpResolver } from './client-ip.ts'
import { RateLimiter } from './rate-limit.ts'
import { CookielessIds } from './visitor-id.ts'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('RateLimiter', () => {
  test('allows the burst, then the sustained rate, per address', () => {
    const r = new RateLimiter({ requestsPerSecond: 2, burst: 3, maxAddresses: 100 })
    const t = 1_000_000
    assert.deepEqual(
      [0, 1, 2].map(() => r.take('a', t)),
      [0, 0, 0],
    )
    assert.ok(r.take('a', t) > 0, 'the fourth request at once waits')
    assert.equal(r.take('b', t), 0, 'another address has its own bucket')
    assert.equal(r.take('a', t + 500), 0, 'half a second refills one token at 2/s')
    assert.ok(r.take('a', t + 500) > 0)
  })

  test('forgets the least recently seen addresses past its bound', () => {
    const r = new RateLimiter({ requestsPerSecond: 1, burst: 1, maxAddresses: 2 })
    r.take('a', 0)
    r.take('b', 0)
    r.take('c', 0) // evicts 'a'
    assert.equal(r.take('a', 0), 0, 'a forgotten address starts with a full bucket')
    assert.ok(r.take('c', 0) > 0)
  })
})

describe('clientIpResolver', () => {
  const req = (remote: string, xff?: string) =>
    ({
      socket: { remoteAddress: remote },
      headers: xff ? { 'x-forwarded-for': xff } : {},
    }) as unknown as IncomingMessage
  test('without trusted proxies the socket address is the client, whatever the header says', () => {
    assert.equal(clientIpResolver([])(req('198.51.100.7', '203.0.113.1')), '198.51.100.7')
    assert.equal(clientIpResolver([])(req('::ffff:198.51.100.7')), '198.51.100.7')
  })
  test('behind trusted proxies the rightmost untrusted hop is the client', () => {
    const resolve = clientIpResolver(['10.0.0.0/8', '192.0.2.10'])
    // A forged left-most entry is ignored: the client is the hop the first trusted proxy saw.
    assert.equal(resolve(req('10.1.1.1', '6.6.6.6, 203.0.113.5, 192.0.2.10')), '203.0.113.5')
    assert.equal(resolve(req('10.1.1.1', '203.0.113.5')), '203.0.113.5')
    assert.equal(
      resolve(req('198.51.100.9', '203.0.113.5')),
      '198.51.100.9',
      'an untrusted peer is not believed',
    )
    assert.equal(resolve(req('10.1.1.1')), '10.1.1.1')
  })
})

describe('CookielessIds', () => {
  const DAY = 24 * 3600 * 1000
  test('stable within a day, different across days and sites, continued over midnight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clickflow-salts-'))
    dirs.push(dir)
    const file = join(dir, 'salts.json')
    const ids = new CookielessIds(file)
    const day = 20_000 * DAY
    const a = ids.derive('203.0.113.5', 'UA', 'shop', day + 1000)
    assert.equal(ids.derive('203.0.113.5', 'UA', 'shop', day + 5 * 3600_000), a)
    assert.notEqual(ids.derive('203.0.113.5', 'UA', 'blog', day + 1000), a)
    assert.notEqual(ids.derive('203.0.113.6', 'UA', 'shop', day + 1000), a)
    // 23:50 then 00:05: the visit keeps its id.
    const late = ids.derive('198.51.100.1', 'UA', 'shop', day + DAY - 10 * 60_000)
    assert.equal(ids.derive('198.51.100.1', 'UA', 'shop', day + DAY + 5 * 60_000), late)
    // A visitor idle for hours gets the new day's id.
    assert.notEqual(ids.derive('203.0.113.5', 'UA', 'shop', day + DAY + 3600_000), a)
    // A restart keeps the same salts (ids stay stable within the day) ...
    const again = new CookielessIds(file)
    assert.equal(again.derive('203.0.113.5', 'UA', 'shop', day + 2000), a)
    // ... and only today's and yesterday's are ever on disk.
    new CookielessIds(file).derive('x', 'UA', 'shop', day + 3 * DAY)
    const kept = Object.keys(JSON.parse(await readFile(file, 'utf8')) as object)
    assert.deepEqual(kept, [String(20_003)])
  })
})

// anonymize_ip: IPv4 and IPv6 truncation, drop and keep.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { transformConformance } from '../../../test/conformance/transform-conformance.ts'
import { createAnonymizeIp, truncateIp } from './transform.ts'

transformConformance('anonymize_ip', async () => createAnonymizeIp({ mode: 'truncate' }))

test('truncateIp zeroes the host part', () => {
  assert.equal(truncateIp('203.0.113.57'), '203.0.113.0')
  assert.equal(truncateIp('2001:db8:85a3:8d3:1319:8a2e:370:7348'), '2001:db8:85a3::')
  assert.equal(truncateIp('2001:db8::1'), '2001:db8:0::')
  assert.equal(truncateIp('::1'), '0:0:0::')
  assert.equal(truncateIp('::ffff:192.0.2.128'), '0:0:0::')
  assert.equal(truncateIp('not an ip'), 'not an ip')
})

test('anonymize_ip modes', () => {
  for (const [mode, expected] of [
    ['truncate', '198.51.100.0'],
    ['drop', null],
    ['keep', '198.51.100.23'],
  ] as const) {
    const e = sampleEvent(mode)
    e.ip = '198.51.100.23'
    createAnonymizeIp({ mode }).apply(e)
    assert.equal(e.ip, expected, mode)
  }
})

test('anonymize_ip: addresses seen again (answered from its cache) are cut the same way', () => {
  const t = createAnonymizeIp({ mode: 'truncate' })
  const ips = ['198.51.100.23', '2001:db8:85a3:8d3:1319:8a2e:370:7348', 'not an ip', '198.51.100.24']
  for (let round = 0; round < 3; round++) {
    for (const ip of ips) {
      const e = sampleEvent(`ip-${round}`)
      e.ip = ip
      t.apply(e)
      assert.equal(e.ip, truncateIp(ip), ip)
    }
  }
})

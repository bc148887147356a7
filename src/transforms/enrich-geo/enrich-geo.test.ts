// enrich_geo: the shipped country database places known addresses; record shapes of both common
// MMDB flavours are read.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import maxmind from 'maxmind'
import { sampleEvent } from '../../../test/conformance/sink-conformance.ts'
import { transformConformance } from '../../../test/conformance/transform-conformance.ts'
import { shippedCountryDb } from './index.ts'
import { locationOf } from './lookup.ts'
import { createEnrichGeo } from './transform.ts'

transformConformance('enrich_geo', async () => createEnrichGeo(await maxmind.open(shippedCountryDb())))

test('enrich_geo: known addresses get their country; private and invalid ones none', async () => {
  const t = createEnrichGeo(await maxmind.open(shippedCountryDb()))
  const cases: [string | null, string | null][] = [
    ['8.8.8.8', 'US'], // Google public DNS
    ['81.2.69.160', 'GB'], // MaxMind's documented GB test address
    ['2001:4860:4860::8888', 'US'],
    ['127.0.0.1', null],
    ['10.1.2.3', null],
    ['not-an-ip', null],
    [null, null],
  ]
  for (const [ip, country] of cases) {
    const e = sampleEvent(`geo-${ip}`)
    e.ip = ip
    assert.equal(t.apply(e).kind, 'pass')
    assert.equal(e.country, country, String(ip))
  }
})

test('locationOf reads GeoIP2 and ip-location-db records', () => {
  assert.deepEqual(
    locationOf({
      country: { iso_code: 'DE' },
      subdivisions: [{ iso_code: 'BE', names: { en: 'Berlin' } }],
      city: { names: { en: 'Berlin' } },
    }),
    { country: 'DE', region: 'Berlin', city: 'Berlin' },
  )
  assert.deepEqual(locationOf({ country_code: 'fr', state1: 'Île-de-France', city: 'Paris' }), {
    country: 'FR',
    region: 'Île-de-France',
    city: 'Paris',
  })
  assert.deepEqual(locationOf(null), { country: null, region: null, city: null })
})

test('enrich_geo: addresses seen again (answered from its cache) get what a fresh lookup gives', async () => {
  const reader = await maxmind.open(shippedCountryDb())
  const t = createEnrichGeo(reader)
  let seed = 7
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    return seed >>> 24
  }
  const ips = Array.from({ length: 300 }, () => `${next()}.${next()}.${next()}.${next()}`)
  for (let round = 0; round < 3; round++) {
    for (const ip of ips) {
      const e = sampleEvent(`geo-${round}-${ip}`)
      e.ip = ip
      t.apply(e)
      assert.deepEqual([e.country, e.region, e.city], Object.values(locationOf(reader.get(ip))), ip)
    }
  }
})

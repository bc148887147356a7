// Fills country (and region and city with a city database) from the client IP. Lookups run on the
// event's raw IP, so this transform must come before anonymize_ip.
import { isIP } from 'node:net'
import type { Reader, Response } from 'maxmind'
import type { Transform } from '../../core/component.ts'
import type { ClickEvent } from '../../core/event.ts'
import { Lru } from '../../core/lru.ts'
import { pass } from '../../core/step-result.ts'
import { type Location, locationOf } from './lookup.ts'

/** Addresses looked up per reader: a visitor sends many events from one address. */
const CACHED_ADDRESSES = 10_000

/** Builds the transform over an open MMDB reader. */
export function createEnrichGeo(reader: Reader<Response>): Transform {
  // Parsing the address and walking the tree cost ~1 us and 360 bytes of garbage per event.
  const recent = new Lru<string, Location>(CACHED_ADDRESSES)
  return {
    apply(e: ClickEvent) {
      if (!e.ip) return pass()
      let loc = recent.get(e.ip)
      if (loc === undefined) {
        if (isIP(e.ip) === 0) return pass()
        loc = locationOf(reader.get(e.ip))
        recent.set(e.ip, loc)
      }
      e.country = loc.country
      e.region = loc.region
      e.city = loc.city
      return pass()
    },
  }
}
